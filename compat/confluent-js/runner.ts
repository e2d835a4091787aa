// @confluentinc/kafka-javascript on librdkafka 2.1x: the modern librdkafka (newest request
// versions, KIP-848 consumer). compat/install-clients.sh builds it from the librdkafka sources in
// its npm package into this folder's own node_modules; its addon is ABI-specific, so each scenario
// is one `runner.js` process under the Node it was built with (node_modules/.samsa-build.json).

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runChild, runScenarioChild } from '../harness/external.ts'
import type { ClientRunner, ScenarioContext } from '../harness/runner.ts'

const DIR = import.meta.dirname
const SCRIPT = join(DIR, 'runner.js')
const STAMP = join(DIR, 'node_modules', '.samsa-build.json')
/**
 * The harness's per-scenario timeout; runner.js stops its own waits a little earlier. The KIP-848
 * scenario waits on the broker's 5 s heartbeat interval twice: 11 s alone, 21 s seen while the
 * 2-core machine was compiling.
 */
const TIMEOUT_MS = 45_000

/** The Node the addon was built with, or why there is none. */
function builtWith(): { node: string } | { missing: string } {
  if (!existsSync(STAMP))
    return { missing: 'not built (bash compat/install-clients.sh builds it from its bundled sources)' }
  const stamp = JSON.parse(readFileSync(STAMP, 'utf8')) as { node?: unknown }
  if (typeof stamp.node !== 'string' || !existsSync(stamp.node))
    return {
      missing: `built with a Node that is gone (${String(stamp.node)}); rerun compat/install-clients.sh`,
    }
  return { node: stamp.node }
}

export const runner: ClientRunner = {
  name: 'confluent-js',
  timeoutMs: TIMEOUT_MS,
  async detect() {
    const built = builtWith()
    if ('missing' in built) return built
    const controller = new AbortController()
    const ctx = { signal: controller.signal, defer: () => {} } as unknown as ScenarioContext
    const out = await runChild(ctx, built.node, [SCRIPT, '--version'], { cwd: DIR })
    if (out.code !== 0)
      return { missing: `@confluentinc/kafka-javascript: ${out.stderr.trim().split('\n').pop() ?? ''}` }
    const v = JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as { package: string; librdkafka: string }
    return {
      version: `@confluentinc/kafka-javascript ${v.package}, librdkafka ${v.librdkafka}`,
      label: `librdkafka-${v.librdkafka}-confluent-js-${v.package}`,
    }
  },
  run(scenario, ctx) {
    const built = builtWith()
    if ('missing' in built) throw new Error(built.missing)
    return runScenarioChild(ctx, built.node, [SCRIPT], scenario, {
      cwd: DIR,
      env: { SAMSA_COMPAT_BUDGET_MS: String(TIMEOUT_MS - 3000) },
    })
  },
}
