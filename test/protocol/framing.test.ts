import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameSizeError } from '../../src/protocol/framing.ts'
import { ProtocolError } from '../../src/protocol/errors-protocol.ts'

function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

function body(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff
  return b
}

/** Feeds the chunks and returns the emitted frames (kept, to catch later overwrites). */
function decode(chunks: Buffer[], d = new FrameDecoder()): Buffer[] {
  const out: Buffer[] = []
  for (const c of chunks) d.push(c, (f) => out.push(f))
  return out
}

function splitAt(stream: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = []
  let prev = 0
  for (const c of cuts) {
    out.push(Buffer.from(stream.subarray(prev, c)))
    prev = c
  }
  out.push(Buffer.from(stream.subarray(prev)))
  return out
}

describe('FrameDecoder', () => {
  const bodies = [body(0, 1), body(1, 2), body(2, 3), body(5, 4), body(300, 5), body(3, 6)]
  const stream = Buffer.concat(bodies.map(frame))

  it('decodes several frames from one chunk, as views of that chunk', () => {
    const chunk = Buffer.from(stream)
    const frames = decode([chunk])
    expect(frames).toEqual(bodies)
    for (const f of frames) expect(f.buffer).toBe(chunk.buffer)
  })

  it('decodes the stream split at every byte boundary (two pieces)', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(decode(splitAt(stream, [cut]))).toEqual(bodies)
    }
  })

  it('decodes the stream split at every pair of byte boundaries (three pieces)', () => {
    for (let a = 0; a <= stream.length; a++)
      for (let b = a; b <= stream.length; b++) {
        const frames = decode(splitAt(stream, [a, b]))
        if (frames.length !== bodies.length || !frames.every((f, i) => f.equals(bodies[i]!)))
          throw new Error(`mismatch for cuts ${a}, ${b}`)
      }
  })

  it('decodes the stream fed one byte at a time', () => {
    const chunks = [...stream].map((b) => Buffer.from([b]))
    expect(decode(chunks)).toEqual(bodies)
  })

  it('assembles a large split frame growing as bytes arrive, one byte at a time', () => {
    const big = body(600_000, 9)
    const s = Buffer.concat([frame(big), frame(body(7, 1))])
    const d = new FrameDecoder()
    const out: Buffer[] = []
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    try {
      d.push(s.subarray(0, 10), (f) => out.push(f))
      // 6 body bytes arrived: the assembly buffer is 256 KiB, not the announced 600 kB.
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([256 * 1024])
      expect(d.pendingFrameSize).toBe(600_000)
      expect(d.bufferedBytes).toBe(6)
      for (let i = 10; i < s.length; i++) d.push(s.subarray(i, i + 1), (f) => out.push(f))
      // 256 KiB → ×4, capped at the frame size; then the small split frame, sized exactly.
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([256 * 1024, 600_000, 7])
    } finally {
      allocs.mockRestore()
    }
    expect(out).toHaveLength(2)
    expect(out[0]!.equals(big)).toBe(true)
    expect(out[1]!.equals(body(7, 1))).toBe(true)
    expect(d.bufferedBytes).toBe(0)
    expect(d.pendingFrameSize).toBe(-1)
  })

  it('decodes any chunking of any frames, never altering frames already emitted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 150_000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 90_000 }), { minLength: 1, maxLength: 30 }),
        (sizes, chunkSizes) => {
          const want = sizes.map((s, i) => body(s, i))
          const s = Buffer.concat(want.map(frame))
          const chunks: Buffer[] = []
          for (let pos = 0, i = 0; pos < s.length; i++) {
            const n = chunkSizes[i % chunkSizes.length]!
            chunks.push(Buffer.from(s.subarray(pos, pos + n)))
            pos += n
          }
          const got = decode(chunks)
          expect(got.length).toBe(want.length)
          got.forEach((g, i) => expect(g.equals(want[i]!)).toBe(true))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('accepts a frame of exactly the maximum size', () => {
    const d = new FrameDecoder({ maxFrameBytes: 16 })
    expect(decode([frame(body(16, 1))], d)).toEqual([body(16, 1)])
  })

  it('rejects an oversize frame before allocating, after emitting the frames before it', () => {
    const d = new FrameDecoder({ maxFrameBytes: 1000 })
    const bad = Buffer.alloc(4)
    bad.writeInt32BE(1001, 0)
    const out: Buffer[] = []
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    let err: unknown
    try {
      d.push(Buffer.concat([frame(body(3, 1)), bad, Buffer.alloc(100)]), (f) => out.push(f))
    } catch (e) {
      err = e
    } finally {
      expect(allocs).not.toHaveBeenCalled()
      allocs.mockRestore()
    }
    expect(out).toEqual([body(3, 1)])
    expect(err).toBeInstanceOf(FrameSizeError)
    expect(err).toBeInstanceOf(ProtocolError)
    expect(err).toMatchObject({ size: 1001, max: 1000 })
    // The decoder is dead: the connection must close.
    expect(() => d.push(frame(body(1, 1)), () => {})).toThrow(FrameSizeError)
  })

  it('rejects the default 100 MiB limit + 1 and 2^31-1 even when the size prefix is split', () => {
    for (const size of [DEFAULT_MAX_FRAME_BYTES + 1, 0x7fffffff]) {
      const d = new FrameDecoder()
      const p = Buffer.alloc(4)
      p.writeInt32BE(size, 0)
      d.push(p.subarray(0, 2), () => {})
      expect(() => d.push(p.subarray(2), () => {})).toThrow(FrameSizeError)
      expect(d.bufferedBytes).toBe(0)
    }
  })

  it('rejects a negative size', () => {
    const p = Buffer.from([0xff, 0xff, 0xff, 0xfe])
    expect(() => decode([p])).toThrow(/negative frame size -2/)
  })

  it('validates its own limit', () => {
    expect(() => new FrameDecoder({ maxFrameBytes: -1 })).toThrow(RangeError)
    expect(() => new FrameDecoder({ maxFrameBytes: 2 ** 31 })).toThrow(RangeError)
    expect(new FrameDecoder().maxFrameBytes).toBe(100 * 1024 * 1024)
  })
})
