// Sarama 1.22 (Go, Debian's golang-github-shopify-sarama-dev): built offline in GOPATH mode by
// compat/harness/go-build.ts; each scenario is one run of the binary (compat/sarama/main.go).

import { buildGoRunner, debianVersion } from '../harness/go-build.ts'
import { runScenarioChild } from '../harness/external.ts'
import type { ClientRunner } from '../harness/runner.ts'

let binary: string | undefined

export const runner: ClientRunner = {
  name: 'sarama',
  async detect() {
    const version = await debianVersion('golang-github-shopify-sarama-dev')
    if (version === undefined) return { missing: 'golang-github-shopify-sarama-dev is not installed' }
    const built = await buildGoRunner(import.meta.dirname, 'sarama-runner', 'github.com/Shopify/sarama')
    if ('missing' in built) return built
    binary = built.binary
    const upstream = version.replace(/-[^-]*$/, '')
    return { version: `sarama ${upstream} (Debian ${version})`, label: `sarama-${upstream}` }
  },
  run: (scenario, ctx) => runScenarioChild(ctx, binary!, [], scenario),
}
