// Writer: growth, zero-copy payload chunks (bytesRef / raw above the threshold), toChunks,
// toBuffer and patchInt32 across chunk boundaries.

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Writer, ZERO_COPY_THRESHOLD } from '../../../src/protocol/primitives/writer.ts'
import { EncodeError } from '../../../src/protocol/errors-protocol.ts'

describe('Writer', () => {
  it('grows from a tiny initial buffer', () => {
    const w = new Writer(1)
    for (let i = 0; i < 1000; i++) w.int32(i)
    const b = w.toBuffer()
    expect(b.length).toBe(4000)
    expect(b.readInt32BE(3996)).toBe(999)
    expect(w.length).toBe(4000)
  })

  it('keeps large payloads by reference and small ones by copy', () => {
    const big = Buffer.alloc(ZERO_COPY_THRESHOLD, 7)
    const small = Buffer.alloc(10, 9)
    const w = new Writer()
    w.int32(1)
    w.raw(big)
    w.raw(small)
    const chunks = w.toChunks()
    expect(chunks.length).toBe(3)
    expect(chunks[1]).toBe(big)
    expect(Buffer.concat(chunks)).toEqual(Buffer.concat([Buffer.from('00000001', 'hex'), big, small]))
    expect(w.toBuffer()).toEqual(Buffer.concat(chunks))
    expect(w.length).toBe(4 + big.length + small.length)
  })

  it('bytesRef at the very start and end leaves no empty chunks', () => {
    const a = Buffer.from('aa', 'hex')
    const w = new Writer()
    w.bytesRef(a)
    expect(w.toChunks()).toEqual([a])
    w.int8(1)
    w.bytesRef(a)
    expect(w.toChunks().every((c) => c.length > 0)).toBe(true)
    expect(w.toBuffer().toString('hex')).toBe('aa01aa')
  })

  it('patchInt32 patches in the current buffer and in earlier chunks', () => {
    const w = new Writer()
    w.int32(0) // size placeholder in what becomes an earlier chunk
    w.bytesRef(Buffer.alloc(8, 1))
    w.int32(0) // placeholder in the current buffer
    w.patchInt32(0, 0x11223344)
    w.patchInt32(12, 0x55667788)
    const b = w.toBuffer()
    expect(b.readInt32BE(0)).toBe(0x11223344)
    expect(b.readInt32BE(12)).toBe(0x55667788)
  })

  it('patchInt32 across a chunk boundary is an EncodeError, not a RangeError', () => {
    const w = new Writer()
    w.int16(0)
    w.bytesRef(Buffer.alloc(8))
    w.int32(0)
    expect(() => w.patchInt32(0, 1)).toThrow(EncodeError)
    expect(() => w.patchInt32(8, 1)).toThrow(EncodeError)
    expect(() => w.patchInt32(w.length - 2, 1)).toThrow(EncodeError)
  })

  it('toChunks/toBuffer agree with a plain copy for any write sequence', () => {
    const op = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => ({ kind: 'int32' as const, n })),
      fc.uint8Array({ maxLength: 40 }).map((a) => ({ kind: 'ref' as const, b: Buffer.from(a) })),
      fc.uint8Array({ maxLength: 40 }).map((a) => ({ kind: 'raw' as const, b: Buffer.from(a) })),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const w = new Writer(2)
        const parts: Buffer[] = []
        for (const o of ops) {
          if (o.kind === 'int32') {
            w.int32(o.n)
            const b = Buffer.alloc(4)
            b.writeInt32BE(o.n)
            parts.push(b)
          } else {
            if (o.kind === 'ref') w.bytesRef(o.b)
            else w.raw(o.b)
            parts.push(o.b)
          }
        }
        const expected = Buffer.concat(parts)
        expect(w.toBuffer()).toEqual(expected)
        expect(Buffer.concat(w.toChunks())).toEqual(expected)
        expect(w.length).toBe(expected.length)
      }),
    )
  })

  it('reset starts over on the same scratch; copyOut copies exactly what was written', () => {
    const w = new Writer(16)
    w.int32(7)
    w.string('abc')
    const first = w.copyOut()!
    expect(first).toEqual(Buffer.from([0, 0, 0, 7, 0, 3, 97, 98, 99]))
    w.reset()
    expect(w.length).toBe(0)
    w.int16(-1)
    expect(w.copyOut()).toEqual(Buffer.from([0xff, 0xff]))
    // The earlier copy is its own memory.
    expect(first).toEqual(Buffer.from([0, 0, 0, 7, 0, 3, 97, 98, 99]))
    // A payload kept by reference: no single copy; after reset the writer is plain again.
    w.reset()
    w.int8(1)
    w.bytesRef(Buffer.alloc(5000, 2))
    expect(w.copyOut()).toBeUndefined()
    w.reset()
    w.int8(3)
    expect(w.copyOut()).toEqual(Buffer.from([3]))
    expect(w.toChunks()).toEqual([Buffer.from([3])])
  })
})
