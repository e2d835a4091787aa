import { createMemoryLogStore } from '../../src/storage/memory/index.ts'
import { describeLogBehaviour } from './log-behaviour.ts'

describeLogBehaviour('memory', () => {
  let now = 0
  const store = createMemoryLogStore({ now: () => now })
  return Promise.resolve({
    store,
    setNow: (ms: number) => {
      now = ms
    },
    cleanup: () => Promise.resolve(),
  })
})
