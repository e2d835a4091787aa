// kafka-python 2.0.2 (Debian's python3-kafka): ApiVersions v0, a guessed broker version, fixed old
// request versions. Each scenario is one `runner.py` process.

import { join } from 'node:path'
import { runChild, runScenarioChild } from '../harness/external.ts'
import type { ClientRunner, ScenarioContext } from '../harness/runner.ts'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(import.meta.dirname, 'runner.py')

export const runner: ClientRunner = {
  name: 'kafka-python',
  async detect() {
    const ctx = { signal: new AbortController().signal, defer: () => {} } as unknown as ScenarioContext
    const out = await runChild(ctx, PYTHON, [SCRIPT, '--version', '', ''])
    if (out.code !== 0) return { missing: `python3-kafka: ${out.stderr.trim().split('\n').pop() ?? ''}` }
    const { version } = JSON.parse(out.stdout.trim()) as { version: string }
    return { version: `kafka-python ${version}`, label: `kafka-python-${version}` }
  },
  run: (scenario, ctx) => runScenarioChild(ctx, PYTHON, [SCRIPT], scenario),
}
