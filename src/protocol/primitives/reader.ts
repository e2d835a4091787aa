// Reader: a bounds-checked cursor over one Buffer, with every Kafka primitive.
//
// Every read checks the bytes actually present before touching or allocating anything, and fails
// with ProtocolError. Lengths and counts are validated against `remaining` first, so a 4-byte count
// of 2^31 allocates nothing. Byte fields are zero-copy views (subarray) into the frame.

import { ProtocolError } from '../errors-protocol.ts'
import { uuidFromBytes } from './uuid.ts'

export interface UnknownTag {
  tag: number
  data: Buffer
}

// Short strings recur on every request (client id, topic names, group and transactional ids):
// each is decoded once and then recognised by its bytes in a small direct-mapped cache, which
// saves a call into C++ (and a new string) per field. Same bytes, same string: the cache changes
// no result, invalid UTF-8 included.
const SHORT_STRING = 64
const CACHE_SLOTS = 256
/** Slot i's bytes at [i * SHORT_STRING, + cachedLength[i]); length -1 = empty slot. */
const cachedBytes = new Uint8Array(CACHE_SLOTS * SHORT_STRING)
const cachedLength = new Int32Array(CACHE_SLOTS).fill(-1)
const cachedStrings: string[] = new Array<string>(CACHE_SLOTS).fill('')

function shortString(buf: Buffer, pos: number, len: number): string {
  if (len === 0) return ''
  const slot =
    (len * 31 + buf[pos]! * 7 + buf[pos + len - 1]! + buf[pos + (len >>> 1)]! * 3) & (CACHE_SLOTS - 1)
  const at = slot * SHORT_STRING
  if (cachedLength[slot] === len) {
    let i = 0
    while (i < len && cachedBytes[at + i] === buf[pos + i]) i++
    if (i === len) return cachedStrings[slot]!
  }
  const s = buf.toString('utf8', pos, pos + len)
  for (let i = 0; i < len; i++) cachedBytes[at + i] = buf[pos + i]!
  cachedLength[slot] = len
  cachedStrings[slot] = s
  return s
}

export class Reader {
  buf: Buffer
  pos: number
  end: number

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  /** A DataView of `buf`, made on first use: its getBigInt64 is ~15× faster than readBigInt64BE. */
  private view(): DataView {
    if (this.dvBuf !== this.buf) {
      this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
      this.dvBuf = this.buf
    }
    return this.dv!
  }
  private dv: DataView | undefined
  private dvBuf: Buffer | undefined

  get remaining(): number {
    return this.end - this.pos
  }

  private need(n: number): void {
    if (this.pos + n > this.end)
      throw new ProtocolError(`need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`)
  }

  bool(): boolean {
    this.need(1)
    return this.buf[this.pos++] !== 0
  }
  int8(): number {
    this.need(1)
    const v = this.buf.readInt8(this.pos)
    this.pos += 1
    return v
  }
  int16(): number {
    this.need(2)
    const v = this.buf.readInt16BE(this.pos)
    this.pos += 2
    return v
  }
  uint16(): number {
    this.need(2)
    const v = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return v
  }
  int32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }
  uint32(): number {
    this.need(4)
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }
  int64(): bigint {
    this.need(8)
    const v = this.view().getBigInt64(this.pos)
    this.pos += 8
    return v
  }
  float64(): number {
    this.need(8)
    const v = this.buf.readDoubleBE(this.pos)
    this.pos += 8
    return v
  }
  uuid(): string {
    this.need(16)
    const v = uuidFromBytes(this.buf, this.pos)
    this.pos += 16
    return v
  }

  /** Unsigned LEB128, at most 5 bytes (32 bits). */
  uvarint(): number {
    // One byte (tag counts, array and string lengths of small requests): no loop.
    if (this.pos < this.end) {
      const b0 = this.buf[this.pos]!
      if (b0 < 0x80) {
        this.pos++
        return b0
      }
    }
    let result = 0
    let shift = 0
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw new ProtocolError('truncated varint')
      const b = this.buf[this.pos++]!
      if (i === 4 && b > 0x0f) throw new ProtocolError('varint overflows 32 bits')
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return result
      shift += 7
    }
    throw new ProtocolError('varint longer than 5 bytes')
  }
  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint()
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2
  }
  /** Unsigned LEB128, at most 10 bytes (64 bits). */
  uvarlong(): bigint {
    let result = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtocolError('truncated varlong')
      const b = this.buf[this.pos++]!
      if (i === 9 && b > 0x01) throw new ProtocolError('varlong overflows 64 bits')
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
    }
    throw new ProtocolError('varlong longer than 10 bytes')
  }
  /** Zigzag-encoded signed 64-bit varint. */
  varlong(): bigint {
    const u = this.uvarlong()
    return (u >> 1n) ^ -(u & 1n)
  }

  private utf8(len: number): string {
    this.need(len)
    const s =
      len <= SHORT_STRING
        ? shortString(this.buf, this.pos, len)
        : this.buf.toString('utf8', this.pos, this.pos + len)
    this.pos += len
    return s
  }
  private slice(len: number): Buffer {
    this.need(len)
    const b = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return b
  }

  string(): string {
    const len = this.int16()
    if (len < 0) throw new ProtocolError('null string in a non-nullable field')
    return this.utf8(len)
  }
  nullableString(): string | null {
    const len = this.int16()
    if (len < -1) throw new ProtocolError(`bad string length ${len}`)
    return len === -1 ? null : this.utf8(len)
  }
  compactString(): string {
    const len = this.uvarint() - 1
    if (len < 0) throw new ProtocolError('null string in a non-nullable field')
    return this.utf8(len)
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1
    return len === -1 ? null : this.utf8(len)
  }
  bytes(): Buffer {
    const len = this.int32()
    if (len < 0) throw new ProtocolError('null bytes in a non-nullable field')
    return this.slice(len)
  }
  nullableBytes(): Buffer | null {
    const len = this.int32()
    if (len < -1) throw new ProtocolError(`bad bytes length ${len}`)
    return len === -1 ? null : this.slice(len)
  }
  compactBytes(): Buffer {
    const len = this.uvarint() - 1
    if (len < 0) throw new ProtocolError('null bytes in a non-nullable field')
    return this.slice(len)
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1
    return len === -1 ? null : this.slice(len)
  }

  /**
   * Array count (int32, -1 = null). Each element takes at least `minElementSize` bytes, so a count
   * the remaining bytes cannot hold is rejected before any allocation.
   */
  arrayLength(minElementSize: number): number {
    const n = this.int32()
    if (n < -1) throw new ProtocolError(`bad array length ${n}`)
    if (n > 0 && n * minElementSize > this.remaining)
      throw new ProtocolError(`array length ${n} exceeds frame`)
    return n
  }
  compactArrayLength(minElementSize: number): number {
    const n = this.uvarint() - 1
    if (n > 0 && n * minElementSize > this.remaining)
      throw new ProtocolError(`array length ${n} exceeds frame`)
    return n
  }

  /** Skips a tagged-field section, returning unknown tags only when asked to keep them. */
  taggedFields(keep: boolean): UnknownTag[] | undefined {
    const n = this.uvarint()
    if (n === 0) return undefined
    if (n * 2 > this.remaining) throw new ProtocolError(`tag count ${n} exceeds frame`)
    let out: UnknownTag[] | undefined
    let last = -1
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint()
      if (tag <= last) throw new ProtocolError('tagged fields out of order')
      last = tag
      const size = this.uvarint()
      const data = this.slice(size)
      if (keep) (out ??= []).push({ tag, data })
    }
    return out
  }

  /** Reads the tag header of the next tagged field: [tag, size]. */
  tagHeader(): [number, number] {
    const tag = this.uvarint()
    const size = this.uvarint()
    if (size > this.remaining) throw new ProtocolError(`tagged field size ${size} exceeds frame`)
    return [tag, size]
  }

  skip(n: number): void {
    this.need(n)
    this.pos += n
  }

  /** A sub-reader over the next n bytes (tagged field values are decoded in their own window). */
  sub(n: number): Reader {
    this.need(n)
    const r = new Reader(this.buf, this.pos, this.pos + n)
    this.pos += n
    return r
  }
}
