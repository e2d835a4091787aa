// One vitest suite per real client: run every scenario against a fresh broker (compat/harness),
// then one test per scenario comparing the outcome with compat/<client>/expectations. A failing
// test prints the scenario's error and the broker's protocol trace of the exchange before it.
// A client that is not installed fails in CI (CI=true) and is a visible skip locally.

import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadExpectations, type ClientRun } from '../../compat/harness/results.ts'
import { runClient, type ClientRunner } from '../../compat/harness/runner.ts'
import { SCENARIOS } from '../../compat/scenarios.ts'

const compatDir = join(import.meta.dirname, '..', '..', 'compat')

export async function defineCompatSuite(runner: ClientRunner): Promise<void> {
  const detected = await Promise.resolve()
    .then(() => runner.detect())
    .catch((err: unknown) => ({ missing: String(err) }))
  const expectations = loadExpectations(join(compatDir, runner.name, 'expectations'))
  if ('missing' in detected) {
    if (process.env.CI === 'true')
      it(`${runner.name} is installed`, () => {
        expect.fail(`${runner.name} is not installed: ${detected.missing} (see compat/install-clients.sh)`)
      })
    else it.skip(`${runner.name} is not installed: ${detected.missing}`, () => {})
    return
  }

  describe(`${detected.version}`, () => {
    let run: ClientRun | undefined
    beforeAll(async () => {
      run = await runClient(runner, { budgetMs: 200_000 })
    }, 240_000)

    for (const scenario of SCENARIOS) {
      const expected = expectations.get(scenario.id)!
      it(`${scenario.id}: ${expected.status}`, () => {
        const result = run?.results.find((r) => r.scenario === scenario.id)
        expect(result, 'scenario did not run').toBeDefined()
        if (result === undefined) return
        const detail = [
          `${runner.name} ${scenario.id}: expected ${expected.status}${expected.reason === '' ? '' : ` (${expected.reason})`}, got ${result.status}${result.reason === undefined ? '' : ` — ${result.reason}`}`,
          ...(result.trace !== undefined && result.trace.length > 0
            ? ['broker trace before the failure:', ...result.trace]
            : []),
        ].join('\n')
        expect(result.status, detail).toBe(expected.status)
      })
    }
  })
}
