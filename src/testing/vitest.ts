// Vitest globalSetup: one in-memory Samsa broker for the whole test run.
//
//   // vitest.config.ts
//   export default defineConfig({ test: { globalSetup: ['samsa/testing/vitest'] } })
//
//   // a test file
//   import { inject } from 'vitest'
//   const bootstrap = inject('samsaBootstrap')     // '127.0.0.1:PORT'
//
// The broker starts before the first test file (in milliseconds) and stops after the last. Its
// address is also put in SAMSA_BOOTSTRAP_SERVERS (the default of the `samsa` CLI tools) and
// KAFKA_BOOTSTRAP_SERVERS, for code that reads its broker from the environment. Options for the
// broker come from the `samsaBroker` key of `test.provide`, e.g.
//   test: { provide: { samsaBroker: { 'num.partitions': 3 } } }

import type { TestProject } from 'vitest/node'
import { startTestBroker } from './index.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the broker started by samsa/testing/vitest. */
    samsaBootstrap: string
    /** Broker properties (Kafka names) for that broker; set in the config's `test.provide`. */
    samsaBroker: Record<string, string | number | boolean>
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const provided = project.config.provide as
    { samsaBroker?: Record<string, string | number | boolean> } | undefined
  const broker = await startTestBroker({ config: provided?.samsaBroker ?? {} })
  project.provide('samsaBootstrap', broker.bootstrap)
  process.env.SAMSA_BOOTSTRAP_SERVERS = broker.bootstrap
  process.env.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap
  return async () => {
    await broker.close()
  }
}
