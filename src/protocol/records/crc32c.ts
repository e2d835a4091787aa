// CRC-32C (Castagnoli), the checksum of RecordBatch v2. Large inputs go to @node-rs/crc32's native
// implementation (SSE4.2 / ARMv8 instructions), which runs at several GB/s; a plain JS
// slice-by-8 table runs near 0.6 GB/s on this hardware (shared/design/performance.md §7.3).
// Small ranges (a produce request of a few records: one batch of ~100-300 bytes checked per
// request) are computed in JavaScript: as fast as the native call when hot (~150 ns at 160 B),
// and it needs no Buffer view of the range nor a call across the JS/C++ boundary, which in the
// live broker (cold caches between requests) cost ~4 µs per batch.

import { crc32c as nativeCrc32c } from '@node-rs/crc32'

/** Ranges up to this many bytes are checksummed in JavaScript. */
const SMALL_RANGE = 512

// Slice-by-8 tables: TABLE[k * 256 + b] is the CRC of byte b followed by k zero bytes.
const TABLE = new Int32Array(8 * 256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  TABLE[n] = c
}
for (let n = 0; n < 256; n++) {
  let c = TABLE[n]!
  for (let k = 1; k < 8; k++) {
    c = TABLE[c & 0xff]! ^ (c >>> 8)
    TABLE[k * 256 + n] = c
  }
}

export function crc32c(data: Buffer, initial = 0): number {
  if (data.length <= SMALL_RANGE) return jsCrc32c(data, 0, data.length, initial)
  return nativeCrc32c(data, initial) >>> 0
}

/** The CRC-32C of `buf[start, end)`, without a view of the range when it is small. */
export function crc32cRange(buf: Buffer, start: number, end: number): number {
  if (end - start <= SMALL_RANGE) return jsCrc32c(buf, start, end, 0)
  return nativeCrc32c(buf.subarray(start, end), 0) >>> 0
}

function jsCrc32c(b: Buffer, start: number, end: number, initial: number): number {
  const t = TABLE
  let c = ~initial
  let i = start
  for (; i + 8 <= end; i += 8) {
    c ^= b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
    c =
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + b[i + 4]!]! ^
      t[512 + b[i + 5]!]! ^
      t[256 + b[i + 6]!]! ^
      t[b[i + 7]!]!
  }
  for (; i < end; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}
