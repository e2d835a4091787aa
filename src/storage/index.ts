// Storage entry points for the broker: the LogStore contract and its two implementations.

export * from './log-store.ts'
export { createMemoryLogStore, type MemoryLogStoreOptions } from './memory/index.ts'
