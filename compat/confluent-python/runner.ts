// confluent-kafka-python (Debian's python3-confluent-kafka on librdkafka 2.0.2): old overlap rules
// and the feature map of B.3. Each scenario is one `runner.py` process.

import { join } from 'node:path'
import { runChild, runScenarioChild } from '../harness/external.ts'
import type { ClientRunner, ScenarioContext } from '../harness/runner.ts'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(import.meta.dirname, 'runner.py')

export const runner: ClientRunner = {
  name: 'confluent-python',
  async detect() {
    const controller = new AbortController()
    const ctx = { signal: controller.signal, defer: () => {} } as unknown as ScenarioContext
    const out = await runChild(ctx, PYTHON, [SCRIPT, '--version', '', ''])
    if (out.code !== 0)
      return { missing: `python3-confluent-kafka: ${out.stderr.trim().split('\n').pop() ?? ''}` }
    const v = JSON.parse(out.stdout.trim()) as { python: string; librdkafka: string }
    return {
      version: `confluent-kafka-python ${v.python}, librdkafka ${v.librdkafka}`,
      label: `librdkafka-${v.librdkafka}-confluent-python-${v.python}`,
    }
  },
  run: (scenario, ctx) => runScenarioChild(ctx, PYTHON, [SCRIPT], scenario),
}
