// Per-record timestamps inside one v2 batch, for ListOffsets (timestamp and max-timestamp lookups).
// This is the only place storage looks inside a batch, and it is off the append/fetch hot path.
//
// Record layout (inside the batch's records section, decompressed as a whole when compressed):
//   length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key, value, headers
// A record's timestamp is baseTimestamp + timestampDelta, or the batch max timestamp when the
// batch uses LogAppendTime.

import { decompress } from '../protocol/compression/codecs.ts'
import {
  ATTR_LOG_APPEND_TIME,
  BATCH_OVERHEAD,
  batchCompression,
  Compression,
  readBatchHeader,
} from '../protocol/records/batch-header.ts'

/** Decompresses a batch's records section; default: the protocol codecs. */
export type Decompressor = (compression: number, data: Buffer) => Buffer | Promise<Buffer>

/** Cap on a decompressed records section looked into for timestamps. */
const MAX_DECOMPRESSED = 256 * 1024 * 1024

const defaultDecompressor: Decompressor = (compression, data) =>
  decompress(compression, data, MAX_DECOMPRESSED)

export interface RecordTimestamp {
  offset: bigint
  timestamp: bigint
}

function readVarlong(buf: Buffer, pos: number): [bigint, number] {
  let raw = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    const b = buf[pos++]
    if (b === undefined) throw new RangeError('varint runs past the end of the batch')
    raw |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) return [(raw >> 1n) ^ -(raw & 1n), pos]
    shift += 7n
  }
  throw new RangeError('varint longer than 10 bytes')
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  const [v, next] = readVarlong(buf, pos)
  return [Number(v), next]
}

/**
 * The (offset, timestamp) of every record in the batch at the start of `batch`, or undefined when
 * its records cannot be read (unknown codec, corrupt or oversized data, malformed varints).
 */
export async function recordTimestamps(
  batch: Buffer,
  decompressor: Decompressor = defaultDecompressor,
): Promise<RecordTimestamp[] | undefined> {
  try {
    return await walkRecords(batch, decompressor)
  } catch {
    return undefined
  }
}

async function walkRecords(batch: Buffer, decompressor: Decompressor): Promise<RecordTimestamp[]> {
  const h = readBatchHeader(batch, 0)
  const logAppendTime = (h.attributes & ATTR_LOG_APPEND_TIME) !== 0
  const compression = batchCompression(h.attributes)
  let records = batch.subarray(BATCH_OVERHEAD, h.size)
  if (compression !== Compression.None) records = await decompressor(compression, records)
  const out: RecordTimestamp[] = []
  let pos = 0
  for (let i = 0; i < h.recordsCount && pos < records.length; i++) {
    const [length, bodyStart] = readVarint(records, pos)
    const [tsDelta, afterTs] = readVarlong(records, bodyStart + 1)
    const [offsetDelta] = readVarint(records, afterTs)
    out.push({
      offset: h.baseOffset + BigInt(offsetDelta),
      timestamp: logAppendTime ? h.maxTimestamp : h.baseTimestamp + tsDelta,
    })
    pos = bodyStart + length
  }
  return out
}

/**
 * The first record in the batch with timestamp >= `target` and offset >= `minOffset` (Kafka's
 * LogSegment.findOffsetByTimestamp within one batch). When the records cannot be read: the
 * batch's first eligible offset with its max timestamp, a conservative answer.
 */
export async function findInBatchByTimestamp(
  batch: Buffer,
  target: bigint,
  minOffset: bigint,
  decompressor?: Decompressor,
): Promise<RecordTimestamp | undefined> {
  const h = readBatchHeader(batch, 0)
  if (h.maxTimestamp < target) return undefined
  const all = await recordTimestamps(batch, decompressor)
  if (all === undefined) {
    const offset = h.baseOffset > minOffset ? h.baseOffset : minOffset
    return { offset, timestamp: h.maxTimestamp }
  }
  return all.find((r) => r.timestamp >= target && r.offset >= minOffset)
}

/** The first record carrying the batch's max timestamp (Kafka's RecordBatch.offsetOfMaxTimestamp). */
export async function offsetOfMaxTimestamp(
  batch: Buffer,
  decompressor?: Decompressor,
): Promise<RecordTimestamp> {
  const h = readBatchHeader(batch, 0)
  const all = await recordTimestamps(batch, decompressor)
  const hit = all?.find((r) => r.timestamp === h.maxTimestamp)
  return hit ?? { offset: h.baseOffset, timestamp: h.maxTimestamp }
}
