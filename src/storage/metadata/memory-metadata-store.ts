// The in-memory MetadataStore, for tests and the in-memory broker mode: the same validation and
// behaviour as the disk store (image-store.ts), with records applied instead of journaled.

import { randomUuid } from '../../random.ts'
import type { MetadataStore } from '../metadata-store.ts'
import { MetadataImage } from './image.ts'
import { ImageStore } from './image-store.ts'
import type { RecordLog } from './image-store.ts'
import type { MetadataRecord } from './records.ts'

class MemoryRecordLog implements RecordLog {
  readonly image: MetadataImage
  constructor(image: MetadataImage) {
    this.image = image
  }
  append(record: MetadataRecord): Promise<void> {
    try {
      this.image.apply(record)
      return Promise.resolve()
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

export function createMemoryMetadataStore(clusterId: string = randomUuid()): MetadataStore {
  const image = new MetadataImage()
  image.clusterId = clusterId
  return new ImageStore(new MemoryRecordLog(image))
}
