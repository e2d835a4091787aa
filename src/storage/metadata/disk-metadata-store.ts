// The durable MetadataStore: the journal of journal.ts under `dir`, recovered on open. On the
// first start it creates the cluster id (a random Kafka UUID, as `kafka-storage random-uuid`
// would) and persists it before the store is returned.

import { randomUuid } from '../../random.ts'
import type { MetadataStore } from '../metadata-store.ts'
import { ImageStore } from './image-store.ts'
import { Journal } from './journal.ts'
import type { JournalOptions } from './journal.ts'

export type MetadataStoreOptions = JournalOptions

export async function openMetadataStore(
  dir: string,
  options: MetadataStoreOptions = {},
): Promise<MetadataStore> {
  const journal = await Journal.open(dir, options)
  const store = new ImageStore(journal)
  if (journal.image.clusterId === '') {
    try {
      await store.initClusterId(randomUuid())
    } catch (err) {
      await store.close().catch(() => {})
      throw err
    }
  }
  return store
}
