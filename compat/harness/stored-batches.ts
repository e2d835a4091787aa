// Looking at what a client actually wrote: the compression codec of the stored batches. A
// compression scenario passes only if the broker holds batches in that codec — librdkafka, for
// one, silently falls back to uncompressed batches when its feature map says the broker is too old.

import { batchCompression, readBatchHeader, scanBatches } from '../../src/protocol/records/batch-header.ts'
import type { RunningBroker } from '../../src/index.ts'

export const CODEC_IDS: Readonly<Record<string, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }

/** Codec ids of every batch stored for topics whose name starts with `prefix`. */
export async function storedCodecs(broker: RunningBroker, prefix: string): Promise<number[]> {
  const logs = broker.services.logs
  const out: number[] = []
  for (const tp of logs.partitions()) {
    if (!tp.topic.startsWith(prefix)) continue
    const log = logs.get(tp)
    if (log === undefined) continue
    let offset = log.logStartOffset()
    const end = log.logEndOffset()
    while (offset < end) {
      const read = await log.read(offset, 1 << 20, { maxOffset: end })
      if (read.records.length === 0) break
      let last = offset
      for (const buf of read.records) {
        scanBatches(buf, 0, buf.length, false, (pos) => {
          const h = readBatchHeader(buf, pos)
          out.push(batchCompression(h.attributes))
          last = h.baseOffset + BigInt(h.lastOffsetDelta) + 1n
        })
      }
      if (last <= offset) break
      offset = last
    }
  }
  return out
}
