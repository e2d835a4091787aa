// Builds complete RecordBatch v2 batches (layout in batch-header.ts, records in records.ts): sizes
// every record first, writes them into one buffer, compresses the records region if asked, then
// fills the header and the CRC-32C. Used for control batches (transaction markers), internal
// topics and tests. Producers' batches are stored as received, except on topics whose
// compression.type differs from the batch's codec: `recompressBatch` re-encodes those.

import { EncodeError } from '../errors-protocol.ts'
import { compress } from '../compression/codecs.ts'
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_LOG_APPEND_TIME,
  ATTR_TRANSACTIONAL,
  BATCH_OVERHEAD,
  Compression,
  CRC_START,
  LOG_OVERHEAD,
  MAGIC_V2,
  OFF_ATTRIBUTES,
  OFF_BASE_OFFSET,
  OFF_BASE_SEQUENCE,
  OFF_BASE_TIMESTAMP,
  OFF_BATCH_LENGTH,
  OFF_CRC,
  OFF_LAST_OFFSET_DELTA,
  OFF_LEADER_EPOCH,
  OFF_MAGIC,
  OFF_MAX_TIMESTAMP,
  OFF_PRODUCER_EPOCH,
  OFF_PRODUCER_ID,
  OFF_RECORDS_COUNT,
} from './batch-header.ts'
import { crc32c } from './crc32c.ts'
import { sizeOfVarint, VARLONG_NUMBER_MAX, VARLONG_NUMBER_MIN, writeVarint } from './record-varint.ts'

export interface RecordHeaderInput {
  key: string
  value: Buffer | null
}

export interface RecordInput {
  key?: Buffer | null
  value: Buffer | null
  headers?: readonly RecordHeaderInput[]
  /** Record timestamp (ms); defaults to the batch's baseTimestamp. */
  timestamp?: bigint
  /** Offset relative to baseOffset; defaults to the record's index. */
  offsetDelta?: number
}

export interface BatchInput {
  records: readonly RecordInput[]
  baseOffset?: bigint
  /** -1 (none) unless the leader stamps it. */
  partitionLeaderEpoch?: number
  compression?: Compression
  logAppendTime?: boolean
  transactional?: boolean
  control?: boolean
  producerId?: bigint
  producerEpoch?: number
  baseSequence?: number
  /** Defaults to the first record's timestamp (now if it has none), or -1 for an empty batch. */
  baseTimestamp?: bigint
  /** Defaults to the largest record timestamp (CreateTime), or -1 for an empty batch. */
  maxTimestamp?: bigint
  /** Defaults to the last record's offsetDelta; set it for empty batches kept by compaction. */
  lastOffsetDelta?: number
}

const MIN_DELTA = BigInt(VARLONG_NUMBER_MIN)
const MAX_DELTA = BigInt(VARLONG_NUMBER_MAX)

function bytesField(b: Buffer | null | undefined): number {
  return b == null ? sizeOfVarint(-1) : sizeOfVarint(b.length) + b.length
}

/** Encodes the records region (uncompressed) of a batch. */
export function encodeRecords(records: readonly RecordInput[], baseTimestamp: bigint): Buffer {
  const deltas = new Array<number>(records.length)
  const bodySizes = new Array<number>(records.length)
  const headerKeys: Buffer[][] = new Array<Buffer[]>(records.length)
  let total = 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    const tsDelta = r.timestamp === undefined ? 0n : r.timestamp - baseTimestamp
    if (tsDelta > MAX_DELTA || tsDelta < MIN_DELTA)
      throw new EncodeError(`record timestamp delta ${tsDelta} outside [-2^52, 2^52)`)
    deltas[i] = Number(tsDelta)
    const offsetDelta = r.offsetDelta ?? i
    if (!Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta > 0x7fffffff)
      throw new EncodeError(`bad offsetDelta ${offsetDelta}`)
    const headers = r.headers ?? []
    const keys = headers.map((h) => Buffer.from(h.key, 'utf8'))
    headerKeys[i] = keys
    let size =
      1 + sizeOfVarint(deltas[i]!) + sizeOfVarint(offsetDelta) + bytesField(r.key) + bytesField(r.value)
    size += sizeOfVarint(headers.length)
    for (let h = 0; h < headers.length; h++) {
      size += sizeOfVarint(keys[h]!.length) + keys[h]!.length + bytesField(headers[h]!.value)
    }
    bodySizes[i] = size
    total += sizeOfVarint(size) + size
  }
  const out = Buffer.allocUnsafe(total)
  let pos = 0
  const putBytes = (b: Buffer | null | undefined): void => {
    if (b == null) {
      pos = writeVarint(out, pos, -1)
    } else {
      pos = writeVarint(out, pos, b.length)
      pos += b.copy(out, pos)
    }
  }
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    pos = writeVarint(out, pos, bodySizes[i]!)
    out[pos++] = 0 // attributes: unused
    pos = writeVarint(out, pos, deltas[i]!)
    pos = writeVarint(out, pos, r.offsetDelta ?? i)
    putBytes(r.key)
    putBytes(r.value)
    const headers = r.headers ?? []
    const keys = headerKeys[i]!
    pos = writeVarint(out, pos, headers.length)
    for (let h = 0; h < headers.length; h++) {
      putBytes(keys[h])
      putBytes(headers[h]!.value)
    }
  }
  return out
}

export function buildRecordBatch(input: BatchInput): Buffer {
  const records = input.records
  const first = records[0]
  const baseTimestamp =
    input.baseTimestamp ?? first?.timestamp ?? (records.length > 0 ? BigInt(Date.now()) : -1n)
  let maxTimestamp = input.maxTimestamp
  if (maxTimestamp === undefined) {
    if (records.length === 0) maxTimestamp = -1n
    else {
      maxTimestamp = baseTimestamp
      for (const r of records)
        if (r.timestamp !== undefined && r.timestamp > maxTimestamp) maxTimestamp = r.timestamp
    }
  }
  const compression = input.compression ?? Compression.None
  if ((compression & ATTR_COMPRESSION_MASK) !== compression)
    throw new EncodeError(`bad compression ${compression}`)
  const lastOffsetDelta =
    input.lastOffsetDelta ??
    (records.length === 0 ? 0 : (records[records.length - 1]!.offsetDelta ?? records.length - 1))

  const plain = encodeRecords(records, baseTimestamp)
  const body = compression === Compression.None ? plain : compress(compression, plain)

  let attributes: number = compression
  if (input.logAppendTime) attributes |= ATTR_LOG_APPEND_TIME
  if (input.transactional) attributes |= ATTR_TRANSACTIONAL
  if (input.control) attributes |= ATTR_CONTROL

  const size = BATCH_OVERHEAD + body.length
  const buf = Buffer.allocUnsafe(size)
  buf.writeBigInt64BE(input.baseOffset ?? 0n, OFF_BASE_OFFSET)
  buf.writeInt32BE(size - LOG_OVERHEAD, OFF_BATCH_LENGTH)
  buf.writeInt32BE(input.partitionLeaderEpoch ?? -1, OFF_LEADER_EPOCH)
  buf.writeInt8(MAGIC_V2, OFF_MAGIC)
  buf.writeInt16BE(attributes, OFF_ATTRIBUTES)
  buf.writeInt32BE(lastOffsetDelta, OFF_LAST_OFFSET_DELTA)
  buf.writeBigInt64BE(baseTimestamp, OFF_BASE_TIMESTAMP)
  buf.writeBigInt64BE(maxTimestamp, OFF_MAX_TIMESTAMP)
  buf.writeBigInt64BE(input.producerId ?? -1n, OFF_PRODUCER_ID)
  buf.writeInt16BE(input.producerEpoch ?? -1, OFF_PRODUCER_EPOCH)
  buf.writeInt32BE(input.baseSequence ?? -1, OFF_BASE_SEQUENCE)
  buf.writeInt32BE(records.length, OFF_RECORDS_COUNT)
  body.copy(buf, BATCH_OVERHEAD)
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_START)), OFF_CRC)
  return buf
}

/**
 * The batch at the start of `batch` with its records region replaced by `plainRecords`
 * (uncompressed, same records and count) compressed with `codec` at `level` (undefined: the codec's
 * default). Every other header field is kept (producer id, epoch, sequence, transactional flag,
 * timestamps); the codec bits and batch length change, and the CRC is recomputed.
 */
export function recompressBatch(
  batch: Buffer,
  plainRecords: Buffer,
  codec: Compression,
  level?: number,
): Buffer {
  if ((codec & ATTR_COMPRESSION_MASK) !== codec) throw new EncodeError(`bad compression ${codec}`)
  const body = codec === Compression.None ? plainRecords : compress(codec, plainRecords, level)
  const size = BATCH_OVERHEAD + body.length
  const out = Buffer.allocUnsafe(size)
  batch.copy(out, 0, 0, BATCH_OVERHEAD)
  out.writeInt32BE(size - LOG_OVERHEAD, OFF_BATCH_LENGTH)
  out.writeInt16BE((out.readInt16BE(OFF_ATTRIBUTES) & ~ATTR_COMPRESSION_MASK) | codec, OFF_ATTRIBUTES)
  body.copy(out, BATCH_OVERHEAD)
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)), OFF_CRC)
  return out
}
