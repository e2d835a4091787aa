// The broker's metadata store: durable (disk) and in-memory implementations of MetadataStore.

export { openMetadataStore } from './disk-metadata-store.ts'
export type { MetadataStoreOptions } from './disk-metadata-store.ts'
export { createMemoryMetadataStore } from './memory-metadata-store.ts'
export { MetadataCorruptError, MetadataStoreFailedError } from './metadata-errors.ts'
export type { MetadataFs, MetadataFile } from './metadata-fs.ts'
