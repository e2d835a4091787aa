// The per-batch rules of compaction (Kafka's LogCleaner.shouldRetainRecord, restated):
//
//   - Control batches (transaction markers) and transactional batches are kept whole, and their
//     records never enter the offset map. Kafka goes further (it removes aborted transactional
//     records, and markers once their transaction's data is gone); keeping them is always safe:
//     a read_committed consumer still sees the markers and the aborted-transaction index stays
//     valid, and a record that might belong to an aborted transaction never hides an earlier
//     committed value of its key.
//   - A record without a key is dropped (Kafka counts it as invalid; producers cannot send one
//     to a compacted topic).
//   - A record whose key has a later offset in the offset map is dropped.
//   - A tombstone (null value) that is the latest for its key is kept until its batch's delete
//     horizon has passed (KIP-534, as Kafka 4 does): the first pass that keeps a tombstone
//     rewrites its batch with the DELETE_HORIZON attribute and base timestamp = now +
//     delete.retention.ms (record timestamp deltas re-based, so record timestamps do not change);
//     a later pass at or past that time drops the batch's tombstones. Consumers reading from the
//     start thus get delete.retention.ms from the first cleaning to see a delete.
//   - Offsets never change. A batch that keeps every record is returned as the same bytes; one
//     that keeps some is rebuilt with the same base offset, lastOffsetDelta, timestamps,
//     producer id/epoch/sequence, leader epoch and compression; one that keeps none is dropped,
//     except that an idempotent producer's batch stays as an empty batch (header only) unless
//     the dirty section holds a later batch of that producer: producer state is rebuilt from
//     batch headers on start, and Kafka likewise keeps the last batch of each producer.

import {
  ATTR_DELETE_HORIZON,
  ATTR_LOG_APPEND_TIME,
  batchCompression,
  isControl,
  isTransactional,
  OFF_ATTRIBUTES,
  readBatchHeader,
  rewriteCrc,
  type Compression,
} from '../../protocol/records/batch-header.ts'
import { buildRecordBatch, type RecordInput } from '../../protocol/records/batch-builder.ts'
import { openBatch } from '../../protocol/records/records.ts'
import type { OffsetMap } from './offset-map.ts'

/** Whether the batch's records take part in key deduplication (not control, not transactional). */
export function isCompactable(attributes: number): boolean {
  return !isControl(attributes) && !isTransactional(attributes)
}

/** Puts every keyed record of a compactable batch below `endOffset` into the map. */
export function addBatchToMap(batch: Buffer, map: OffsetMap, endOffset: bigint): void {
  const header = readBatchHeader(batch, 0)
  if (header.producerId >= 0n && header.baseOffset < endOffset)
    map.noteProducerBatch(header.producerId, header.baseOffset)
  if (!isCompactable(header.attributes)) return
  const { cursor } = openBatch(batch, 0)
  while (cursor.next()) {
    const offset = header.baseOffset + BigInt(cursor.offsetDelta)
    if (offset >= endOffset) break
    const key = cursor.key()
    if (key !== null) map.put(key, offset)
  }
}

export interface CleanRules {
  map: OffsetMap
  /** The pass's time (ms), compared with delete horizons. */
  now: bigint
  /** delete.retention.ms: a kept tombstone's batch gets the horizon now + this. */
  deleteRetentionMs: bigint
  /**
   * A delete-horizon pass (no dirty section, empty map): only batches whose horizon has passed
   * are opened, to drop their tombstones; every other batch is judged from its header alone.
   */
  expiredOnly?: boolean
}

export interface CleanedBatch {
  /** The batch to keep (the input itself when unchanged), or undefined when nothing is left. */
  batch: Buffer | undefined
  kept: number
  removed: number
  /** Whether `batch` differs from the input (records removed or a delete horizon set). */
  changed: boolean
  /** The delete horizon of `batch` while it may still hold a tombstone to drop later. */
  pendingHorizon?: bigint
}

export function cleanBatch(batch: Buffer, rules: CleanRules): CleanedBatch {
  const header = readBatchHeader(batch, 0)
  if (!isCompactable(header.attributes))
    return { batch, kept: header.recordsCount, removed: 0, changed: false }
  const horizon = (header.attributes & ATTR_DELETE_HORIZON) !== 0 ? header.baseTimestamp : undefined
  const dropTombstones = horizon !== undefined && horizon <= rules.now
  if (rules.expiredOnly === true && !dropTombstones)
    return { batch, kept: header.recordsCount, removed: 0, changed: false, pendingHorizon: horizon }
  const { cursor } = openBatch(batch, 0)
  const keep: RecordInput[] = []
  let removed = 0
  let keptTombstone = false
  while (cursor.next()) {
    const offset = header.baseOffset + BigInt(cursor.offsetDelta)
    const key = cursor.key()
    const value = cursor.value()
    const latest = key === null ? undefined : rules.map.get(key)
    const retain =
      key !== null && (latest === undefined || latest <= offset) && !(value === null && dropTombstones)
    if (!retain) {
      removed++
      continue
    }
    if (value === null) keptTombstone = true
    keep.push({
      key,
      value,
      headers: cursor.headers(),
      // The stored delta, as produced (under LogAppendTime readers ignore it).
      timestamp: header.baseTimestamp + BigInt(cursor.timestampDelta),
      offsetDelta: cursor.offsetDelta,
    })
  }
  const setHorizon = horizon === undefined && keptTombstone
  const newHorizon = setHorizon ? rules.now + rules.deleteRetentionMs : horizon
  const pendingHorizon = keptTombstone ? newHorizon : undefined
  if (removed === 0 && !setHorizon)
    return { batch, kept: keep.length, removed, changed: false, pendingHorizon }
  const keepEmpty =
    header.producerId >= 0n && !rules.map.producerWroteAfter(header.producerId, header.baseOffset)
  if (keep.length === 0 && !keepEmpty) return { batch: undefined, kept: 0, removed, changed: true }
  const logAppendTime = (header.attributes & ATTR_LOG_APPEND_TIME) !== 0
  const rebuilt = buildRecordBatch({
    records: keep,
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    compression: batchCompression(header.attributes) as Compression,
    logAppendTime,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    // With a delete horizon the base timestamp field holds it (record deltas are re-based on it).
    baseTimestamp: newHorizon ?? header.baseTimestamp,
    maxTimestamp: header.maxTimestamp,
    lastOffsetDelta: header.lastOffsetDelta,
  })
  if (setHorizon || horizon !== undefined) {
    rebuilt.writeInt16BE(rebuilt.readInt16BE(OFF_ATTRIBUTES) | ATTR_DELETE_HORIZON, OFF_ATTRIBUTES)
    rewriteCrc(rebuilt, 0)
  }
  return { batch: rebuilt, kept: keep.length, removed, changed: true, pendingHorizon }
}
