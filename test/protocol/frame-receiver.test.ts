import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { FrameReceiver } from '../../src/protocol/frame-receiver.ts'
import { FrameSizeError } from '../../src/protocol/framing.ts'
import {
  FrameLease,
  POISON_BYTE,
  RECEIVE_BUFFER_BYTES,
  ReceiveBufferPool,
} from '../../src/protocol/receive-buffers.ts'

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
  r = new FrameReceiver({ buffers: new ReceiveBufferPool() }),
): { frames: Buffer[]; offered: number[]; leases: Array<FrameLease | undefined> } {
  const frames: Buffer[] = []
  const offered: number[] = []
  const leases: Array<FrameLease | undefined> = []
  for (let pos = 0, i = 0; pos < stream.length; i++) {
    const into = r.readBuffer()
    offered.push(into.length)
    const n = Math.min(readSizes[i % readSizes.length]!, into.length, stream.length - pos)
    stream.copy(into, 0, pos, pos + n)
    pos += n
    r.received(n, (f, lease) => {
      frames.push(f)
      leases.push(lease)
    })
  }
  return { frames, offered, leases }
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
    const r = new FrameReceiver({ buffers: new ReceiveBufferPool() })
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    const slow = vi.spyOn(Buffer, 'allocUnsafeSlow')
    let frames: Buffer[]
    let offered: number[]
    let leases: Array<FrameLease | undefined>
    try {
      ;({ frames, offered, leases } = receive(s, [100_000], r))
      // The first read fills the slab; the rest of the big frame is read into a standard receive
      // buffer, with no growth; the small frame after it goes to a new slab, a pooled one.
      expect(slow.mock.calls.map((c) => c[0])).toEqual([RECEIVE_BUFFER_BYTES, 64 * 1024])
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([])
    } finally {
      allocs.mockRestore()
      slow.mockRestore()
    }
    expect(frames).toHaveLength(3)
    expect(frames[1]!.equals(big)).toBe(true)
    expect(frames[1]!.buffer.byteLength).toBe(RECEIVE_BUFFER_BYTES)
    // The frame in a standard buffer can be given back, and the one in a pooled slab; the first
    // slab (2 KiB, Node's shared pool) cannot.
    expect(leases.map((l) => l !== undefined)).toEqual([false, true, true])
    expect(leases[2]!.slab).toBe(true)
    expect(leases[1]!.slab).toBe(false)
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
    const pool = new ReceiveBufferPool()
    const r = new FrameReceiver({ buffers: pool })
    const head = Buffer.alloc(70_000)
    head.writeInt32BE(size, 0)
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    const slow = vi.spyOn(Buffer, 'allocUnsafeSlow')
    try {
      receive(head, [70_000], r)
      expect(slow.mock.calls.map((c) => c[0])).toEqual([2 * 1024 * 1024])
      expect(r.pendingFrameSize).toBe(size)
      expect(r.bufferedBytes).toBe(70_000 - 4)
      receive(Buffer.alloc(2 * 1024 * 1024 - 70_000 + 4), [1 << 30], r)
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([8 * 1024 * 1024])
      // The outgrown standard buffer was never handed out: it is free for the next frame.
      expect(pool.freeBytes).toBe(RECEIVE_BUFFER_BYTES)
      const out: Buffer[] = []
      const leases: Array<FrameLease | undefined> = []
      const onFrame = (f: Buffer, lease: FrameLease | undefined): void => {
        out.push(f)
        leases.push(lease)
      }
      let into = r.readBuffer()
      expect(into.length).toBe(6 * 1024 * 1024)
      r.received(into.length, onFrame)
      expect(allocs.mock.calls.map((c) => c[0])).toEqual([8 * 1024 * 1024, size])
      into = r.readBuffer()
      expect(into.length).toBe(size - 8 * 1024 * 1024)
      r.received(into.length, onFrame)
      expect(out.map((f) => f.length)).toEqual([size])
      expect(leases).toEqual([undefined])
    } finally {
      allocs.mockRestore()
      slow.mockRestore()
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

describe('FrameReceiver leases', () => {
  const big = (seed: number): Buffer => body(1_000_000 + seed, seed)
  const stream = (...bodies: Buffer[]): Buffer => Buffer.concat(bodies.map(frame))

  it('carries the next large frame in a released buffer, and a fresh one while the last is held', () => {
    const pool = new ReceiveBufferPool()
    const r = new FrameReceiver({ buffers: pool })
    const a = receive(stream(big(1)), [300_000], r)
    expect(a.frames[0]!.equals(big(1))).toBe(true)
    a.leases[0]!.release()
    expect(pool.freeBytes).toBe(1024 * 1024)
    const b = receive(stream(big(2)), [300_000], r)
    expect(b.frames[0]!.buffer).toBe(a.frames[0]!.buffer)
    expect(b.frames[0]!.equals(big(2))).toBe(true)
    expect(pool.freeBytes).toBe(0)
    // Not released: the next frame gets another buffer and this one's bytes never change.
    const c = receive(stream(big(3)), [300_000], r)
    expect(c.frames[0]!.buffer).not.toBe(b.frames[0]!.buffer)
    expect(b.frames[0]!.equals(big(2))).toBe(true)
    expect(c.frames[0]!.equals(big(3))).toBe(true)
  })

  /**
   * Feeds `bodies` as frames in reads of `readSize`, checking each frame's bytes as it is emitted;
   * `keep(i)` says whether frame i's lease is kept (else released at once, as Produce does).
   */
  function feedReleasing(
    r: FrameReceiver,
    bodies: Buffer[],
    readSize: number,
    keep: (i: number) => boolean,
  ): { frames: Buffer[]; kept: Array<FrameLease | undefined> } {
    const s = stream(...bodies)
    const frames: Buffer[] = []
    const kept: Array<FrameLease | undefined> = []
    for (let pos = 0; pos < s.length;) {
      const into = r.readBuffer()
      const n = Math.min(readSize, into.length, s.length - pos)
      s.copy(into, 0, pos, pos + n)
      pos += n
      r.received(n, (f, lease) => {
        const i = frames.length
        expect(f.equals(bodies[i]!)).toBe(true)
        frames.push(f)
        if (keep(i)) kept.push(lease)
        else lease?.release()
      })
    }
    return { frames, kept }
  }

  it('reuses a 64 KiB slab once the receiver moved on and every frame of it was released', () => {
    const pool = new ReceiveBufferPool()
    pool.poison = true
    const r = new FrameReceiver({ buffers: pool })
    const bodies = Array.from({ length: 40 }, (_, i) => body(20_000, i))
    const allocs = vi.spyOn(Buffer, 'allocUnsafe')
    const slow = vi.spyOn(Buffer, 'allocUnsafeSlow')
    try {
      const { frames } = feedReleasing(r, bodies, 64 * 1024, () => false)
      expect(frames).toHaveLength(40)
      // 800 KB in 20 KB frames through two 64 KiB slabs taking turns: frames that straddle a
      // slab's end move to the next slab, none gets a buffer of its own.
      expect(slow.mock.calls.map((c) => c[0])).toEqual([64 * 1024, 64 * 1024])
      expect(allocs.mock.calls).toEqual([])
      expect(pool.reused).toBeGreaterThan(10)
    } finally {
      allocs.mockRestore()
      slow.mockRestore()
    }
  })

  it('never reuses a slab while a frame of it is held', () => {
    const pool = new ReceiveBufferPool()
    pool.poison = true
    const r = new FrameReceiver({ buffers: pool })
    const bodies = Array.from({ length: 60 }, (_, i) => body(15_000 + i, i))
    // Frames 5 and 30 are kept (a request other than Produce, or a Produce still appending).
    const { frames, kept } = feedReleasing(r, bodies, 50_000, (i) => i === 5 || i === 30)
    expect(kept.map((l) => l?.slab)).toEqual([true, true])
    expect(frames[5]!.equals(bodies[5]!)).toBe(true)
    expect(frames[30]!.equals(bodies[30]!)).toBe(true)
    const slabOf5 = frames[5]!.buffer
    kept[0]!.release()
    // Released, and the receiver long moved on: poisoned and back in the pool.
    expect(Buffer.from(slabOf5).every((b) => b === POISON_BYTE)).toBe(true)
    expect(frames[30]!.equals(bodies[30]!)).toBe(true)
  })

  it('releases a buffer once however often release is called', () => {
    const pool = new ReceiveBufferPool()
    const { leases } = receive(stream(big(1)), [1 << 20], new FrameReceiver({ buffers: pool }))
    const lease = leases[0]!
    expect(lease.released).toBe(false)
    lease.release()
    lease.release()
    expect(lease.released).toBe(true)
    expect(pool.freeBytes).toBe(1024 * 1024)
    expect(pool.take(1024 * 1024)).not.toBe(pool.take(1024 * 1024))
  })

  it('gives a buffer back when its last reference goes, and never once pinned', () => {
    const pool = new ReceiveBufferPool(1 << 20, 8 << 20, true)
    const lease = new FrameLease(pool.take(), pool)
    lease.retain()
    expect(lease.refs).toBe(2)
    lease.release()
    expect(lease.released).toBe(false)
    expect(pool.freeBytes).toBe(0)
    lease.release()
    expect(lease.released).toBe(true)
    expect(pool.freeBytes).toBe(1 << 20)
    // Once released it cannot be retained: a holder taking a reference too late is a bug.
    expect(() => lease.retain()).toThrow()

    const buf = pool.take().fill(1)
    const pinned = new FrameLease(buf, pool)
    expect(pinned.holds(buf.subarray(10, 20))).toBe(true)
    expect(pinned.holds(Buffer.alloc(10))).toBe(false)
    expect(pinned.capacity).toBe(1 << 20)
    pinned.retain()
    pinned.pin()
    pinned.release()
    pinned.release()
    expect(pinned.released).toBe(true)
    expect(pool.freeBytes).toBe(0)
    expect(buf.every((b) => b === 1)).toBe(true)
    expect(pinned.holds(buf)).toBe(false)
  })

  it('poisons released buffers when asked', () => {
    const pool = new ReceiveBufferPool()
    pool.poison = true
    const { frames, leases } = receive(stream(big(1)), [1 << 20], new FrameReceiver({ buffers: pool }))
    leases[0]!.release()
    expect(frames[0]!.every((b) => b === POISON_BYTE)).toBe(true)
  })
})

describe('ReceiveBufferPool', () => {
  it('gives a frame the smallest power of two from 128 KiB to 2 MiB that holds it', () => {
    const pool = new ReceiveBufferPool()
    expect(
      [70_000, 131_072, 131_073, 300_000, 1_048_576, 2_000_000, 9_000_000].map((n) => pool.sizeFor(n)),
    ).toEqual([128 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20, 2 << 20, 2 << 20])
    const r = new FrameReceiver({ buffers: pool })
    const { frames, leases } = receive(
      Buffer.concat([frame(body(100_000, 1)), frame(body(300_000, 2))]),
      [1 << 20],
      r,
    )
    expect(frames.map((f) => f.buffer.byteLength)).toEqual([128 << 10, 512 << 10])
    for (const l of leases) l!.release()
    expect(pool.freeBytes).toBe(640 << 10)
    // Reused by size: a 200 KB frame finds no 256 KiB buffer free, a 400 KB one takes the 512 KiB.
    const next = receive(Buffer.concat([frame(body(200_000, 3)), frame(body(400_000, 4))]), [1 << 20], r)
    expect(next.frames[0]!.buffer).not.toBe(frames[0]!.buffer)
    expect(next.frames[1]!.buffer).toBe(frames[1]!.buffer)
    // The 64 KiB slab the receiver moved on from is free too: no frame of it was held.
    expect(pool.freeBytes).toBe((128 << 10) + (64 << 10))
  })

  it('keeps at most maxFreeBytes of free buffers and reuses them last in, first out', () => {
    const pool = new ReceiveBufferPool(1024, 3 * 1024)
    const bufs = [pool.take(), pool.take(), pool.take(), pool.take()]
    for (const b of bufs) expect(b.length).toBe(1024)
    for (const b of bufs) pool.give(b)
    expect(pool.freeBytes).toBe(3 * 1024)
    expect(pool.take()).toBe(bufs[2])
    expect(pool.take()).toBe(bufs[1])
    expect(pool.take()).toBe(bufs[0])
    const fresh = pool.take()
    expect(bufs).not.toContain(fresh)
    expect(pool.freeBytes).toBe(0)
  })

  it('ignores buffers that are not its standard size', () => {
    const pool = new ReceiveBufferPool(1024, 8 * 1024)
    pool.give(Buffer.alloc(1000))
    pool.give(Buffer.alloc(2048).subarray(1024))
    expect(pool.freeBytes).toBe(0)
  })

  it('puts no buffer in its list twice through a lease', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (ops) => {
        const pool = new ReceiveBufferPool(64, 64 * 4)
        const leases = [0, 1, 2, 3, 4, 5].map(() => new FrameLease(pool.take(), pool))
        for (const i of ops) leases[i]!.release()
        const released = new Set(ops).size
        expect(pool.freeBytes).toBe(Math.min(released, 4) * 64)
        const taken = new Set<Buffer>()
        while (pool.freeBytes > 0) taken.add(pool.take())
        expect(taken.size).toBe(Math.min(released, 4))
      }),
      { numRuns: 100 },
    )
  })
})
