// The per-batch rules of compaction (Kafka's LogCleaner.shouldRetainRecord / checkBatchRetention,
// restated). Transactions are judged by the walk's TxnCleanState (txn-state.ts):
//
//   - A data batch of an aborted transaction loses all its records, without decoding them, and
//     its records never enter the offset map (they must not hide an earlier committed value).
//   - Records of committed transactions are compacted like any other (and enter the map).
//   - A transaction marker (COMMIT/ABORT control batch) stays while records of its transaction
//     remain before it. Once a pass finds none (KIP-534), the pass stamps the batch with a
//     delete horizon (DELETE_HORIZON attribute, base timestamp = now + delete.retention.ms) and a
//     pass at or after that time, finding none still, removes it; consumers reading from the
//     start thus get delete.retention.ms to see the marker of a transaction they read.
//     Other control batches stay.
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
//     producer id/epoch/sequence, transactional flag, leader epoch and compression; one that
//     keeps none is dropped, except that a producer's batch (data or marker) stays, a data batch
//     as an empty batch (header only), unless the walk saw a later batch of that producer:
//     producer state is rebuilt from batch headers on start, and Kafka likewise keeps the last
//     batch of each producer.

import {
  ATTR_DELETE_HORIZON,
  ATTR_LOG_APPEND_TIME,
  batchCompression,
  isControl,
  isTransactional,
  OFF_ATTRIBUTES,
  readBatchHeader,
  rewriteCrc,
  type BatchHeader,
  type Compression,
} from '../../protocol/records/batch-header.ts'
import { buildRecordBatch, type RecordInput } from '../../protocol/records/batch-builder.ts'
import { decodeControlKey } from '../../protocol/records/control-record.ts'
import { openBatch } from '../../protocol/records/records.ts'
import type { AbortedTxn } from '../log-store.ts'
import type { OffsetMap } from './offset-map.ts'
import { TxnCleanState } from './txn-state.ts'

/**
 * Puts every keyed record below `endOffset` of a batch that is neither a control batch nor part
 * of an aborted transaction (per `txns`, walked over the same batches) into the map.
 */
export function addBatchToMap(batch: Buffer, map: OffsetMap, endOffset: bigint, txns?: TxnCleanState): void {
  const header = readBatchHeader(batch, 0)
  if (header.producerId >= 0n && header.baseOffset < endOffset)
    map.noteProducerBatch(header.producerId, header.baseOffset)
  if (isControl(header.attributes)) {
    txns?.onControl(header, controlType(batch))
    return
  }
  if (txns?.onData(header) === 'aborted') return
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
  /** The pass's transaction state, fed every batch in offset order (none: nothing aborted). */
  txns?: TxnCleanState
}

export interface CleanedBatch {
  /** The batch to keep (the input itself when unchanged), or undefined when nothing is left. */
  batch: Buffer | undefined
  kept: number
  removed: number
  /** Whether `batch` differs from the input (records removed or a delete horizon set). */
  changed: boolean
  /** The delete horizon of `batch` while it may still hold a tombstone or marker to drop later. */
  pendingHorizon?: bigint
  /** For an ABORT marker kept: the aborted transaction to keep in the index (records remain). */
  indexed?: AbortedTxn
}

export function cleanBatch(batch: Buffer, rules: CleanRules): CleanedBatch {
  const header = readBatchHeader(batch, 0)
  rules.txns ??= new TxnCleanState([])
  if (isControl(header.attributes)) return cleanControlBatch(batch, header, rules)
  const horizon = (header.attributes & ATTR_DELETE_HORIZON) !== 0 ? header.baseTimestamp : undefined
  if (rules.txns.onData(header) === 'aborted') {
    const count = header.recordsCount
    if (!isLastOfProducer(header, rules)) return { batch: undefined, kept: 0, removed: count, changed: true }
    rules.txns.keptAborted(header.producerId)
    if (count === 0) return { batch, kept: 0, removed: 0, changed: false }
    return { batch: rebuildBatch(header, [], horizon), kept: 0, removed: count, changed: true }
  }
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
  if (keep.length === 0 && !isLastOfProducer(header, rules))
    return { batch: undefined, kept: 0, removed, changed: true }
  const rebuilt = rebuildBatch(header, keep, newHorizon)
  return { batch: rebuilt, kept: keep.length, removed, changed: true, pendingHorizon }
}

/**
 * The batch rebuilt with `records` and every header field kept; with a delete horizon, the
 * DELETE_HORIZON attribute set and the base timestamp holding it (record deltas re-based on it).
 */
function rebuildBatch(header: BatchHeader, records: RecordInput[], horizon: bigint | undefined): Buffer {
  const rebuilt = buildRecordBatch({
    records,
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    compression: batchCompression(header.attributes) as Compression,
    logAppendTime: (header.attributes & ATTR_LOG_APPEND_TIME) !== 0,
    transactional: isTransactional(header.attributes),
    control: isControl(header.attributes),
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    baseTimestamp: horizon ?? header.baseTimestamp,
    maxTimestamp: header.maxTimestamp,
    lastOffsetDelta: header.lastOffsetDelta,
  })
  if (horizon !== undefined) {
    rebuilt.writeInt16BE(rebuilt.readInt16BE(OFF_ATTRIBUTES) | ATTR_DELETE_HORIZON, OFF_ATTRIBUTES)
    rewriteCrc(rebuilt, 0)
  }
  return rebuilt
}

/** Every record of a batch as builder input (timestamps as stored, offsets kept). */
function recordsOf(batch: Buffer, header: BatchHeader): RecordInput[] {
  const { cursor } = openBatch(batch, 0)
  const out: RecordInput[] = []
  while (cursor.next())
    out.push({
      key: cursor.key(),
      value: cursor.value(),
      headers: cursor.headers(),
      timestamp: header.baseTimestamp + BigInt(cursor.timestampDelta),
      offsetDelta: cursor.offsetDelta,
    })
  return out
}

/** Whether the batch belongs to a producer and the walk saw no later batch of it. */
function isLastOfProducer(header: BatchHeader, rules: CleanRules): boolean {
  return header.producerId >= 0n && !rules.map.producerWroteAfter(header.producerId, header.baseOffset)
}

/** The type of a control batch's record: 'empty' when it has none, -1 when it cannot be read. */
function controlType(batch: Buffer): number | 'empty' {
  try {
    const { cursor } = openBatch(batch, 0)
    if (!cursor.next()) return 'empty'
    return decodeControlKey(cursor.key()).type
  } catch {
    return -1
  }
}

/**
 * A control batch: kept as it is while its transaction may still have records before it; once
 * discardable, stamped with a delete horizon, and dropped by a pass at or after the horizon
 * (unless it is its producer's last batch, which carries the producer's epoch).
 */
function cleanControlBatch(batch: Buffer, header: BatchHeader, rules: CleanRules): CleanedBatch {
  const verdict = rules.txns!.onControl(header, controlType(batch))
  const count = header.recordsCount
  const same: CleanedBatch = { batch, kept: count, removed: 0, changed: false }
  if (verdict.indexed !== undefined) same.indexed = verdict.indexed
  if (!verdict.discardable || isLastOfProducer(header, rules)) return same
  const horizon = (header.attributes & ATTR_DELETE_HORIZON) !== 0 ? header.baseTimestamp : undefined
  if (horizon !== undefined && horizon <= rules.now)
    return { batch: undefined, kept: 0, removed: count, changed: true }
  if (horizon !== undefined) return { ...same, pendingHorizon: horizon }
  const newHorizon = rules.now + rules.deleteRetentionMs
  const stamped = rebuildBatch(header, recordsOf(batch, header), newHorizon)
  return { batch: stamped, kept: count, removed: 0, changed: true, pendingHorizon: newHorizon }
}
