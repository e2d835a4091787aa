// Builds RecordBatch v2 bytes for storage tests (uncompressed, valid CRC), as a producer would
// send them: base offset 0, leader epoch -1.

import { crc32c } from '../../src/protocol/records/crc32c.ts'

export interface TestRecord {
  key?: Buffer | null
  value: Buffer | null
  /** Record timestamp (absolute); default: the batch base timestamp. */
  timestamp?: bigint
}

export interface TestBatchOptions {
  baseTimestamp?: bigint
  producerId?: bigint
  producerEpoch?: number
  baseSequence?: number
  attributes?: number
  /** Overrides lastOffsetDelta (default records.length - 1). */
  lastOffsetDelta?: number
}

function varint(n: number | bigint): Buffer {
  let v = BigInt(n)
  v = v >= 0n ? v << 1n : (-v << 1n) - 1n
  const bytes: number[] = []
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v !== 0n) b |= 0x80
    bytes.push(b)
  } while (v !== 0n)
  return Buffer.from(bytes)
}

function encodeRecord(r: TestRecord, offsetDelta: number, baseTimestamp: bigint): Buffer {
  const ts = r.timestamp ?? baseTimestamp
  const parts: Buffer[] = [Buffer.from([0]), varint(ts - baseTimestamp), varint(offsetDelta)]
  if (r.key === undefined || r.key === null) parts.push(varint(-1))
  else parts.push(varint(r.key.length), r.key)
  if (r.value === null) parts.push(varint(-1))
  else parts.push(varint(r.value.length), r.value)
  parts.push(varint(0))
  const body = Buffer.concat(parts)
  return Buffer.concat([varint(body.length), body])
}

export function makeBatch(records: TestRecord[], options: TestBatchOptions = {}): Buffer {
  const baseTimestamp =
    options.baseTimestamp ??
    records.reduce<bigint | undefined>(
      (m, r) => (r.timestamp !== undefined && (m === undefined || r.timestamp < m) ? r.timestamp : m),
      undefined,
    ) ??
    1_700_000_000_000n
  const maxTimestamp = records.reduce((m, r) => {
    const t = r.timestamp ?? baseTimestamp
    return t > m ? t : m
  }, -1n)
  const body = Buffer.concat(records.map((r, i) => encodeRecord(r, i, baseTimestamp)))
  const buf = Buffer.alloc(61 + body.length)
  buf.writeBigInt64BE(0n, 0)
  buf.writeInt32BE(buf.length - 12, 8)
  buf.writeInt32BE(-1, 12)
  buf.writeInt8(2, 16)
  buf.writeInt16BE(options.attributes ?? 0, 21)
  buf.writeInt32BE(options.lastOffsetDelta ?? records.length - 1, 23)
  buf.writeBigInt64BE(baseTimestamp, 27)
  buf.writeBigInt64BE(maxTimestamp, 35)
  buf.writeBigInt64BE(options.producerId ?? -1n, 43)
  buf.writeInt16BE(options.producerEpoch ?? -1, 51)
  buf.writeInt32BE(options.baseSequence ?? -1, 53)
  buf.writeInt32BE(records.length, 57)
  body.copy(buf, 61)
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17)
  return buf
}

/** A batch of `count` records with `valueSize`-byte values, all stamped `timestamp`. */
export function simpleBatch(count: number, valueSize = 10, timestamp = 1_700_000_000_000n): Buffer {
  const records: TestRecord[] = []
  for (let i = 0; i < count; i++) records.push({ value: Buffer.alloc(valueSize, i & 0xff), timestamp })
  return makeBatch(records)
}

/** Base offsets of the batches in a read result (walks headers). */
export function batchOffsets(chunks: Buffer[]): { base: bigint; last: bigint }[] {
  const out: { base: bigint; last: bigint }[] = []
  for (const chunk of chunks) {
    for (let pos = 0; pos < chunk.length;) {
      const base = chunk.readBigInt64BE(pos)
      out.push({ base, last: base + BigInt(chunk.readInt32BE(pos + 23)) })
      pos += 12 + chunk.readInt32BE(pos + 8)
    }
  }
  return out
}
