import { describe, expect, it } from 'vitest'
import { FrameLease, POISON_BYTE, ReceiveBufferPool } from '../../src/protocol/receive-buffers.ts'
import { BlockPool, PACK_BLOCK_BYTES } from '../../src/storage/memory/block-pool.ts'
import { MemoryPartitionLog } from '../../src/storage/memory/index.ts'
import { ReadBufferPool, ReadLease } from '../../src/storage/read-buffer-pool.ts'
import { simpleBatch } from './batches.ts'
import { config } from './log-behaviour.ts'

const TP = { topic: 't', partition: 0 }

describe('BlockPool', () => {
  it('sizes blocks in powers of two from the pack size, and exactly above 16 MiB', () => {
    const pool = new BlockPool()
    expect(pool.take(1).buf.length).toBe(PACK_BLOCK_BYTES)
    expect(pool.take(PACK_BLOCK_BYTES + 1).buf.length).toBe(2 * PACK_BLOCK_BYTES)
    expect(pool.take(1024 * 1024).buf.length).toBe(1024 * 1024)
    expect(pool.take(16 * 1024 * 1024 + 1).buf.length).toBe(16 * 1024 * 1024 + 1)
  })

  it('reuses a block only once it is closed, all its batches dropped, and none lent', () => {
    const pool = new BlockPool()
    const a = pool.take(100_000)
    a.live = 2
    pool.dropped(a)
    pool.close(a)
    expect(pool.freeBytes).toBe(0)
    pool.dropped(a)
    expect(pool.freeBytes).toBe(a.buf.length)
    expect(pool.take(70_000).buf).toBe(a.buf)

    const open = pool.take(10)
    open.live = 1
    pool.dropped(open)
    expect(pool.freeBytes).toBe(0)
    pool.close(open)
    expect(pool.freeBytes).toBe(open.buf.length)

    const lent = pool.take(10)
    expect(lent.buf).toBe(open.buf)
    lent.live = 1
    lent.lent = true
    pool.close(lent)
    pool.dropped(lent)
    expect(pool.freeBytes).toBe(0)
  })

  it('reuses a held block only once every read reference is released', () => {
    const pool = new BlockPool()
    const a = pool.take(10)
    a.live = 1
    pool.hold(a)
    pool.hold(a)
    pool.close(a)
    pool.dropped(a)
    expect(pool.freeBytes).toBe(0)
    pool.unhold(a)
    expect(pool.freeBytes).toBe(0)
    pool.unhold(a)
    expect(pool.freeBytes).toBe(a.buf.length)
    expect(() => pool.unhold(a)).toThrow()
  })

  it('keeps at most maxFreeBytes, drops oversize blocks, and poisons when asked', () => {
    const pool = new BlockPool(2 * PACK_BLOCK_BYTES, true)
    const blocks = [pool.take(1), pool.take(1), pool.take(1), pool.take(17 * 1024 * 1024)]
    for (const b of blocks) {
      b.buf.fill(1)
      b.live = 1
      pool.close(b)
      pool.dropped(b)
      // A freed block is dead to its log: dropping or closing it again frees nothing twice.
      pool.close(b)
    }
    expect(pool.freeBytes).toBe(2 * PACK_BLOCK_BYTES)
    for (const b of blocks.slice(0, 3)) expect(b.buf.every((x) => x === POISON_BYTE)).toBe(true)
    expect([pool.take(1).buf, pool.take(1).buf]).toEqual(expect.arrayContaining([blocks[0]!.buf]))
  })
})

describe('memory log: appends copied into reusable blocks', () => {
  it('keeps no view of the appended buffer', async () => {
    const log = new MemoryPartitionLog(TP, config(), { now: () => 0 })
    expect(log.retainsAppended).toBe(false)
    for (const size of [50, 40_000, 300_000]) {
      const input = simpleBatch(3, size)
      log.appendNow(input, { leaderEpoch: 0 })
      const stored = Buffer.from(input)
      input.fill(POISON_BYTE)
      const read = await log.read(log.logEndOffset() - 3n, 1 << 30)
      expect(Buffer.concat(read.records).equals(stored)).toBe(true)
    }
  })

  it('reuses dropped, never-read blocks and never changes a batch still readable (poisoned pool)', async () => {
    const pool = new BlockPool(32 * 1024 * 1024, true)
    const log = new MemoryPartitionLog(
      TP,
      config({ segmentBytes: 600_000, retentionBytes: 1_000_000, retentionMs: -1 }),
      { now: () => 0, blocks: pool },
    )
    const want = new Map<bigint, Buffer>()
    const taken = new Set<Buffer>()
    let reused = 0
    const take = pool.take.bind(pool)
    pool.take = (n) => {
      const block = take(n)
      if (taken.has(block.buf)) reused++
      taken.add(block.buf)
      return block
    }
    // Mixed sizes: packed small batches and blocks of their own; reads lend some of them.
    const sizes = [30, 200, 5_000, 20_000, 90_000, 250_000]
    const held: Buffer[][] = []
    for (let i = 0; i < 400; i++) {
      const input = simpleBatch(2, sizes[(i * 7) % sizes.length], BigInt(i))
      const r = log.appendNow(input, { leaderEpoch: 0 })
      want.set(r.baseOffset, Buffer.from(input))
      if (i % 25 === 0) held.push((await log.read(r.baseOffset, 1 << 30)).records)
      if (i % 50 === 49) {
        // Reading lends what it returns (never reused after), so the whole window only now and then.
        const all = await log.read(log.logStartOffset(), 1 << 30)
        let offset = log.logStartOffset()
        for (const batch of all.records) {
          expect(batch.equals(want.get(offset)!)).toBe(true)
          offset += 2n
        }
        expect(offset).toBe(log.logEndOffset())
      }
    }
    // Reads under a lease hold their blocks until released: never overwritten before, reused after.
    const leased: Array<{ lease: ReadLease; records: Buffer[] }> = []
    const reusedBefore = reused
    for (let i = 400; i < 800; i++) {
      const input = simpleBatch(2, sizes[(i * 7) % sizes.length], BigInt(i))
      const r = log.appendNow(input, { leaderEpoch: 0 })
      want.set(r.baseOffset, Buffer.from(input))
      if (i % 5 === 0) {
        const lease = new ReadLease(new ReadBufferPool())
        leased.push({ lease, records: (await log.read(log.logStartOffset(), 1 << 30, { lease })).records })
      }
      // Releases lag several reads behind, as responses on slow sockets do.
      if (leased.length > 6) {
        const done = leased.shift()!
        for (const batch of done.records) expect(batch.equals(want.get(batch.readBigInt64BE(0))!)).toBe(true)
        done.lease.release()
      }
    }
    expect(reused - reusedBefore).toBeGreaterThan(50)
    // Views handed out long ago still hold their bytes though retention dropped them.
    for (const records of held)
      for (const batch of records) expect(batch.equals(want.get(batch.readBigInt64BE(0))!)).toBe(true)
    expect(log.logStartOffset()).toBeGreaterThan(0n)
    expect(reused).toBeGreaterThan(100)
  })
})

describe('memory log: appends adopted from receive buffers', () => {
  /** `batch` as a request's only records in a pooled receive buffer of at least `bufferBytes`. */
  function received(pool: ReceiveBufferPool, batch: Buffer, bufferBytes = batch.length) {
    const buf = pool.take(Math.max(bufferBytes, batch.length))
    batch.copy(buf, 40) // a request header before the records
    return { records: buf.subarray(40, 40 + batch.length), lease: new FrameLease(buf, pool) }
  }

  function setup() {
    const frames = new ReceiveBufferPool(1 << 20, 16 << 20, true)
    const blocks = new BlockPool(32 << 20, true)
    const log = new MemoryPartitionLog(
      TP,
      config({ segmentBytes: 600_000, retentionBytes: 600_000, retentionMs: -1 }),
      { now: () => 0, blocks },
    )
    /** Appends as Produce does: the request's reference is released once the append returned. */
    const produce = (batch: Buffer, bufferBytes?: number) => {
      const { records, lease } = received(frames, batch, bufferBytes)
      const r = log.appendNow(records, { leaderEpoch: 0, frame: lease })
      const want = Buffer.from(records)
      lease.release()
      return { lease, records, offset: r.baseOffset, want }
    }
    /** Enough appends (copied: 10 KB each) to roll and drop every segment before them. */
    const flush = () => {
      for (let i = 0; i < 150; i++) log.appendNow(simpleBatch(1, 10_000), { leaderEpoch: 0 })
    }
    return { frames, blocks, log, produce, flush }
  }

  it('adopts a batch filling half its buffer; the buffer is reused once retention drops it', async () => {
    const { blocks, log, produce, flush } = setup()
    const a = produce(simpleBatch(2, 150_000)) // ~300 KB in 512 KiB
    expect(blocks.adoptedBytes).toBe(a.records.length)
    expect(a.lease.released).toBe(false)
    expect(a.lease.refs).toBe(1)
    expect(log.sizeInBytes()).toBe(a.records.length)
    flush()
    expect(log.logStartOffset()).toBeGreaterThan(a.offset)
    expect(a.lease.released).toBe(true)
    // Given back to the (poisoning) pool: nothing in the log may read it any more.
    expect(a.records.every((b) => b === POISON_BYTE)).toBe(true)
    const all = await log.read(log.logStartOffset(), 1 << 30)
    for (const batch of all.records) expect(batch.includes(POISON_BYTE)).toBe(false)
  })

  it('never reuses an adopted buffer a read lent out', async () => {
    const { log, produce, flush } = setup()
    const a = produce(simpleBatch(2, 150_000))
    const read = await log.read(a.offset, 1 << 30)
    expect(read.records[0]!.buffer).toBe(a.records.buffer)
    expect(a.lease.pinned).toBe(true)
    flush()
    expect(a.lease.released).toBe(true)
    expect(read.records[0]!.equals(a.want)).toBe(true)
  })

  it('gives an adopted buffer back only once the reads holding it released their lease', async () => {
    const { log, produce, flush } = setup()
    const a = produce(simpleBatch(2, 150_000))
    const lease = new ReadLease(new ReadBufferPool())
    const read = await log.read(a.offset, 1 << 30, { lease })
    expect(read.records[0]!.buffer).toBe(a.records.buffer)
    flush()
    expect(log.logStartOffset()).toBeGreaterThan(a.offset)
    // Dropped by retention, but a response still refers to it.
    expect(a.lease.released).toBe(false)
    expect(read.records[0]!.equals(a.want)).toBe(true)
    lease.release()
    expect(a.lease.released).toBe(true)
    expect(a.lease.pinned).toBe(false)
    expect(a.records.every((b) => b === POISON_BYTE)).toBe(true)
  })

  it('moves out a lone batch filling less than half its buffer once the request is done, copies one small enough to pack', async () => {
    const { blocks, log, produce } = setup()
    const small = produce(simpleBatch(2, 100_000), 600_000) // ~200 KB in 1 MiB
    const tiny = produce(simpleBatch(1, 10_000), 100_000) // ~10 KB in 128 KiB
    expect(blocks.adoptedBytes).toBe(small.records.length)
    expect(tiny.lease.released).toBe(true)
    // Kept until the request's appends are all done: together they might have filled half.
    expect(small.lease.released).toBe(false)
    await new Promise(setImmediate)
    expect(blocks.relocatedBytes).toBe(small.records.length)
    for (const c of [small, tiny]) {
      expect(c.lease.released).toBe(true)
      expect(c.records.every((b) => b === POISON_BYTE)).toBe(true)
      expect((await log.read(c.offset, 1)).records[0]!.equals(c.want)).toBe(true)
    }
  })

  it('gives adopted buffers back when truncation cuts them or the log closes (deleted topic)', async () => {
    const { log, produce } = setup()
    const cut = produce(simpleBatch(2, 150_000))
    const lease = new ReadLease(new ReadBufferPool())
    const read = await log.read(cut.offset, 1 << 30, { lease })
    await log.truncateTo(cut.offset)
    expect(log.logEndOffset()).toBe(cut.offset)
    // Cut, but a response still refers to it.
    expect(cut.lease.released).toBe(false)
    lease.release()
    expect(cut.lease.released).toBe(true)
    expect(cut.records.every((b) => b === POISON_BYTE)).toBe(true)
    expect(read.records.length).toBe(1)
    const kept = produce(simpleBatch(2, 150_000))
    expect(kept.lease.released).toBe(false)
    await log.close()
    expect(kept.lease.released).toBe(true)
    expect(kept.records.every((b) => b === POISON_BYTE)).toBe(true)
  })
})

describe('memory log: slabs', () => {
  it('copies a batch out of a slab (a lease its frames share), and adopts the same from a frame buffer', () => {
    const frames = new ReceiveBufferPool()
    const blocks = new BlockPool(32 << 20, false)
    const log = new MemoryPartitionLog(TP, config({ retentionMs: -1 }), { now: () => 0, blocks })
    const batch = simpleBatch(2, 20_000)
    const slabBuf = frames.take(64 * 1024)
    const frameBuf = frames.take(64 * 1024)
    const slab = new FrameLease(slabBuf, frames, true)
    const frame = new FrameLease(frameBuf, frames)
    for (const [buf, lease] of [
      [slabBuf, slab],
      [frameBuf, frame],
    ] as const) {
      batch.copy(buf)
      log.appendNow(buf.subarray(0, batch.length), { leaderEpoch: 0, frame: lease })
    }
    expect(slab.refs).toBe(1)
    expect(frame.refs).toBe(2)
    expect(blocks.adoptedBytes).toBe(batch.length)
  })
})

describe('memory log: one receive buffer adopted by several partitions', () => {
  const PARTS = 4

  /** One request with a ~200 KB batch for each of PARTS partitions in a 1 MiB receive buffer. */
  function setup(options: { maxStrandedBytes?: number; compact?: boolean } = {}) {
    const frames = new ReceiveBufferPool(1 << 20, 16 << 20, true)
    const blocks = new BlockPool(32 << 20, true, options.maxStrandedBytes)
    const cfg = config({
      segmentBytes: 600_000,
      retentionBytes: 600_000,
      retentionMs: -1,
      cleanupPolicy: { delete: true, compact: options.compact === true },
    })
    const logs = Array.from(
      { length: PARTS },
      (_, partition) => new MemoryPartitionLog({ topic: 't', partition }, cfg, { now: () => 0, blocks }),
    )
    /** Appends as Produce does: all partitions at once, then the request lets its reference go. */
    const produce = () => {
      const batches = logs.map((_, p) => simpleBatch(2, 100_000 + p))
      // take() may hand out uninitialised memory, which can hold POISON_BYTE from an earlier test.
      const buf = frames.take(1 << 20).fill(0)
      const lease = new FrameLease(buf, frames)
      let at = 60 // a request header before the first batch
      const appended = batches.map((batch, p) => {
        batch.copy(buf, at)
        const records = buf.subarray(at, at + batch.length)
        at += batch.length + 20 // the next partition's header
        const r = logs[p]!.appendNow(records, { leaderEpoch: 0, frame: lease })
        return { records, offset: r.baseOffset, want: Buffer.from(records) }
      })
      lease.release()
      return { lease, buf, appended }
    }
    /** Enough copied appends to `log` to roll and drop every segment before them. */
    const flush = (log: MemoryPartitionLog) => {
      const end = log.logEndOffset()
      while (log.logStartOffset() <= end) log.appendNow(simpleBatch(1, 10_000), { leaderEpoch: 0 })
    }
    return { frames, blocks, logs, produce, flush }
  }

  it('adopts every partition batch of a request; the buffer is reused only once all are dropped and no fetch holds one', async () => {
    const { blocks, logs, produce, flush } = setup()
    const { lease, buf, appended } = produce()
    await new Promise(setImmediate)
    expect(blocks.adoptedBytes).toBe(appended.reduce((n, a) => n + a.records.length, 0))
    expect(blocks.relocatedBytes).toBe(0)
    expect(lease.refs).toBe(PARTS)
    for (const [p, a] of appended.entries()) {
      const lease = new ReadLease(new ReadBufferPool())
      const read = await logs[p]!.read(a.offset, 1, { lease })
      expect(read.records[0]!.equals(a.want)).toBe(true)
      lease.release()
    }
    // A fetch holds the last partition's batch while the others are dropped.
    const fetch = new ReadLease(new ReadBufferPool())
    const held = await logs[PARTS - 1]!.read(appended[PARTS - 1]!.offset, 1 << 30, { lease: fetch })
    expect(held.records[0]!.buffer).toBe(buf.buffer)
    for (const log of logs) {
      expect(lease.released).toBe(false)
      flush(log)
    }
    await new Promise(setImmediate)
    // Every batch is gone from the logs, but a response still refers to one.
    expect(lease.released).toBe(false)
    expect(buf.includes(POISON_BYTE)).toBe(false)
    expect(held.records[0]!.equals(appended[PARTS - 1]!.want)).toBe(true)
    fetch.release()
    expect(lease.released).toBe(true)
    expect(lease.pinned).toBe(false)
    expect(buf.every((b) => b === POISON_BYTE)).toBe(true)
  })

  it('tolerates stranded buffers up to maxStrandedBytes', async () => {
    const { blocks, logs, produce, flush } = setup()
    const { lease, appended } = produce()
    await new Promise(setImmediate)
    // Three of four partitions drop theirs: the survivor keeps the whole buffer (< half live).
    for (const log of logs.slice(1)) flush(log)
    await new Promise(setImmediate)
    expect(blocks.strandedBytes).toBe((1 << 20) - appended[0]!.records.length)
    expect(blocks.relocatedBytes).toBe(0)
    expect(lease.released).toBe(false)
    flush(logs[0]!)
    expect(blocks.strandedBytes).toBe(0)
    expect(lease.released).toBe(true)
  })

  it('moves the survivors out of a stranded buffer past maxStrandedBytes, after the reads holding it', async () => {
    const { blocks, logs, produce, flush } = setup({ maxStrandedBytes: 0 })
    const { lease, buf, appended } = produce()
    await new Promise(setImmediate)
    // Together the batches fill more than half the buffer: nothing is stranded yet.
    expect(blocks.relocatedBytes).toBe(0)
    const survivor = appended[0]!
    const fetch = new ReadLease(new ReadBufferPool())
    const held = await logs[0]!.read(survivor.offset, 1 << 30, { lease: fetch })
    for (const log of logs.slice(1)) flush(log)
    await new Promise(setImmediate)
    expect(blocks.relocatedBytes).toBe(survivor.records.length)
    expect(blocks.strandedBytes).toBe(0)
    // Moved out of the buffer, which waits for the response still referring to it.
    const moved = await logs[0]!.read(survivor.offset, 1)
    expect(moved.records[0]!.buffer).not.toBe(buf.buffer)
    expect(moved.records[0]!.equals(survivor.want)).toBe(true)
    expect(lease.released).toBe(false)
    expect(held.records[0]!.equals(survivor.want)).toBe(true)
    fetch.release()
    expect(lease.released).toBe(true)
    expect(buf.every((b) => b === POISON_BYTE)).toBe(true)
    expect((await logs[0]!.read(survivor.offset, 1)).records[0]!.equals(survivor.want)).toBe(true)
    // The copy is log-owned memory that retention frees like any other.
    flush(logs[0]!)
    expect(logs[0]!.logStartOffset()).toBeGreaterThan(survivor.offset)
  })

  it('shares no buffer with a compacted log', () => {
    const { blocks, produce } = setup({ compact: true })
    const { lease, buf, appended } = produce()
    expect(blocks.adoptedBytes).toBe(0)
    expect(lease.released).toBe(true)
    expect(buf.every((b) => b === POISON_BYTE)).toBe(true)
    expect(appended.length).toBe(PARTS)
  })
})
