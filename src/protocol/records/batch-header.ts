// RecordBatch v2 (magic 2) header: read, validate and patch without decoding records.
//
// Layout (all big-endian; offsets are byte positions inside the batch):
//   0  baseOffset            int64   first offset; producers send 0, the leader assigns it
//   8  batchLength           int32   bytes after this field (total batch size = 12 + batchLength)
//  12  partitionLeaderEpoch  int32   set by the leader on append; not covered by the CRC
//  16  magic                 int8    2
//  17  crc                   uint32  CRC-32C of bytes [21, end)
//  21  attributes            int16   bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
//                                    bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional,
//                                    bit 5 control batch, bit 6 delete horizon set (compaction)
//  23  lastOffsetDelta       int32   offset of the last record minus baseOffset
//  27  baseTimestamp         int64   (the delete horizon when bit 6 is set)
//  35  maxTimestamp          int64
//  43  producerId            int64   -1 when not idempotent
//  51  producerEpoch         int16
//  53  baseSequence          int32   -1 when not idempotent
//  57  recordsCount          int32
//  61  records...                    (compressed as a whole when compression != 0)
//
// Base offset and leader epoch sit outside the CRC, so the leader patches them in place; changing
// maxTimestamp (LogAppendTime) or attributes requires recomputing the CRC.

import { crc32cRange } from './crc32c.ts'

export const BATCH_OVERHEAD = 61
/** Bytes before batchLength's coverage begins (baseOffset + batchLength). */
export const LOG_OVERHEAD = 12
export const MAGIC_V2 = 2

export const OFF_BASE_OFFSET = 0
export const OFF_BATCH_LENGTH = 8
export const OFF_LEADER_EPOCH = 12
export const OFF_MAGIC = 16
export const OFF_CRC = 17
export const OFF_ATTRIBUTES = 21
export const OFF_LAST_OFFSET_DELTA = 23
export const OFF_BASE_TIMESTAMP = 27
export const OFF_MAX_TIMESTAMP = 35
export const OFF_PRODUCER_ID = 43
export const OFF_PRODUCER_EPOCH = 51
export const OFF_BASE_SEQUENCE = 53
export const OFF_RECORDS_COUNT = 57
export const CRC_START = 21

export const Compression = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const
export type Compression = (typeof Compression)[keyof typeof Compression]

export const ATTR_COMPRESSION_MASK = 0x07
export const ATTR_LOG_APPEND_TIME = 0x08
export const ATTR_TRANSACTIONAL = 0x10
export const ATTR_CONTROL = 0x20
export const ATTR_DELETE_HORIZON = 0x40

/** The decoded header of one batch. `position` is its byte offset in the buffer it was read from. */
export interface BatchHeader {
  position: number
  /** Total size in bytes (12 + batchLength). */
  size: number
  baseOffset: bigint
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: bigint
  maxTimestamp: bigint
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  recordsCount: number
}

export function readBatchHeader(buf: Buffer, position = 0): BatchHeader {
  return {
    position,
    size: LOG_OVERHEAD + buf.readInt32BE(position + OFF_BATCH_LENGTH),
    baseOffset: buf.readBigInt64BE(position + OFF_BASE_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(position + OFF_LEADER_EPOCH),
    magic: buf.readInt8(position + OFF_MAGIC),
    crc: buf.readUInt32BE(position + OFF_CRC),
    attributes: buf.readInt16BE(position + OFF_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(position + OFF_LAST_OFFSET_DELTA),
    baseTimestamp: buf.readBigInt64BE(position + OFF_BASE_TIMESTAMP),
    maxTimestamp: buf.readBigInt64BE(position + OFF_MAX_TIMESTAMP),
    producerId: buf.readBigInt64BE(position + OFF_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(position + OFF_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(position + OFF_BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(position + OFF_RECORDS_COUNT),
  }
}

/** Why a byte range is not a valid v2 batch sequence; undefined when it is. */
export type BatchProblem = 'truncated' | 'bad-length' | 'bad-magic' | 'bad-crc' | 'bad-count'

/**
 * Walks the batches in buf[start, end) checking lengths, magic and (optionally) CRC, without
 * decoding records. Calls `each` for every valid batch; stops at the first problem and returns it
 * with the position where it was found.
 */
export function scanBatches(
  buf: Buffer,
  start: number,
  end: number,
  verifyCrc: boolean,
  each?: (position: number, size: number) => void,
): { problem: BatchProblem | undefined; position: number } {
  let pos = start
  while (pos < end) {
    if (end - pos < LOG_OVERHEAD) return { problem: 'truncated', position: pos }
    const batchLength = buf.readInt32BE(pos + OFF_BATCH_LENGTH)
    const size = LOG_OVERHEAD + batchLength
    if (batchLength < BATCH_OVERHEAD - LOG_OVERHEAD) return { problem: 'bad-length', position: pos }
    if (end - pos < size) return { problem: 'truncated', position: pos }
    if (buf.readInt8(pos + OFF_MAGIC) !== MAGIC_V2) return { problem: 'bad-magic', position: pos }
    if (buf.readInt32BE(pos + OFF_RECORDS_COUNT) < 0) return { problem: 'bad-count', position: pos }
    if (verifyCrc && crc32cRange(buf, pos + CRC_START, pos + size) !== buf.readUInt32BE(pos + OFF_CRC))
      return { problem: 'bad-crc', position: pos }
    each?.(pos, size)
    pos += size
  }
  return { problem: undefined, position: pos }
}

export function batchCompression(attributes: number): number {
  return attributes & ATTR_COMPRESSION_MASK
}

export function isTransactional(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0
}

export function isControl(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0
}

/**
 * An int64 field as a bigint: made from one number when it fits in 53 bits (offsets, timestamps:
 * all of them in practice), which allocates one BigInt where readBigInt64BE builds it from halves.
 */
export function readInt64(buf: Buffer, offset: number): bigint {
  const hi = buf.readInt32BE(offset)
  if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 0x100000000 + buf.readUInt32BE(offset + 4))
  return buf.readBigInt64BE(offset)
}

/** Patches the base offset and leader epoch in place (both outside the CRC). */
export function patchBaseOffsetAndEpoch(
  buf: Buffer,
  position: number,
  baseOffset: bigint,
  leaderEpoch: number,
): void {
  // Offsets below 2^53 (all of them, in practice) as two uint32 halves: writeBigInt64BE range-checks
  // with BigInt comparisons, slow in code that runs once per request and stays unoptimised.
  const n = Number(baseOffset)
  if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
    const hi = Math.floor(n / 0x100000000)
    buf.writeUInt32BE(hi, position + OFF_BASE_OFFSET)
    buf.writeUInt32BE(n - hi * 0x100000000, position + OFF_BASE_OFFSET + 4)
  } else buf.writeBigInt64BE(baseOffset, position + OFF_BASE_OFFSET)
  buf.writeInt32BE(leaderEpoch, position + OFF_LEADER_EPOCH)
}

/** Recomputes and writes the CRC of the batch at `position` (after changing covered fields). */
export function rewriteCrc(buf: Buffer, position: number): void {
  const size = LOG_OVERHEAD + buf.readInt32BE(position + OFF_BATCH_LENGTH)
  buf.writeUInt32BE(crc32cRange(buf, position + CRC_START, position + size), position + OFF_CRC)
}

/** Sets LogAppendTime: timestamp type bit and max timestamp, then the CRC (Kafka's LogValidator). */
export function setLogAppendTime(buf: Buffer, position: number, timestamp: bigint): void {
  const attrs = buf.readInt16BE(position + OFF_ATTRIBUTES)
  buf.writeInt16BE(attrs | ATTR_LOG_APPEND_TIME, position + OFF_ATTRIBUTES)
  buf.writeBigInt64BE(timestamp, position + OFF_MAX_TIMESTAMP)
  rewriteCrc(buf, position)
}
