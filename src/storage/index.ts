// Storage entry points for the broker: the LogStore contract and its two implementations.

export * from './log-store.ts'
export { createMemoryLogStore, type MemoryLogStoreOptions } from './memory/index.ts'
export { openDiskLogStore, type DiskLogStoreOptions } from './log/disk-log-store.ts'
export { MemoryFileSystem, NodeFileSystem, type FileSystem } from './fs.ts'
