// Zig-zag varints as used inside RecordBatch v2 records (protobuf sint32/sint64): read straight
// from a Buffer at a position, bounds-checked against an end, with no Reader object and no bigint
// on the hot path. Kept apart from primitives/reader.ts because record iteration runs per record
// and must not allocate.
//
// A varlong is returned as a JS number: its zig-zag form must stay below 2^53 to be exact, so values
// outside [-2^52, 2^52) (timestamp deltas of 142,000 years) are rejected as malformed rather than
// paying for a bigint per record.

import { ProtocolError } from '../errors-protocol.ts'

/** Where a read left off; `pos` is updated by the read functions. Reused to avoid allocation. */
export interface VarintCursor {
  pos: number
}

/** Zig-zag signed 32-bit varint (at most 5 bytes). */
export function readVarint(buf: Buffer, c: VarintCursor, end: number): number {
  let pos = c.pos
  // Fast path: most record varints (lengths < 64, deltas, counts) fit in one byte.
  if (pos < end) {
    const b0 = buf[pos]!
    if (b0 < 0x80) {
      c.pos = pos + 1
      return (b0 >>> 1) ^ -(b0 & 1)
    }
  }
  let u = 0
  let scale = 1
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw new ProtocolError('truncated varint in record')
    const b = buf[pos++]!
    if (i === 4 && b > 0x0f) throw new ProtocolError('record varint overflows 32 bits')
    u += (b & 0x7f) * scale
    if ((b & 0x80) === 0) {
      c.pos = pos
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2
    }
    scale *= 128
  }
  throw new ProtocolError('record varint longer than 5 bytes')
}

const TWO_POW_53 = 2 ** 53

/** The record varlong range representable exactly as a number: [-2^52, 2^52). */
export const VARLONG_NUMBER_MIN = -(2 ** 52)
export const VARLONG_NUMBER_MAX = 2 ** 52 - 1

/** Zig-zag signed 64-bit varint (at most 10 bytes), as a number in [-2^52, 2^52). */
export function readVarlong(buf: Buffer, c: VarintCursor, end: number): number {
  let pos = c.pos
  if (pos < end) {
    const b0 = buf[pos]!
    if (b0 < 0x80) {
      c.pos = pos + 1
      return (b0 >>> 1) ^ -(b0 & 1)
    }
  }
  let u = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtocolError('truncated varlong in record')
    const b = buf[pos++]!
    u += (b & 0x7f) * scale
    if ((b & 0x80) === 0) {
      // Partial sums are exact below 2^53 and rounding is monotonic, so u >= 2^53 here means the
      // encoded value is at or beyond it.
      if (u >= TWO_POW_53) throw new ProtocolError('record varlong outside [-2^52, 2^52)')
      c.pos = pos
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2
    }
    scale *= 128
  }
  throw new ProtocolError('record varlong longer than 10 bytes')
}

/** Bytes taken by the zig-zag varint/varlong encoding of an integer-valued number. */
export function sizeOfVarint(value: number): number {
  let u = value >= 0 ? value * 2 : -value * 2 - 1
  let n = 1
  while (u >= 128) {
    u = Math.floor(u / 128)
    n++
  }
  return n
}

/** Writes a zig-zag varint/varlong of an integer in [-2^52, 2^52); returns the new position. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let u = value >= 0 ? value * 2 : -value * 2 - 1
  while (u >= 128) {
    buf[pos++] = (u % 128) | 0x80
    u = Math.floor(u / 128)
  }
  buf[pos++] = u
  return pos
}
