// Hand-assembled RecordBatch v2 bytes for tests that need records a correct encoder never writes
// (a broken client): every field is written as given, and the batch CRC is made valid so that
// only the record-level checks can refuse it.

import { BATCH_OVERHEAD, rewriteCrc } from '../../../src/protocol/records/batch-header.ts'
import { writeVarint } from '../../../src/protocol/records/record-varint.ts'

/** Zig-zag varints (and raw bytes) concatenated. */
export function bytes(...parts: Array<number | Buffer | string>): Buffer {
  const out: Buffer[] = []
  for (const p of parts) {
    if (typeof p === 'number') {
      const b = Buffer.alloc(10)
      out.push(b.subarray(0, writeVarint(b, 0, p)))
    } else out.push(typeof p === 'string' ? Buffer.from(p) : p)
  }
  return Buffer.concat(out)
}

export const ATTR0 = Buffer.from([0])

/** A well-formed record: length, attributes 0, deltas, key, value, headers. */
export function record(
  o: {
    ts?: number
    offset?: number
    key?: string | null
    value?: string
    headers?: Array<[string, string]>
  } = {},
): Buffer {
  const key = o.key === undefined || o.key === null ? [-1] : [o.key.length, o.key]
  const value = o.value ?? 'v'
  const headers = (o.headers ?? []).flatMap(([k, v]) => [k.length, k, v.length, v])
  const body = bytes(
    ATTR0,
    o.ts ?? 0,
    o.offset ?? 0,
    ...key,
    value.length,
    value,
    (o.headers ?? []).length,
    ...headers,
  )
  return bytes(body.length, body)
}

/** A record whose body is given raw, with its true length (or a declared one). */
export function rawRecord(body: Buffer, declaredLength = body.length): Buffer {
  return bytes(declaredLength, body)
}

/** A v2 batch around `region` (records, compressed by the caller if `codec` says so), valid CRC. */
export function rawBatch(
  region: Buffer,
  count: number,
  o: { maxTs: number; baseTs: number; attributes?: number },
): Buffer {
  const b = Buffer.alloc(BATCH_OVERHEAD + region.length)
  b.writeBigInt64BE(0n, 0)
  b.writeInt32BE(b.length - 12, 8)
  b.writeInt32BE(-1, 12)
  b.writeInt8(2, 16)
  b.writeInt16BE(o.attributes ?? 0, 21)
  b.writeInt32BE(count - 1, 23)
  b.writeBigInt64BE(BigInt(o.baseTs), 27)
  b.writeBigInt64BE(BigInt(o.maxTs), 35)
  b.writeBigInt64BE(-1n, 43)
  b.writeInt16BE(-1, 51)
  b.writeInt32BE(-1, 53)
  b.writeInt32BE(count, 57)
  region.copy(b, BATCH_OVERHEAD)
  rewriteCrc(b, 0)
  return b
}
