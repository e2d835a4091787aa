// Test helpers for compaction: keyed batches and a reader that lists every record of a log with
// its offset (offsets may have gaps after compaction; CRCs and order are checked).

import { expect } from 'vitest'
import { crc32c } from '../../../src/protocol/records/crc32c.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import type { PartitionLog } from '../../../src/storage/log-store.ts'
import { makeBatch, type TestBatchOptions } from '../batches.ts'

export interface KV {
  key: string | null
  /** null: a tombstone. */
  value: string | null
}

export interface SeenRecord extends KV {
  offset: bigint
}

export function keyedBatch(records: KV[], timestamp = 1_000_000n, options: TestBatchOptions = {}): Buffer {
  return makeBatch(
    records.map((r) => ({
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      timestamp,
    })),
    options,
  )
}

/** Every record from the log start to the end. */
export async function readAllRecords(log: PartitionLog): Promise<SeenRecord[]> {
  const out: SeenRecord[] = []
  let offset = log.logStartOffset()
  let lastBatchEnd = -1n
  while (offset < log.logEndOffset()) {
    const r = await log.read(offset, 1 << 20)
    if (r.records.length === 0) break
    let next = offset
    for (const chunk of r.records) {
      for (let pos = 0; pos < chunk.length;) {
        const size = 12 + chunk.readInt32BE(pos + 8)
        const bytes = chunk.subarray(pos, pos + size)
        expect(crc32c(bytes.subarray(21))).toBe(bytes.readUInt32BE(17))
        const base = bytes.readBigInt64BE(0)
        const last = base + BigInt(bytes.readInt32BE(23))
        expect(base > lastBatchEnd, `batch at ${base} overlaps the one ending at ${lastBatchEnd}`).toBe(true)
        lastBatchEnd = last
        for (const rec of readRecords(bytes)) {
          const o = base + BigInt(rec.offsetDelta)
          if (o < offset) continue
          out.push({
            offset: o,
            key: rec.key === null ? null : rec.key.toString(),
            value: rec.value === null ? null : rec.value.toString(),
          })
        }
        next = last + 1n
        pos += size
      }
    }
    offset = next
  }
  return out
}
