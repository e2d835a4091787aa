// Varint and varlong edge cases: zigzag extremes, the 5- and 10-byte limits, overflow rejection.

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Reader } from '../../../src/protocol/primitives/reader.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { EncodeError, ProtocolError } from '../../../src/protocol/errors-protocol.ts'

const hex = (write: (w: Writer) => void): string => {
  const w = new Writer(4)
  write(w)
  return w.toBuffer().toString('hex')
}
const reader = (h: string): Reader => new Reader(Buffer.from(h, 'hex'))

describe('unsigned varint (32-bit)', () => {
  it('encodes the LEB128 boundaries', () => {
    expect(hex((w) => w.uvarint(0))).toBe('00')
    expect(hex((w) => w.uvarint(127))).toBe('7f')
    expect(hex((w) => w.uvarint(128))).toBe('8001')
    expect(hex((w) => w.uvarint(16383))).toBe('ff7f')
    expect(hex((w) => w.uvarint(16384))).toBe('808001')
    expect(hex((w) => w.uvarint(2 ** 31))).toBe('8080808008')
    expect(hex((w) => w.uvarint(0xffffffff))).toBe('ffffffff0f')
  })
  it('decodes the 5-byte maximum and rejects anything wider', () => {
    expect(reader('ffffffff0f').uvarint()).toBe(0xffffffff)
    expect(() => reader('ffffffff10').uvarint()).toThrow(ProtocolError)
    expect(() => reader('ffffffff8f01').uvarint()).toThrow(ProtocolError)
    expect(() => reader('8080808080808080808001').uvarint()).toThrow(ProtocolError)
  })
  it('rejects truncation', () => {
    expect(() => reader('').uvarint()).toThrow(ProtocolError)
    expect(() => reader('8080').uvarint()).toThrow(ProtocolError)
  })
  it('refuses to encode values outside 0..2^32-1', () => {
    expect(() => hex((w) => w.uvarint(-1))).toThrow(EncodeError)
    expect(() => hex((w) => w.uvarint(2 ** 32))).toThrow(EncodeError)
    expect(() => hex((w) => w.uvarint(1.5))).toThrow(EncodeError)
  })
  it('round-trips every 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const r = reader(hex((w) => w.uvarint(n)))
        expect(r.uvarint()).toBe(n)
        expect(r.remaining).toBe(0)
      }),
    )
  })
})

describe('zigzag varint (signed 32-bit)', () => {
  it('maps the extremes', () => {
    expect(hex((w) => w.varint(0))).toBe('00')
    expect(hex((w) => w.varint(-1))).toBe('01')
    expect(hex((w) => w.varint(1))).toBe('02')
    expect(hex((w) => w.varint(-64))).toBe('7f')
    expect(hex((w) => w.varint(64))).toBe('8001')
    expect(hex((w) => w.varint(2 ** 31 - 1))).toBe('feffffff0f')
    expect(hex((w) => w.varint(-(2 ** 31)))).toBe('ffffffff0f')
    expect(reader('feffffff0f').varint()).toBe(2 ** 31 - 1)
    expect(reader('ffffffff0f').varint()).toBe(-(2 ** 31))
  })
  it('refuses out-of-range values', () => {
    expect(() => hex((w) => w.varint(2 ** 31))).toThrow(EncodeError)
    expect(() => hex((w) => w.varint(-(2 ** 31) - 1))).toThrow(EncodeError)
  })
  it('round-trips every int32', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        expect(reader(hex((w) => w.varint(n))).varint()).toBe(n)
      }),
    )
  })
})

describe('varlong (signed 64-bit)', () => {
  const MIN = -(2n ** 63n)
  const MAX = 2n ** 63n - 1n
  it('maps the extremes onto 10 bytes', () => {
    expect(hex((w) => w.varlong(0n))).toBe('00')
    expect(hex((w) => w.varlong(-1n))).toBe('01')
    expect(hex((w) => w.varlong(MAX))).toBe('feffffffffffffffff01')
    expect(hex((w) => w.varlong(MIN))).toBe('ffffffffffffffffff01')
    expect(reader('feffffffffffffffff01').varlong()).toBe(MAX)
    expect(reader('ffffffffffffffffff01').varlong()).toBe(MIN)
  })
  it('rejects an 11th byte or a 10th byte above 1', () => {
    expect(() => reader('ffffffffffffffffff02').varlong()).toThrow(ProtocolError)
    expect(() => reader('ffffffffffffffffff8101').varlong()).toThrow(ProtocolError)
    expect(() => reader('ffffffff').varlong()).toThrow(ProtocolError)
  })
  it('refuses values outside int64', () => {
    expect(() => hex((w) => w.varlong(MAX + 1n))).toThrow(EncodeError)
    expect(() => hex((w) => w.varlong(MIN - 1n))).toThrow(EncodeError)
    expect(() => hex((w) => w.uvarlong(-1n))).toThrow(EncodeError)
    expect(() => hex((w) => w.uvarlong(2n ** 64n))).toThrow(EncodeError)
  })
  it('round-trips every int64', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN, max: MAX }), (n) => {
        const r = reader(hex((w) => w.varlong(n)))
        expect(r.varlong()).toBe(n)
        expect(r.remaining).toBe(0)
      }),
    )
  })
})
