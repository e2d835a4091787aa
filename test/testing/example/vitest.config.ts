// The documented example (README "In-process testing"): one broker for the run via the
// samsa/testing/vitest globalSetup. In a project that depends on samsa, the globalSetup entry is
// 'samsa/testing/vitest'; here it is the source path. Run by test/testing/example.test.ts.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.spec.ts'],
    globalSetup: ['../../../src/testing/vitest.ts'],
    provide: { samsaBroker: { 'num.partitions': 2 } },
  },
})
