// Writer: a growable output buffer with every Kafka primitive.
//
// Small values go into one scratch Buffer that doubles when full. Large byte payloads (record sets
// read from the log) are not copied: `bytesRef` closes the current chunk and keeps the payload by
// reference, so a Fetch response is a list of chunks written to the socket as they are
// (`toChunks`). `toBuffer` joins them when one contiguous Buffer is needed.

import { EncodeError } from '../errors-protocol.ts'
import { uuidToBytes } from './uuid.ts'

const INT64_MIN = -0x8000000000000000n
const INT64_MAX = 0x7fffffffffffffffn

/** Strings up to this many UTF-16 units are checked for ASCII and copied in JavaScript. */
const SHORT_STRING = 64

function isAscii(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) >= 0x80) return false
  return true
}

/** Payloads at least this large are kept by reference instead of copied. */
export const ZERO_COPY_THRESHOLD = 4096

export class Writer {
  private buf: Buffer
  private pos = 0
  /** Completed chunks before `buf` (only when a payload was kept by reference). */
  private chunks: Buffer[] | undefined
  private chunkedLength = 0

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** A DataView of `buf`, remade when `buf` changes: setBigInt64 is ~40× faster than writeBigInt64BE. */
  private view(): DataView {
    if (this.dvBuf !== this.buf) {
      this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
      this.dvBuf = this.buf
    }
    return this.dv!
  }
  private dv: DataView | undefined
  private dvBuf: Buffer | undefined

  /** Total bytes written so far. */
  get length(): number {
    return this.chunkedLength + this.pos
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  bool(v: boolean): void {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
  }
  int8(v: number): void {
    this.ensure(1)
    this.buf.writeInt8(v, this.pos)
    this.pos += 1
  }
  int16(v: number): void {
    this.ensure(2)
    this.buf.writeInt16BE(v, this.pos)
    this.pos += 2
  }
  uint16(v: number): void {
    this.ensure(2)
    this.buf.writeUInt16BE(v, this.pos)
    this.pos += 2
  }
  int32(v: number): void {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.pos)
    this.pos += 4
  }
  uint32(v: number): void {
    this.ensure(4)
    this.buf.writeUInt32BE(v, this.pos)
    this.pos += 4
  }
  int64(v: bigint): void {
    // DataView.setBigInt64 would wrap silently; writeBigInt64BE threw, and so do we.
    if (v < INT64_MIN || v > INT64_MAX) throw new EncodeError(`int64 out of range: ${v}`)
    this.ensure(8)
    this.view().setBigInt64(this.pos, v)
    this.pos += 8
  }
  float64(v: number): void {
    this.ensure(8)
    this.buf.writeDoubleBE(v, this.pos)
    this.pos += 8
  }
  uuid(v: string): void {
    this.ensure(16)
    uuidToBytes(v, this.buf, this.pos)
    this.pos += 16
  }

  uvarint(v: number): void {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) throw new EncodeError(`uvarint out of range: ${v}`)
    if (v < 0x80) {
      // One byte (tag counts, small array and string lengths): no loop.
      this.ensure(1)
      this.buf[this.pos++] = v
      return
    }
    this.ensure(5)
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.pos++] = v
  }
  varint(v: number): void {
    if (v < -0x80000000 || v > 0x7fffffff || !Number.isInteger(v))
      throw new EncodeError(`varint out of range: ${v}`)
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1)
  }
  uvarlong(v: bigint): void {
    // Out-of-range values would otherwise be written as silently wrapped (or garbage) bytes.
    if (v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(`uvarlong out of range: ${v}`)
    this.ensure(10)
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.buf[this.pos++] = Number(v)
  }
  varlong(v: bigint): void {
    if (v < -0x8000000000000000n || v > 0x7fffffffffffffffn)
      throw new EncodeError(`varlong out of range: ${v}`)
    this.uvarlong(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)))
  }

  /** Raw bytes, copied unless large (then kept by reference). */
  raw(b: Buffer): void {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      this.bytesRef(b)
      return
    }
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** Keeps `b` by reference as its own chunk. */
  bytesRef(b: Buffer): void {
    const chunks = (this.chunks ??= [])
    if (this.pos > 0) {
      chunks.push(this.buf.subarray(0, this.pos))
      this.chunkedLength += this.pos
      this.buf = Buffer.allocUnsafe(Math.max(256, this.buf.length - this.pos))
      this.pos = 0
    }
    chunks.push(b)
    this.chunkedLength += b.length
  }

  // Short ASCII strings (topic names, client and group ids: most strings on the wire) are measured
  // and copied here, without the two calls into C++ that Buffer.byteLength and buf.write cost.
  private stringBytes(v: string): number {
    if (v.length <= SHORT_STRING && isAscii(v)) return v.length
    return Buffer.byteLength(v, 'utf8')
  }
  private utf8(v: string, len: number): void {
    this.ensure(len)
    const buf = this.buf
    let pos = this.pos
    // byteLength === length only for all-ASCII strings.
    if (len === v.length && len <= SHORT_STRING) for (let i = 0; i < len; i++) buf[pos++] = v.charCodeAt(i)
    else buf.write(v, pos, len, 'utf8')
    this.pos += len
  }

  string(v: string): void {
    const len = this.stringBytes(v)
    if (len > 0x7fff) throw new EncodeError(`string of ${len} bytes is too long`)
    this.int16(len)
    this.utf8(v, len)
  }
  nullableString(v: string | null): void {
    if (v === null) this.int16(-1)
    else this.string(v)
  }
  compactString(v: string): void {
    const len = this.stringBytes(v)
    this.uvarint(len + 1)
    this.utf8(v, len)
  }
  compactNullableString(v: string | null): void {
    if (v === null) this.uvarint(0)
    else this.compactString(v)
  }
  bytes(v: Buffer): void {
    this.int32(v.length)
    this.raw(v)
  }
  nullableBytes(v: Buffer | null): void {
    if (v === null) this.int32(-1)
    else this.bytes(v)
  }
  compactBytes(v: Buffer): void {
    this.uvarint(v.length + 1)
    this.raw(v)
  }
  compactNullableBytes(v: Buffer | null): void {
    if (v === null) this.uvarint(0)
    else this.compactBytes(v)
  }

  /**
   * A record set given as one Buffer or as a list of stored batches: one length prefix, then each
   * batch appended (large ones kept by reference), so a fetch response never joins its batches.
   */
  records(v: Buffer | readonly Buffer[]): void {
    if (Buffer.isBuffer(v)) {
      this.bytes(v)
      return
    }
    this.int32(totalLength(v))
    this.appendBatches(v)
  }
  nullableRecords(v: Buffer | readonly Buffer[] | null): void {
    if (v === null) this.int32(-1)
    else this.records(v)
  }
  compactRecords(v: Buffer | readonly Buffer[]): void {
    if (Buffer.isBuffer(v)) {
      this.compactBytes(v)
      return
    }
    this.uvarint(totalLength(v) + 1)
    this.appendBatches(v)
  }

  /** Small batches are copied (room reserved once, no repeated growth); large ones referenced. */
  private appendBatches(v: readonly Buffer[]): void {
    let small = 0
    for (const b of v) if (b.length < ZERO_COPY_THRESHOLD) small += b.length
    this.ensure(small)
    for (const b of v) this.raw(b)
  }
  compactNullableRecords(v: Buffer | readonly Buffer[] | null): void {
    if (v === null) this.uvarint(0)
    else this.compactRecords(v)
  }

  /** Patches an int32 already written at absolute position `at` (e.g. a size prefix). */
  patchInt32(at: number, v: number): void {
    if (!Number.isInteger(at) || at < 0 || at + 4 > this.length)
      throw new EncodeError(`patch position ${at} outside the ${this.length} bytes written`)
    let local = at - this.chunkedLength
    if (local >= 0) {
      this.buf.writeInt32BE(v, local)
      return
    }
    local = at
    for (const chunk of this.chunks ?? []) {
      if (local < chunk.length) {
        // The four bytes must lie inside one chunk; a prefix never straddles a payload.
        if (local + 4 > chunk.length) break
        chunk.writeInt32BE(v, local)
        return
      }
      local -= chunk.length
    }
    throw new EncodeError('patch position spans chunks')
  }

  /** Forgets what was written, keeping the scratch buffer (a writer reused message after message). */
  reset(): void {
    this.pos = 0
    this.chunks = undefined
    this.chunkedLength = 0
  }

  /**
   * The written bytes copied into a Buffer of their exact length, when they are all in the scratch
   * buffer (no payload kept by reference); else undefined. The writer may then be reset and reused.
   */
  copyOut(): Buffer | undefined {
    if (this.chunks !== undefined) return undefined
    const n = this.pos
    const out = Buffer.allocUnsafe(n)
    // A small response is copied here, cheaper than the call into C++ that Buffer#copy makes.
    if (n <= 128) for (let i = 0; i < n; i++) out[i] = this.buf[i]!
    else this.buf.copy(out, 0, 0, n)
    return out
  }

  /** The written bytes as a list of chunks (no copy). */
  toChunks(): Buffer[] {
    const last = this.buf.subarray(0, this.pos)
    if (this.chunks === undefined) return [last]
    return this.pos > 0 ? [...this.chunks, last] : [...this.chunks]
  }

  /** The written bytes as one Buffer (copies only when chunks were kept by reference). */
  toBuffer(): Buffer {
    if (this.chunks === undefined) return this.buf.subarray(0, this.pos)
    return Buffer.concat(this.toChunks(), this.length)
  }
}

function totalLength(bufs: readonly Buffer[]): number {
  let n = 0
  for (const b of bufs) n += b.length
  return n
}
