import { crc32c as nativeCrc32c } from '@node-rs/crc32'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c, crc32cRange } from '../../../src/protocol/records/crc32c.ts'

// Small ranges are computed in JavaScript, large ones natively: both must be the native CRC-32C.
describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(0))).toBe(0)
  })

  it('matches the native CRC for every length around the JS/native boundary, with and without a running CRC', () => {
    const buf = Buffer.alloc(1100)
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 7919 + 13) & 0xff
    for (let len = 0; len <= buf.length; len += len < 600 ? 1 : 37) {
      const view = buf.subarray(3, 3 + Math.min(len, buf.length - 3))
      const expected = nativeCrc32c(view, 0) >>> 0
      expect(crc32c(view)).toBe(expected)
      expect(crc32cRange(buf, 3, 3 + view.length)).toBe(expected)
      expect(crc32c(view, 0xdeadbeef)).toBe(nativeCrc32c(view, 0xdeadbeef) >>> 0)
    }
  })

  it('matches the native CRC on random data and ranges', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes)
        const start = buf.length === 0 ? 0 : a % buf.length
        const end = start + (buf.length === 0 ? 0 : b % (buf.length - start + 1))
        expect(crc32cRange(buf, start, end)).toBe(nativeCrc32c(buf.subarray(start, end), 0) >>> 0)
      }),
    )
  })
})
