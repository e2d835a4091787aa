// confluent-kafka-go 0.11.6 (Debian's golang-github-confluentinc-confluent-kafka-go-dev), the Go
// binding of the system librdkafka: built offline in GOPATH mode (with cgo) by
// compat/harness/go-build.ts; each scenario is one run of the binary (compat/confluent-go/main.go).

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
    const built = await buildGoRunner(
      import.meta.dirname,
      'confluent-go-runner',
      'github.com/confluentinc/confluent-kafka-go',
    )
    if ('missing' in built) return built
    binary = built.binary
    const upstream = version.replace(/-[^-]*$/, '')
    const ctx = { signal: new AbortController().signal, defer: () => {} } as unknown as ScenarioContext
    const out = await runChild(ctx, binary, ['--version'])
    const lib = (JSON.parse(out.stdout.trim() || '{}') as { librdkafka?: string }).librdkafka ?? 'unknown'
    return {
      version: `confluent-kafka-go ${upstream}, librdkafka ${lib} (Debian ${version})`,
      label: `librdkafka-${lib}-confluent-go-${upstream}`,
    }
  },
  run: (scenario, ctx) => runScenarioChild(ctx, binary!, [], scenario),
}
