// Offset assignment for an append, shared by the memory and disk logs so both behave the same.
//
// The broker has validated the batches; here we only walk their headers (no CRC check, no record
// decoding), patch base offset and leader epoch in place (outside the CRC), and apply
// LogAppendTime (which rewrites max timestamp and CRC), collecting what the log needs to index.

import { KafkaError } from '../protocol/errors.ts'
import {
  LOG_OVERHEAD,
  OFF_BATCH_LENGTH,
  OFF_LAST_OFFSET_DELTA,
  OFF_MAX_TIMESTAMP,
  OFF_RECORDS_COUNT,
  patchBaseOffsetAndEpoch,
  readInt64,
  scanBatches,
  setLogAppendTime,
} from '../protocol/records/batch-header.ts'
import type { AppendOptions } from './log-store.ts'

/** What the log learns about one patched batch. */
export interface AssignedBatch {
  position: number
  size: number
  baseOffset: bigint
  lastOffset: bigint
  maxTimestamp: bigint
}

export interface AssignedAppend {
  batches: AssignedBatch[]
  firstOffset: bigint
  lastOffset: bigint
  records: number
  /** Largest batch max timestamp, and the last offset of the (first) batch carrying it. */
  maxTimestamp: bigint
  offsetOfMaxTimestamp: bigint
}

/**
 * Patches every batch in `buf` with consecutive offsets starting at `nextOffset`. Throws
 * KafkaError(CORRUPT_MESSAGE) when the bytes are not a sequence of whole v2 batches, before
 * modifying anything.
 */
export function assignOffsets(buf: Buffer, nextOffset: bigint, options: AppendOptions): AssignedAppend {
  // Every check before any change; positions are walked again rather than collected (a Produce
  // append is one batch, and this runs once per request).
  const scan = scanBatches(buf, 0, buf.length, false)
  if (scan.problem !== undefined)
    throw new KafkaError('CORRUPT_MESSAGE', `record batch ${scan.problem} at byte ${scan.position}`)
  if (buf.length === 0) throw new KafkaError('INVALID_RECORD', 'append without record batches')
  let count = 0
  for (let position = 0; position < buf.length; position += batchSize(buf, position)) {
    if (buf.readInt32BE(position + OFF_LAST_OFFSET_DELTA) < 0)
      throw new KafkaError('CORRUPT_MESSAGE', `negative lastOffsetDelta at byte ${position}`)
    count++
  }

  // Of its final length, filled in order: no push-grown backing store (one per append).
  const batches = new Array<AssignedBatch>(count)
  let i = 0
  let next = nextOffset
  let records = 0
  let maxTimestamp = -1n
  let offsetOfMaxTimestamp = -1n
  for (let position = 0; position < buf.length;) {
    const size = batchSize(buf, position)
    patchBaseOffsetAndEpoch(buf, position, next, options.leaderEpoch)
    if (options.logAppendTime !== undefined) setLogAppendTime(buf, position, options.logAppendTime)
    const lastOffset = next + BigInt(buf.readInt32BE(position + OFF_LAST_OFFSET_DELTA))
    const batchMaxTs = readInt64(buf, position + OFF_MAX_TIMESTAMP)
    if (batchMaxTs > maxTimestamp || offsetOfMaxTimestamp < 0n) {
      maxTimestamp = batchMaxTs > maxTimestamp ? batchMaxTs : maxTimestamp
      offsetOfMaxTimestamp = lastOffset
    }
    records += buf.readInt32BE(position + OFF_RECORDS_COUNT)
    batches[i++] = { position, size, baseOffset: next, lastOffset, maxTimestamp: batchMaxTs }
    next = lastOffset + 1n
    position += size
  }
  return {
    batches,
    firstOffset: nextOffset,
    lastOffset: next - 1n,
    records,
    maxTimestamp,
    offsetOfMaxTimestamp,
  }
}

function batchSize(buf: Buffer, position: number): number {
  return LOG_OVERHEAD + buf.readInt32BE(position + OFF_BATCH_LENGTH)
}
