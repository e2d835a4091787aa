// The Fetch read-buffer pool: size classes, reuse, the idle cap, poisoning, leases; and the disk
// log reading into a lease's buffers.

import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  MAX_POOLED,
  MIN_POOLED,
  POISON_BYTE,
  ReadBufferPool,
  ReadLease,
} from '../../src/storage/read-buffer-pool.ts'
import { openDiskLogStore } from '../../src/storage/log/disk-log-store.ts'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import { config } from './log-behaviour.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'

describe('ReadBufferPool', () => {
  it('hands out the smallest power-of-two class that holds the request, and nothing outside the classes', () => {
    const pool = new ReadBufferPool()
    expect(pool.take(MIN_POOLED - 1)).toBeUndefined()
    expect(pool.take(MAX_POOLED + 1)).toBeUndefined()
    expect(pool.take(MIN_POOLED)!.length).toBe(MIN_POOLED)
    expect(pool.take(MIN_POOLED + 1)!.length).toBe(2 * MIN_POOLED)
    expect(pool.take(1 << 20)!.length).toBe(1 << 20)
    expect(pool.take((1 << 20) + 61)!.length).toBe(2 << 20)
    expect(pool.take(MAX_POOLED)!.length).toBe(MAX_POOLED)
    fc.assert(
      fc.property(fc.integer({ min: MIN_POOLED, max: MAX_POOLED }), (n) => {
        const b = new ReadBufferPool().take(n)!
        expect(b.length).toBeGreaterThanOrEqual(n)
        expect(b.length / 2).toBeLessThan(n)
        expect(b.length & (b.length - 1)).toBe(0)
      }),
    )
  })

  it('reuses returned buffers of the same class, last returned first', () => {
    const pool = new ReadBufferPool()
    const a = pool.take(100_000)!
    const b = pool.take(100_000)!
    expect(a).not.toBe(b)
    pool.put(a)
    pool.put(b)
    expect(pool.stats.idleBytes).toBe(a.length + b.length)
    expect(pool.take(70_000)).toBe(b)
    expect(pool.take(131_072)).toBe(a)
    expect(pool.take(100_000)).not.toBe(a)
    expect(pool.stats).toMatchObject({ reused: 2, allocated: 3, idleBytes: 0 })
    // Another class does not get them.
    pool.put(a)
    expect(pool.take(MIN_POOLED)).not.toBe(a)
  })

  it('keeps at most maxIdleBytes idle and leaves the rest to the garbage collector', () => {
    const pool = new ReadBufferPool(3 << 20)
    const bufs = [1, 2, 3, 4].map(() => pool.take(1 << 20)!)
    for (const b of bufs) pool.put(b)
    expect(pool.stats.idleBytes).toBe(3 << 20)
    expect(pool.stats.dropped).toBe(1)
    pool.clear()
    expect(pool.stats.idleBytes).toBe(0)
  })

  it('drops its idle buffers once nothing took from it for a whole idleTrimMs', async () => {
    vi.useFakeTimers()
    try {
      const pool = new ReadBufferPool(undefined, false, 1000)
      pool.put(pool.take(1 << 20)!)
      await vi.advanceTimersByTimeAsync(900)
      pool.put(pool.take(1 << 20)!) // in use: the next check keeps the buffers
      await vi.advanceTimersByTimeAsync(200)
      expect(pool.stats.idleBytes).toBe(1 << 20)
      await vi.advanceTimersByTimeAsync(1000)
      expect(pool.stats.idleBytes).toBe(0)
      expect(vi.getTimerCount()).toBe(0)
      // Used again, it keeps buffers again.
      pool.put(pool.take(1 << 20)!)
      expect(pool.stats.idleBytes).toBe(1 << 20)
      pool.clear()
    } finally {
      vi.useRealTimers()
    }
  })

  it('refuses buffers it did not hand out (views, odd sizes)', () => {
    const pool = new ReadBufferPool()
    const whole = pool.take(1 << 16)!
    pool.put(whole.subarray(0, 1000))
    pool.put(Buffer.alloc(40_000))
    pool.put(Buffer.alloc(1 << 17).subarray(1 << 16))
    expect(pool.stats.idleBytes).toBe(0)
  })

  it('poisons returned buffers when asked to', () => {
    const pool = new ReadBufferPool(undefined, true)
    const b = pool.take(MIN_POOLED)!
    b.fill(7)
    pool.put(b)
    expect(b.every((x) => x === POISON_BYTE)).toBe(true)
    const quiet = new ReadBufferPool()
    const c = quiet.take(MIN_POOLED)!
    c.fill(7)
    quiet.put(c)
    expect(c[0]).toBe(7)
  })
})

describe('ReadLease', () => {
  it('gives views of exactly the bytes asked for and returns every pooled buffer on release', () => {
    const pool = new ReadBufferPool(undefined, true)
    const lease = new ReadLease(pool)
    const a = lease.take(50_000)
    const b = lease.take(300)
    const c = lease.take(1 << 20)
    expect([a.length, b.length, c.length]).toEqual([50_000, 300, 1 << 20])
    expect(lease.held).toBe(2) // 300 bytes is not pooled
    a.fill(1)
    b.fill(2)
    lease.release()
    expect(lease.held).toBe(0)
    expect(pool.stats.idleBytes).toBe((1 << 16) + (1 << 20))
    expect(a[0]).toBe(POISON_BYTE)
    expect(b[0]).toBe(2) // a fresh buffer is the caller's to keep
    lease.release() // nothing held: no double return
    expect(pool.stats.idleBytes).toBe((1 << 16) + (1 << 20))
    // The lease takes again after a release, from the buffers it gave back.
    const again = lease.take(1 << 20)
    expect(again.buffer).toBe(c.buffer)
    expect(pool.stats.idleBytes).toBe(1 << 16)
  })
})

describe('disk log reads into a lease', () => {
  it('returns the same bytes as a fresh read, in the lease’s buffers', async () => {
    const store = await openDiskLogStore('/data', { fs: new MemoryFileSystem(), checkpointIntervalMs: 0 })
    try {
      const log = await store.open({ topic: 't', partition: 0 }, config())
      for (let i = 0; i < 40; i++) {
        const value = Buffer.alloc(3000, i + 1)
        await log.append(buildRecordBatch({ records: [{ value }, { value }] }), { leaderEpoch: 0 })
      }
      const pool = new ReadBufferPool(undefined, true)
      const lease = new ReadLease(pool)
      const fresh = await log.read(5n, 100_000)
      const pooled = await log.read(5n, 100_000, { lease })
      expect(lease.held).toBeGreaterThan(0)
      expect(Buffer.concat(pooled.records)).toEqual(Buffer.concat(fresh.records))
      expect(pooled.bytes).toBe(fresh.bytes)
      // The records are views of the lease's buffers: released, they are poisoned.
      lease.release()
      expect(pooled.records[0]![0]).toBe(POISON_BYTE)
      expect(fresh.records[0]![0]).not.toBe(POISON_BYTE)
    } finally {
      await store.close()
    }
  })
})
