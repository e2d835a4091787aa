import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { FrameReceiver } from '../../src/protocol/frame-receiver.ts'
import { FrameSizeError } from '../../src/protocol/framing.ts'

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

/**
 * Plays a socket: each read copies up to `readSizes[i]` bytes of `stream` into the buffer the
 * receiver offers (never more than it offers), then reports the count. Returns the frames emitted
 * and the lengths of the buffers offered.
 */
function receive(
  stream: Buffer,
  readSizes: number[],
  r = new FrameReceiver(),
): { frames: Buffer[]; offered: number[] } {
  const frames: Buffer[] = []
  const offered: number[] = []
  for (let pos = 0, i = 0; pos < stream.length; i++) {
    const into = r.readBuffer()
    offered.push(into.length)
    const n = Math.min(readSizes[i % readSizes.length]!, into.length, stream.length - pos)
    stream.copy(into, 0, pos, pos + n)
    pos += n
    r.received(n, (f) => frames.push(f))
  }
  return { frames, offered }
}

describe('FrameReceiver', () => {
  const bodies = [body(0, 1), body(1, 2), body(2, 3), body(5, 4), body(300, 5), body(3, 6)]
  const stream = Buffer.concat(bodies.map(frame))

  it('emits frames read in one go as views of the slab they were read into', () => {
    const { frames } = receive(stream, [1 << 20])
    expect(frames).toEqual(bodies)
    for (const f of frames) expect(f.buffer).toBe(frames[0]!.buffer)
  })

  it('decodes the stream read one byte at a time, and at every split point', () => {
    expect(receive(stream, [1]).frames).toEqual(bodies)
    for (let cut = 1; cut < stream.length; cut++)
      expect(receive(stream, [cut, 1 << 20]).frames).toEqual(bodies)
  })

  it('reads a large frame straight into a buffer of its own, never past its end', () => {
    const big = body(1_500_000, 9)
    const s = Buffer.concat([frame(body(10, 1)), frame(big), frame(body(7, 2))])
    const r = new FrameReceiver()
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    let frames: Buffer[]
    let offered: number[]
    try {
      ;({ frames, offered } = receive(s, [100_000], r))
      // The first read fills the slab; the rest of the big frame is read into its own buffer,
      // sized exactly (under 2 MiB), with no growth; the small frame after it goes to a new slab.
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([1_500_000, 64 * 1024])
    } finally {
      allocs.mockRestore()
    }
    expect(frames).toHaveLength(3)
    expect(frames[1]!.equals(big)).toBe(true)
    expect(frames[1]!.length).toBe(frames[1]!.buffer.byteLength)
    expect(frames[2]!.equals(body(7, 2))).toBe(true)
    // The read that completed the big frame was offered exactly its missing bytes.
    // A connection's first slab is 2 KiB.
    const firstRead = 2 * 1024 - 4 - 10 - 4
    expect(offered[offered.length - 2]).toBe((1_500_000 - firstRead) % 100_000)
    expect(r.bufferedBytes).toBe(0)
    expect(r.pendingFrameSize).toBe(-1)
  })

  it('grows a frame above 2 MiB ×4 as its bytes arrive, not to the announced size at once', () => {
    const size = 9_000_000
    const r = new FrameReceiver()
    const head = Buffer.alloc(70_000)
    head.writeInt32BE(size, 0)
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    try {
      receive(head, [70_000], r)
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([2 * 1024 * 1024])
      expect(r.pendingFrameSize).toBe(size)
      expect(r.bufferedBytes).toBe(70_000 - 4)
      receive(Buffer.alloc(2 * 1024 * 1024 - 70_000 + 4), [1 << 30], r)
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([2 * 1024 * 1024, 8 * 1024 * 1024])
      const out: Buffer[] = []
      let into = r.readBuffer()
      expect(into.length).toBe(6 * 1024 * 1024)
      r.received(into.length, (f) => out.push(f))
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([2 * 1024 * 1024, 8 * 1024 * 1024, size])
      into = r.readBuffer()
      expect(into.length).toBe(size - 8 * 1024 * 1024)
      r.received(into.length, (f) => out.push(f))
      expect(out.map((f) => f.length)).toEqual([size])
    } finally {
      allocs.mockRestore()
    }
  })

  it('decodes any read sizes of any frames, never altering frames already emitted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 150_000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 90_000 }), { minLength: 1, maxLength: 30 }),
        (sizes, readSizes) => {
          const want = sizes.map((s, i) => body(s, i))
          const { frames } = receive(Buffer.concat(want.map(frame)), readSizes)
          expect(frames.length).toBe(want.length)
          frames.forEach((g, i) => expect(g.equals(want[i]!)).toBe(true))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('rejects an oversize frame before allocating for it, after emitting the frames before it', () => {
    const r = new FrameReceiver({ maxFrameBytes: 1000 })
    const bad = Buffer.alloc(4)
    bad.writeInt32BE(1001, 0)
    const out: Buffer[] = []
    const into = r.readBuffer()
    const s = Buffer.concat([frame(body(3, 1)), bad, Buffer.alloc(100)])
    s.copy(into)
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    try {
      expect(() => r.received(s.length, (f) => out.push(f))).toThrow(FrameSizeError)
      expect(allocs).not.toHaveBeenCalled()
    } finally {
      allocs.mockRestore()
    }
    expect(out).toEqual([body(3, 1)])
    expect(() => r.received(0, () => {})).toThrow(FrameSizeError)
  })

  it('rejects a negative size and validates its own limit', () => {
    expect(() => receive(Buffer.from([0xff, 0xff, 0xff, 0xfe]), [4])).toThrow(/negative frame size -2/)
    expect(() => new FrameReceiver({ maxFrameBytes: -1 })).toThrow(RangeError)
    expect(new FrameReceiver().maxFrameBytes).toBe(100 * 1024 * 1024)
  })
})
