// Record values that say where they belong (partition, offset), and the check that a partition's
// fetched records are exactly those, in order, with valid batch CRCs: for e2e tests of the buffer
// pools (a reused or overwritten buffer shows up as a wrong value or a bad CRC).

import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { readBatchHeader, scanBatches } from '../../src/protocol/records/batch-header.ts'
import { readRecords } from '../../src/protocol/records/records.ts'

/** The value at `offset` of `partition`: `bytes` long, its position spelled at the front. */
export function patternedValue(partition: number, offset: number, bytes: number): Buffer {
  const v = Buffer.alloc(bytes, (partition * 31 + offset) % 251)
  v.write(`p${partition}o${offset};`, 0, 'latin1')
  return v
}

/** A batch of `count` patterned records starting at `firstOffset`. */
export function patternedBatch(partition: number, firstOffset: number, count: number, bytes: number): Buffer {
  const records = []
  for (let i = 0; i < count; i++) records.push({ value: patternedValue(partition, firstOffset + i, bytes) })
  return buildRecordBatch({ records })
}

/**
 * Checks every batch (CRC) and every record value of one partition's records from the consumer's
 * position `next` on (earlier records of the first batch are skipped); returns the next position.
 */
export function verifyPatterned(
  partition: number,
  records: Buffer | null,
  next: number,
  bytes: number,
): number {
  if (records === null || records.length === 0) return next
  const scan = scanBatches(records, 0, records.length, true, (pos) => {
    const base = Number(readBatchHeader(records, pos).baseOffset)
    for (const r of readRecords(records, pos)) {
      const offset = base + r.offsetDelta
      if (offset < next) continue
      if (offset !== next) throw new Error(`p${partition}: offset ${offset}, expected ${next}`)
      if (!r.value!.equals(patternedValue(partition, offset, bytes)))
        throw new Error(
          `p${partition} offset ${offset}: wrong value ${r.value!.subarray(0, 16).toString('hex')}`,
        )
      next++
    }
  })
  if (scan.problem !== undefined)
    throw new Error(`p${partition}: ${scan.problem} at ${scan.position} of ${records.length} bytes`)
  return next
}

/** A Fetch v12 body for partitions 0..n-1 of `topic` from `offsets` (no session, read_uncommitted). */
export function fetchBody(
  topic: string,
  offsets: readonly number[],
  o: { partitionMaxBytes: number; maxBytes: number; maxWaitMs?: number; minBytes?: number },
): object {
  return {
    replicaId: -1,
    maxWaitMs: o.maxWaitMs ?? 0,
    minBytes: o.minBytes ?? 1,
    maxBytes: o.maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: offsets.map((offset, partition) => ({
          partition,
          fetchOffset: BigInt(offset),
          partitionMaxBytes: o.partitionMaxBytes,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  }
}
