// UUIDs travel as 16 raw bytes and are held as Kafka's text form (base64url, 22 characters).

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Reader } from '../../../src/protocol/primitives/reader.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { ZERO_UUID, uuidFromBytes, uuidToBytes } from '../../../src/protocol/primitives/uuid.ts'
import { EncodeError } from '../../../src/protocol/errors-protocol.ts'

describe('uuid', () => {
  it('uses the same text as org.apache.kafka.common.Uuid#toString', () => {
    // Uuid(0x0123456789abcdefL, 0xfedcba9876543210L).toString() in Kafka
    const b = Buffer.from('0123456789abcdeffedcba9876543210', 'hex')
    expect(uuidFromBytes(b, 0)).toBe('ASNFZ4mrze_-3LqYdlQyEA')
    expect(uuidFromBytes(Buffer.alloc(16), 0)).toBe(ZERO_UUID)
  })
  it('round-trips any 16 bytes through text and the wire', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        const text = uuidFromBytes(Buffer.from(a), 0)
        const w = new Writer(4)
        w.uuid(text)
        expect(w.toBuffer()).toEqual(Buffer.from(a))
        expect(new Reader(w.toBuffer()).uuid()).toBe(text)
      }),
    )
  })
  it('refuses text that is not a canonical 22-character base64url uuid', () => {
    const out = Buffer.alloc(16)
    for (const bad of [
      '',
      'AAAA',
      'AAAAAAAAAAAAAAAAAAAAAAA', // 23
      'AAAAAAAAAAAAAAAAAAAAA!', // not base64url
      'AAAAAAAAAAAAAAAAAAAAA+', // standard base64, not url-safe
      'AAAAAAAAAAAAAAAAAAAAAB', // low bits set in the last character: not canonical
      'AAAAAAAAAAAAAAAAAAAA==',
    ])
      expect(() => uuidToBytes(bad, out, 0), bad).toThrow(EncodeError)
  })
})
