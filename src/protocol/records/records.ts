// Records inside a RecordBatch v2 (after decompression). Each record is
//
//   length            varint   bytes that follow in this record
//   attributes        int8     unused (0)
//   timestampDelta    varlong  record timestamp - batch baseTimestamp
//   offsetDelta       varint   record offset - batch baseOffset
//   keyLength         varint   -1 = null
//   key               bytes
//   valueLength       varint   -1 = null (a tombstone on compacted topics)
//   value             bytes
//   headersCount      varint
//   headers           [keyLength varint (>= 0), key UTF-8, valueLength varint (-1 = null), value]
//
// (all varints zig-zag, see record-varint.ts). RecordCursor walks them in place: `next()` parses
// and fully bounds-checks one record (including its headers, so errors surface at the record that
// has them), storing only numbers; key, value and headers are materialized only when asked, as
// zero-copy subarrays. As Kafka's DefaultRecord does, a record whose fields do not add up to its
// length, a batch with fewer records than its count, or bytes left after the last record are
// malformed (ProtocolError).

import { ProtocolError } from '../errors-protocol.ts'
import { decompress } from '../compression/codecs.ts'
import {
  ATTR_LOG_APPEND_TIME,
  BATCH_OVERHEAD,
  batchCompression,
  LOG_OVERHEAD,
  MAGIC_V2,
  OFF_BATCH_LENGTH,
  OFF_MAGIC,
  OFF_RECORDS_COUNT,
  readBatchHeader,
  type BatchHeader,
} from './batch-header.ts'
import { readVarint, readVarlong, type VarintCursor } from './record-varint.ts'

export interface RecordHeader {
  key: string
  value: Buffer | null
}

/** One record, fully materialized (what `RecordCursor.toRecord()` and `readRecords` return). */
export interface DecodedRecord {
  attributes: number
  timestampDelta: number
  offsetDelta: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export class RecordCursor {
  readonly buf: Buffer
  private readonly end: number
  private remainingCount: number
  private readonly c: VarintCursor

  // The current record (valid after next() returned true).
  attributes = 0
  timestampDelta = 0
  offsetDelta = 0
  /** Position of the key bytes in `buf`; `keyLength` -1 means a null key. */
  keyOffset = 0
  keyLength = -1
  valueOffset = 0
  valueLength = -1
  headersCount = 0
  /** Position of the first header in `buf`. */
  headersOffset = 0
  /** Position of the record's length varint and the record's total encoded size. */
  recordOffset = 0
  recordSize = 0

  /** Iterates `count` records in buf[start, end). */
  constructor(buf: Buffer, start: number, end: number, count: number) {
    if (start < 0 || end > buf.length || start > end) throw new ProtocolError('record range outside buffer')
    if (count < 0) throw new ProtocolError(`negative record count ${count}`)
    this.buf = buf
    this.end = end
    this.remainingCount = count
    this.c = { pos: start }
  }

  /** Records not yet returned by next(). */
  get remaining(): number {
    return this.remainingCount
  }

  /** Advances to the next record; false after the last one (having checked no bytes are left). */
  next(): boolean {
    const buf = this.buf
    const c = this.c
    if (this.remainingCount === 0) {
      if (c.pos !== this.end)
        throw new ProtocolError(`${this.end - c.pos} bytes left after the last record of the batch`)
      return false
    }
    this.recordOffset = c.pos
    const length = readVarint(buf, c, this.end)
    if (length < 0) throw new ProtocolError(`negative record length ${length}`)
    const bodyStart = c.pos
    if (length > this.end - bodyStart)
      throw new ProtocolError(`record of ${length} bytes extends beyond the batch`)
    const recEnd = bodyStart + length
    if (length < 1) throw new ProtocolError('empty record')
    this.attributes = buf[c.pos++]!
    this.timestampDelta = readVarlong(buf, c, recEnd)
    this.offsetDelta = readVarint(buf, c, recEnd)

    const keyLength = readVarint(buf, c, recEnd)
    if (keyLength < -1) throw new ProtocolError(`bad record key length ${keyLength}`)
    this.keyOffset = c.pos
    this.keyLength = keyLength
    if (keyLength > 0) {
      if (keyLength > recEnd - c.pos) throw new ProtocolError('record key extends beyond the record')
      c.pos += keyLength
    }

    const valueLength = readVarint(buf, c, recEnd)
    if (valueLength < -1) throw new ProtocolError(`bad record value length ${valueLength}`)
    this.valueOffset = c.pos
    this.valueLength = valueLength
    if (valueLength > 0) {
      if (valueLength > recEnd - c.pos) throw new ProtocolError('record value extends beyond the record')
      c.pos += valueLength
    }

    const headersCount = readVarint(buf, c, recEnd)
    if (headersCount < 0) throw new ProtocolError(`negative header count ${headersCount}`)
    this.headersCount = headersCount
    this.headersOffset = c.pos
    for (let i = 0; i < headersCount; i++) {
      const hk = readVarint(buf, c, recEnd)
      if (hk < 0) throw new ProtocolError(`bad header key length ${hk}`)
      if (hk > recEnd - c.pos) throw new ProtocolError('header key extends beyond the record')
      c.pos += hk
      const hv = readVarint(buf, c, recEnd)
      if (hv < -1) throw new ProtocolError(`bad header value length ${hv}`)
      if (hv > 0) {
        if (hv > recEnd - c.pos) throw new ProtocolError('header value extends beyond the record')
        c.pos += hv
      }
    }
    if (c.pos !== recEnd)
      throw new ProtocolError(`record declares ${length} bytes but its fields take ${c.pos - bodyStart}`)
    this.recordSize = recEnd - this.recordOffset
    this.remainingCount--
    return true
  }

  /** The current record's key as a zero-copy view, or null. */
  key(): Buffer | null {
    return this.keyLength < 0 ? null : this.buf.subarray(this.keyOffset, this.keyOffset + this.keyLength)
  }

  value(): Buffer | null {
    return this.valueLength < 0
      ? null
      : this.buf.subarray(this.valueOffset, this.valueOffset + this.valueLength)
  }

  /** The current record's headers (validated by next(), so this cannot fail). */
  headers(): RecordHeader[] {
    const out: RecordHeader[] = []
    const c: VarintCursor = { pos: this.headersOffset }
    const end = this.recordOffset + this.recordSize
    for (let i = 0; i < this.headersCount; i++) {
      const hk = readVarint(this.buf, c, end)
      const key = this.buf.toString('utf8', c.pos, c.pos + hk)
      c.pos += hk
      const hv = readVarint(this.buf, c, end)
      const value = hv < 0 ? null : this.buf.subarray(c.pos, c.pos + hv)
      if (hv > 0) c.pos += hv
      out.push({ key, value })
    }
    return out
  }

  toRecord(): DecodedRecord {
    return {
      attributes: this.attributes,
      timestampDelta: this.timestampDelta,
      offsetDelta: this.offsetDelta,
      key: this.key(),
      value: this.value(),
      headers: this.headers(),
    }
  }
}

/**
 * A record's timestamp as consumers see it: for LogAppendTime batches every record carries the
 * batch's maxTimestamp (the broker's append time), otherwise baseTimestamp + timestampDelta.
 */
export function recordTimestamp(header: BatchHeader, timestampDelta: number): bigint {
  if ((header.attributes & ATTR_LOG_APPEND_TIME) !== 0) return header.maxTimestamp
  return header.baseTimestamp + BigInt(timestampDelta)
}

/** Default cap on a batch's decompressed records: Kafka's default message.max.bytes is ~1 MiB,
 * and producers compress at most batch.size of records, so 64 MiB leaves ample room. */
export const DEFAULT_MAX_DECOMPRESSED = 64 * 1024 * 1024

export interface OpenBatch {
  header: BatchHeader
  /** The records region, decompressed if the batch is compressed (else a view into the input). */
  records: Buffer
  cursor: RecordCursor
}

/**
 * Opens the batch at `position`: checks its framing (length, magic; not the CRC, see scanBatches),
 * decompresses its records region with a cap, and returns a cursor over its records.
 * Compression failures throw CompressionError; framing and record errors ProtocolError.
 */
export function openBatch(
  buf: Buffer,
  position = 0,
  maxDecompressedSize = DEFAULT_MAX_DECOMPRESSED,
): OpenBatch {
  if (buf.length - position < BATCH_OVERHEAD) throw new ProtocolError('truncated record batch header')
  const magic = buf.readInt8(position + OFF_MAGIC)
  if (magic !== MAGIC_V2) throw new ProtocolError(`unsupported record batch magic ${magic}`)
  const batchLength = buf.readInt32BE(position + OFF_BATCH_LENGTH)
  if (batchLength < BATCH_OVERHEAD - LOG_OVERHEAD) throw new ProtocolError(`bad batch length ${batchLength}`)
  const end = position + LOG_OVERHEAD + batchLength
  if (end > buf.length) throw new ProtocolError('truncated record batch')
  const count = buf.readInt32BE(position + OFF_RECORDS_COUNT)
  if (count < 0) throw new ProtocolError(`negative record count ${count}`)
  const header = readBatchHeader(buf, position)
  const region = buf.subarray(position + BATCH_OVERHEAD, end)
  const codec = batchCompression(header.attributes)
  // An empty compressed batch (all records compacted away) may carry no compressed block at all.
  const records =
    codec === 0 || (count === 0 && region.length === 0)
      ? region
      : decompress(codec, region, maxDecompressedSize)
  return { header, records, cursor: new RecordCursor(records, 0, records.length, count) }
}

/** Every record of the batch at `position`, materialized (allocates; for tools and tests). */
export function readRecords(
  buf: Buffer,
  position = 0,
  maxDecompressedSize = DEFAULT_MAX_DECOMPRESSED,
): DecodedRecord[] {
  const { cursor } = openBatch(buf, position, maxDecompressedSize)
  const out: DecodedRecord[] = []
  while (cursor.next()) out.push(cursor.toRecord())
  return out
}
