// Strings (UTF-8, classic and compact, nullable forms), bytes, array count bounds, tagged sections.

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Reader } from '../../../src/protocol/primitives/reader.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { EncodeError, ProtocolError } from '../../../src/protocol/errors-protocol.ts'

const bytesOf = (write: (w: Writer) => void): Buffer => {
  const w = new Writer(4)
  write(w)
  return w.toBuffer()
}
const reader = (h: string): Reader => new Reader(Buffer.from(h, 'hex'))

describe('strings', () => {
  it('length prefixes count UTF-8 bytes, not UTF-16 units', () => {
    // 'é' is 2 bytes, '€' 3, '😀' 4 (one surrogate pair in JS)
    const s = 'é€😀'
    expect(bytesOf((w) => w.string(s)).toString('hex')).toBe('0009' + Buffer.from(s).toString('hex'))
    expect(bytesOf((w) => w.compactString(s)).toString('hex')).toBe('0a' + Buffer.from(s).toString('hex'))
    expect(new Reader(bytesOf((w) => w.string(s))).string()).toBe(s)
    expect(new Reader(bytesOf((w) => w.compactString(s))).compactString()).toBe(s)
  })
  it('round-trips any well-formed string in all four forms', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(new Reader(bytesOf((w) => w.string(s))).string()).toBe(s)
        expect(new Reader(bytesOf((w) => w.compactString(s))).compactString()).toBe(s)
        expect(new Reader(bytesOf((w) => w.nullableString(s))).nullableString()).toBe(s)
        expect(new Reader(bytesOf((w) => w.compactNullableString(s))).compactNullableString()).toBe(s)
      }),
    )
  })
  it('short strings decode as Buffer.toString does, through the decode cache, slot collisions included', () => {
    // Many distinct short byte strings (ASCII, multi-byte, invalid UTF-8, lengths around the
    // 64-byte cut-off) decoded twice each, interleaved so that cache slots are reused and collide.
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 70 }), { minLength: 1, maxLength: 600 }),
        (items) => {
          for (let round = 0; round < 2; round++)
            for (const bytes of items) {
              const b = Buffer.from(bytes)
              const framed = Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
              expect(new Reader(framed).string()).toBe(b.toString('utf8'))
            }
        },
      ),
      { numRuns: 30 },
    )
  })
  it('a cached short string is not returned for other bytes that share its cache slot', () => {
    // Same length, first, middle and last byte: the same slot, different strings.
    const framed = (t: string): Buffer => Buffer.concat([Buffer.from([0, t.length]), Buffer.from(t)])
    expect(new Reader(framed('abcde')).string()).toBe('abcde')
    expect(new Reader(framed('aXcYe')).string()).toBe('aXcYe')
    expect(new Reader(framed('abcde')).string()).toBe('abcde')
  })
  it('short strings encode as Buffer.from does: ASCII, non-ASCII, lone surrogates, 64/65 units', () => {
    for (const s of [
      't1',
      'rdkafka',
      'é',
      'a\u00ff',
      '\ud800x',
      'x'.repeat(64),
      'y'.repeat(65),
      'z'.repeat(63) + '€',
    ])
      for (const write of [(w: Writer) => w.string(s), (w: Writer) => w.compactString(s)]) {
        const out = bytesOf(write)
        expect(out.subarray(out.length - Buffer.byteLength(s))).toEqual(Buffer.from(s, 'utf8'))
      }
  })
  it('null forms: int16 -1 and compact 0', () => {
    expect(bytesOf((w) => w.nullableString(null)).toString('hex')).toBe('ffff')
    expect(bytesOf((w) => w.compactNullableString(null)).toString('hex')).toBe('00')
    expect(reader('ffff').nullableString()).toBeNull()
    expect(reader('00').compactNullableString()).toBeNull()
    expect(() => reader('ffff').string()).toThrow(ProtocolError)
    expect(() => reader('00').compactString()).toThrow(ProtocolError)
    expect(() => reader('fffe').nullableString()).toThrow(ProtocolError)
  })
  it('the empty string is not null', () => {
    expect(reader('0000').nullableString()).toBe('')
    expect(reader('01').compactNullableString()).toBe('')
  })
  it('a length beyond the buffer is a ProtocolError', () => {
    expect(() => reader('0005616263').string()).toThrow(ProtocolError)
    expect(() => reader('7fff').nullableString()).toThrow(ProtocolError)
    expect(() => reader('ffffffff0f').compactString()).toThrow(ProtocolError)
  })
  it('classic strings longer than 32767 bytes are refused on encode', () => {
    expect(() => bytesOf((w) => w.string('x'.repeat(0x8000)))).toThrow(EncodeError)
    expect(bytesOf((w) => w.string('x'.repeat(0x7fff))).length).toBe(0x7fff + 2)
  })
})

describe('bytes', () => {
  it('classic, compact and null forms', () => {
    const b = Buffer.from('0102ff', 'hex')
    expect(bytesOf((w) => w.bytes(b)).toString('hex')).toBe('000000030102ff')
    expect(bytesOf((w) => w.compactBytes(b)).toString('hex')).toBe('040102ff')
    expect(bytesOf((w) => w.nullableBytes(null)).toString('hex')).toBe('ffffffff')
    expect(bytesOf((w) => w.compactNullableBytes(null)).toString('hex')).toBe('00')
    expect(reader('000000030102ff').bytes()).toEqual(b)
    expect(reader('ffffffff').nullableBytes()).toBeNull()
    expect(reader('00').compactNullableBytes()).toBeNull()
    expect(() => reader('ffffffff').bytes()).toThrow(ProtocolError)
    expect(() => reader('fffffffe').nullableBytes()).toThrow(ProtocolError)
    expect(() => reader('7fffffff00').bytes()).toThrow(ProtocolError)
  })
  it('decoded bytes are zero-copy views of the frame', () => {
    const frame = Buffer.from('00000002abcd', 'hex')
    const got = new Reader(frame).bytes()
    expect(got.buffer).toBe(frame.buffer)
  })
})

describe('array counts', () => {
  it('a count of 2^31 (0x80000000) is refused before allocating', () => {
    expect(() => reader('80000000').arrayLength(1)).toThrow(ProtocolError)
  })
  it('a count of 2^31-1 with few bytes left is refused before allocating', () => {
    expect(() => reader('7fffffff00000000').arrayLength(4)).toThrow(ProtocolError)
    expect(() => reader('ffffffff0f').compactArrayLength(1)).toThrow(ProtocolError)
    expect(() => reader('8080808008').compactArrayLength(1)).toThrow(ProtocolError)
  })
  it('counts that fit the remaining bytes pass; -1 is null', () => {
    expect(reader('0000000200000000').arrayLength(2)).toBe(2)
    expect(reader('ffffffff').arrayLength(4)).toBe(-1)
    expect(reader('00').compactArrayLength(1)).toBe(-1)
    expect(reader('030000').compactArrayLength(1)).toBe(2)
    expect(() => reader('fffffffe').arrayLength(1)).toThrow(ProtocolError)
  })
})

describe('tagged-field sections', () => {
  it('reads and keeps unknown tags in order, rejects disorder and overlong sizes', () => {
    const r = reader('02' + '0001aa' + '0502bbcc')
    expect(r.taggedFields(true)).toEqual([
      { tag: 0, data: Buffer.from('aa', 'hex') },
      { tag: 5, data: Buffer.from('bbcc', 'hex') },
    ])
    expect(() => reader('02' + '0501aa' + '0001bb').taggedFields(false)).toThrow(ProtocolError)
    expect(() => reader('01' + '0005aa').taggedFields(false)).toThrow(ProtocolError)
    expect(() => reader('7f').taggedFields(false)).toThrow(ProtocolError)
    expect(() => reader('0005').tagHeader()).toThrow(ProtocolError)
  })
})

describe('fixed-width scalars', () => {
  it('read big-endian and refuse truncation', () => {
    const r = reader(
      'ff' + '8000' + 'ffff' + '80000000' + 'ffffffff' + '8000000000000000' + '3ff0000000000000' + '02',
    )
    expect(r.int8()).toBe(-1)
    expect(r.int16()).toBe(-32768)
    expect(r.uint16()).toBe(65535)
    expect(r.int32()).toBe(-(2 ** 31))
    expect(r.uint32()).toBe(2 ** 32 - 1)
    expect(r.int64()).toBe(-(2n ** 63n))
    expect(r.float64()).toBe(1)
    expect(r.bool()).toBe(true)
    for (const read of [(x: Reader) => x.int16(), (x: Reader) => x.int32(), (x: Reader) => x.int64()])
      expect(() => read(reader('00'))).toThrow(ProtocolError)
  })
})
