// confluent-kafka-go 0.11.6 (Go, Debian's golang-github-confluentinc-confluent-kafka-go-dev) on
// Debian's librdkafka 2.0.2: built offline in GOPATH mode by compat/harness/go-build.ts (cgo links
// librdkafka-dev through pkg-config); each scenario is one run of the binary (compat/confluent-go/main.go).

import { buildGoRunner, debianVersion } from '../harness/go-build.ts'
import { runChild, runScenarioChild } from '../harness/external.ts'
import type { ClientRunner, ScenarioContext } from '../harness/runner.ts'

let binary: string | undefined

export const runner: ClientRunner = {
  name: 'confluent-go',
  async detect() {
    const version = await debianVersion('golang-github-confluentinc-confluent-kafka-go-dev')
    if (version === undefined)
      return { missing: 'golang-github-confluentinc-confluent-kafka-go-dev is not installed' }
    if ((await debianVersion('librdkafka-dev')) === undefined)
      return { missing: 'librdkafka-dev is not installed (confluent-kafka-go links it through cgo)' }
    const built = await buildGoRunner(
      import.meta.dirname,
      'confluent-go-runner',
      'github.com/confluentinc/confluent-kafka-go/kafka',
    )
    if ('missing' in built) return built
    binary = built.binary
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 10_000)
    const ctx = { signal: controller.signal, defer: () => {} } as unknown as ScenarioContext
    const out = await runChild(ctx, binary, ['--version', '', '']).finally(() => clearTimeout(timer))
    if (out.code !== 0)
      return { missing: `confluent-go runner does not start: ${out.stderr.trim().split('\n').pop() ?? ''}` }
    const librdkafka = (JSON.parse(out.stdout.trim()) as { librdkafka: string }).librdkafka
    const upstream = version.replace(/-[^-]*$/, '')
    return {
      version: `confluent-kafka-go ${upstream} (Debian ${version}), librdkafka ${librdkafka}`,
      label: `librdkafka-${librdkafka}-confluent-go-${upstream}`,
    }
  },
  run: (scenario, ctx) => runScenarioChild(ctx, binary!, [], scenario),
}
