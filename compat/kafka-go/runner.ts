// segmentio/kafka-go 0.2.1 (Go, Debian's golang-github-segmentio-kafka-go-dev): built offline in GOPATH mode by
// compat/harness/go-build.ts; each scenario is one run of the binary (compat/kafka-go/main.go).

import { buildGoRunner, debianVersion } from '../harness/go-build.ts'
import { runScenarioChild } from '../harness/external.ts'
import type { ClientRunner } from '../harness/runner.ts'

let binary: string | undefined

export const runner: ClientRunner = {
  name: 'kafka-go',
  async detect() {
    const version = await debianVersion('golang-github-segmentio-kafka-go-dev')
    if (version === undefined) return { missing: 'golang-github-segmentio-kafka-go-dev is not installed' }
    const built = await buildGoRunner(import.meta.dirname, 'kafka-go-runner', 'github.com/segmentio/kafka-go')
    if ('missing' in built) return built
    binary = built.binary
    const upstream = version.replace(/-[^-]*$/, '')
    return { version: `kafka-go ${upstream} (Debian ${version})`, label: `kafka-go-${upstream}` }
  },
  run: (scenario, ctx) => runScenarioChild(ctx, binary!, [], scenario),
}
