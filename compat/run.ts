// `npm run compat` / `node compat/run.ts [--client NAME]... [--scenario ID]... [--capture] [--no-write]`
//
// Runs every installed client (or the named ones) against a fresh broker each, prints one line per
// scenario (and the broker's protocol trace for failures), writes compat/results/<client>.json and
// regenerates COMPATIBILITY.md (repository root) from all results files. --capture also records the clients' request
// frames as golden fixtures under test/protocol/golden/fixtures/. Exits non-zero when a run
// disagrees with compat/<client>/expectations, or (with CI=true) when a client is missing.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CLIENTS } from './clients.ts'
import { compareWithExpectations } from './harness/compare.ts'
import { runClient } from './harness/runner.ts'
import { writeMatrix } from './matrix.ts'

const here = import.meta.dirname
const { values } = parseArgs({
  options: {
    client: { type: 'string', multiple: true },
    scenario: { type: 'string', multiple: true },
    capture: { type: 'boolean' },
    'no-write': { type: 'boolean' },
  },
})

const selected =
  values.client === undefined ? CLIENTS : CLIENTS.filter((c) => values.client!.includes(c.name))
if (values.client !== undefined && selected.length !== values.client.length) {
  console.error(`unknown client; known: ${CLIENTS.map((c) => c.name).join(', ')}`)
  process.exit(2)
}
const ci = process.env.CI === 'true'
let bad = 0
const fixturesDir = join(here, '..', 'test', 'protocol', 'golden', 'fixtures')

/** A fresh capture replaces the client's previous fixtures (hashes differ run to run). */
async function clearFixtures(client: (typeof CLIENTS)[number]): Promise<void> {
  const detected = await client.detect().catch(() => undefined)
  if (detected === undefined || 'missing' in detected || !existsSync(fixturesDir)) return
  for (const dir of readdirSync(fixturesDir))
    for (const file of readdirSync(join(fixturesDir, dir)))
      if (file.includes(`-request.${detected.label}.`)) rmSync(join(fixturesDir, dir, file))
}

/** Fixtures stay small: frames above this (e.g. the large-message produce) are not kept. */
const MAX_FIXTURE_HEX_CHARS = 2 * 32 * 1024

function pruneLargeFixtures(): void {
  if (!existsSync(fixturesDir)) return
  for (const dir of readdirSync(fixturesDir))
    for (const file of readdirSync(join(fixturesDir, dir))) {
      const path = join(fixturesDir, dir, file)
      if (statSync(path).size > MAX_FIXTURE_HEX_CHARS) rmSync(path)
    }
}

for (const client of selected) {
  const started = Date.now()
  if (values.capture === true) await clearFixtures(client)
  const run = await runClient(client, {
    only: values.scenario,
    captureDir: values.capture === true ? fixturesDir : undefined,
    log: (line) => console.log(line),
  })
  if (values.capture === true) pruneLargeFixtures()
  if (run.missing !== undefined) {
    console.log(`${client.name}: not installed (${run.missing})${ci ? ' — a failure in CI' : ''}`)
    if (ci) bad++
    continue
  }
  for (const r of run.results)
    if (r.trace !== undefined && r.trace.length > 0)
      console.log(
        `--- broker trace before ${client.name} ${r.scenario} failed ---\n${r.trace.join('\n')}\n---`,
      )
  const mismatches = compareWithExpectations(run, join(here, client.name, 'expectations'))
  for (const m of mismatches) console.log(`MISMATCH ${client.name} ${m}`)
  bad += mismatches.length
  console.log(`${client.name}: ${run.version}, ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (values['no-write'] !== true && values.scenario === undefined) {
    mkdirSync(join(here, 'results'), { recursive: true })
    const stored = { ...run, results: run.results.map(({ trace: _trace, ...rest }) => rest) }
    writeFileSync(join(here, 'results', `${client.name}.json`), JSON.stringify(stored, null, 2) + '\n')
  }
}
if (values['no-write'] !== true) writeMatrix(here)
process.exit(bad === 0 ? 0 : 1)
