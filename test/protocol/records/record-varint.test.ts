import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../../src/protocol/errors-protocol.ts'
import {
  readVarint,
  readVarlong,
  sizeOfVarint,
  writeVarint,
} from '../../../src/protocol/records/record-varint.ts'

const require = createRequire(import.meta.url)
const KEncoder = require('kafkajs/src/protocol/encoder.js')
const Long = require('kafkajs/src/utils/long.js')

const kafkajsVarint = (v: number): Buffer => new KEncoder().writeVarInt(v).buffer as Buffer
const kafkajsVarlong = (v: number): Buffer =>
  new KEncoder().writeVarLong(Long.fromString(String(v))).buffer as Buffer

function roundTrip(v: number, encoded: Buffer, read: typeof readVarint): void {
  const mine = Buffer.alloc(10)
  const end = writeVarint(mine, 0, v)
  expect(mine.subarray(0, end).toString('hex')).toBe(encoded.toString('hex'))
  expect(sizeOfVarint(v)).toBe(encoded.length)
  const c = { pos: 0 }
  expect(read(encoded, c, encoded.length)).toBe(v)
  expect(c.pos).toBe(encoded.length)
}

describe('record varints against KafkaJS’s encoder', () => {
  it('int32 zig-zag', () => {
    fc.assert(
      fc.property(fc.integer(), (v) => roundTrip(v, kafkajsVarint(v), readVarint)),
      { numRuns: 2000 },
    )
    for (const v of [0, -1, 1, 63, -64, 64, -65, 2 ** 31 - 1, -(2 ** 31)])
      roundTrip(v, kafkajsVarint(v), readVarint)
  })

  it('int64 zig-zag within [-2^52, 2^52)', () => {
    const safe = fc.integer({ min: -(2 ** 52), max: 2 ** 52 - 1 })
    fc.assert(
      fc.property(safe, (v) => roundTrip(v, kafkajsVarlong(v), readVarlong)),
      { numRuns: 2000 },
    )
    for (const v of [0, -1, 2 ** 52 - 1, -(2 ** 52), 2 ** 40 + 3])
      roundTrip(v, kafkajsVarlong(v), readVarlong)
  })

  it('rejects varlongs outside [-2^52, 2^52), overlong and truncated varints', () => {
    for (const v of [
      '4503599627370496',
      '-4503599627370497',
      '9223372036854775807',
      '-9223372036854775808',
    ]) {
      const big = new KEncoder().writeVarLong(Long.fromString(v)).buffer as Buffer
      expect(() => readVarlong(big, { pos: 0 }, big.length)).toThrow(ProtocolError)
    }
    const overlong = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
    expect(() => readVarint(overlong, { pos: 0 }, overlong.length)).toThrow(ProtocolError)
    expect(() => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]), { pos: 0 }, 5)).toThrow(
      ProtocolError,
    )
    expect(() => readVarint(Buffer.from([0x80]), { pos: 0 }, 1)).toThrow(ProtocolError)
    expect(() => readVarint(Buffer.from([0x02]), { pos: 0 }, 0)).toThrow(ProtocolError)
    const eleven = Buffer.alloc(11, 0x80)
    expect(() => readVarlong(eleven, { pos: 0 }, 11)).toThrow(ProtocolError)
  })
})
