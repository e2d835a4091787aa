// Restart and recovery of the disk log on the in-memory file system: clean restarts, crashes
// with and without fsync, torn and corrupted files, damaged indexes, and I/O faults.

import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../src/protocol/errors.ts'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import { config } from './log-behaviour.ts'
import { makeBatch, simpleBatch } from './batches.ts'
import { openLog, openStore, readAll, seededRandom, TP } from './helpers.ts'

async function fill(log: Awaited<ReturnType<typeof openLog>>['log'], n: number, epoch = 0): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(simpleBatch(3, 40, BigInt(1000 + i)), { leaderEpoch: epoch })
}

describe('disk log restart and recovery', () => {
  it('reopens after a clean close with the same data, offsets, epochs and aborted transactions', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs, { segmentBytes: 600, indexIntervalBytes: 100 })
    await fill(log, 10, 1)
    await fill(log, 10, 4)
    await log.deleteRecordsBefore(7n)
    await log.addAbortedTransaction({
      producerId: 9n,
      firstOffset: 20n,
      lastOffset: 40n,
      lastStableOffset: 20n,
    })
    const before = await readAll(log)
    const segments = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
    expect(segments.length).toBeGreaterThan(3)
    await store.close()
    expect(fs.live.files.has('/data/.kafka_cleanshutdown')).toBe(true)
    expect(fs.live.files.has('/data/t-0/00000000000000000000.log')).toBe(true)
    expect(fs.live.files.has('/data/t-0/00000000000000000000.index')).toBe(true)

    const again = await openLog(fs, { segmentBytes: 600, indexIntervalBytes: 100 })
    expect(fs.live.files.has('/data/.kafka_cleanshutdown')).toBe(false)
    expect(again.store.partitions()).toEqual([TP])
    expect(again.log.logStartOffset()).toBe(7n)
    expect(again.log.logEndOffset()).toBe(60n)
    expect((again.log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()).toEqual(
      segments,
    )
    expect(await readAll(again.log)).toEqual(before)
    expect(again.log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 30n })
    expect(again.log.abortedTransactions(0n, 100n).map((t) => t.producerId)).toEqual([9n])
    expect(await again.log.offsetForTimestamp(1005n)).toMatchObject({ offset: 15n, timestamp: 1005n })
    expect(await again.log.maxTimestamp()).toMatchObject({ timestamp: 1009n })
    expect((await again.log.append(simpleBatch(1), { leaderEpoch: 4 })).baseOffset).toBe(60n)
    await again.store.close()
  })

  it('keeps everything acknowledged when the process is killed (page cache survives)', async () => {
    const fs = new MemoryFileSystem()
    const { log } = await openLog(fs, { segmentBytes: 600 })
    await fill(log, 25)
    const before = await readAll(log)
    fs.crash()
    const { store, log: again } = await openLog(fs.afterCrash('process-kill'), { segmentBytes: 600 })
    expect(await readAll(again)).toEqual(before)
    await store.close()
  })

  it('keeps flushed data across power loss and loses only the unflushed tail', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs, { segmentBytes: 600 })
    await fill(log, 12)
    await store.flush()
    const flushed = await readAll(log)
    await fill(log, 12)
    fs.crash()
    for (const mode of ['power-loss', 'torn', 'torn-garbage'] as const) {
      for (let seed = 0; seed < 5; seed++) {
        const random = seededRandom(seed)
        const { log: again, store: s2 } = await openLog(fs.afterCrash(mode, random), { segmentBytes: 600 })
        const after = await readAll(again)
        expect(after.slice(0, flushed.length)).toEqual(flushed)
        expect(again.logEndOffset()).toBe(after.length > 0 ? after[after.length - 1]!.last + 1n : 0n)
        expect((await again.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(
          again.logEndOffset() - 1n,
        )
        await s2.close()
      }
    }
  })

  it('truncates a torn or garbage tail and a corrupted batch, dropping later segments', async () => {
    const fs = new MemoryFileSystem()
    const { log } = await openLog(fs, { segmentBytes: 600 })
    await fill(log, 20)
    const all = await readAll(log)
    fs.crash()
    const image = fs.afterCrash('process-kill')
    const seg0 = image.live.files.get('/data/t-0/00000000000000000000.log')!
    // Corrupt one byte of the second batch of the first segment (inside the CRC range).
    const second = all[1]!.bytes.length + 40
    seg0.data[second] = seg0.data[second]! ^ 0xff
    const { log: again, store } = await openLog(image, { segmentBytes: 600 })
    expect(again.logEndOffset()).toBe(3n)
    expect(await readAll(again)).toEqual(all.slice(0, 1))
    expect((again as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()).toEqual([0n])
    expect([...image.live.files.keys()].filter((p) => p.endsWith('.log'))).toEqual([
      '/data/t-0/00000000000000000000.log',
    ])
    await store.close()
  })

  it('rebuilds missing and corrupt index files', async () => {
    const fs = new MemoryFileSystem()
    const first = await openLog(fs, { segmentBytes: 600, indexIntervalBytes: 50 })
    await fill(first.log, 20)
    const all = await readAll(first.log)
    await first.store.close()
    fs.live.files.delete('/data/t-0/00000000000000000000.index')
    const ti = fs.live.files.get('/data/t-0/00000000000000000006.timeindex')!
    ti.length = 13 // not a multiple of the entry size
    const oi = fs.live.files.get('/data/t-0/00000000000000000012.index')!
    oi.data.writeInt32BE(0x7fffff00, 4) // a position past the log
    const { log, store } = await openLog(fs, { segmentBytes: 600, indexIntervalBytes: 50 })
    expect(await readAll(log)).toEqual(all)
    for (const b of all) {
      const r = await log.read(b.base + 1n, 1)
      expect(r.records[0]!.readBigInt64BE(0)).toBe(b.base)
    }
    expect(await log.offsetForTimestamp(1007n)).toMatchObject({ offset: 21n })
    expect(fs.live.files.has('/data/t-0/00000000000000000000.index')).toBe(true)
    await store.close()
  })

  it('cleans up leftovers of interrupted operations', async () => {
    const fs = new MemoryFileSystem()
    const first = await openLog(fs)
    await fill(first.log, 3)
    await first.store.close()
    const stray = async (path: string): Promise<void> => {
      const h = await fs.open(path, { create: true })
      await h.write(Buffer.from('junk'), 0, 4, 0)
      await h.close()
    }
    await stray('/data/t-0/00000000000000000100.index')
    await stray('/data/t-0/00000000000000000050.log.deleted')
    await stray('/data/t-0/00000000000000000050.log.cleaned')
    await stray('/data/t-0/leader-epoch-checkpoint.tmp')
    await fs.mkdir('/data/gone-0.abc-delete')
    await stray('/data/gone-0.abc-delete/00000000000000000000.log')
    const { log, store } = await openLog(fs)
    expect(log.logEndOffset()).toBe(9n)
    expect(await fs.readdir('/data/t-0')).toEqual([
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
      'leader-epoch-checkpoint',
    ])
    expect(await fs.stat('/data/gone-0.abc-delete')).toBeUndefined()
    await store.close()
  })

  it('refuses an append on ENOSPC and keeps the log consistent', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs)
    await fill(log, 3)
    fs.faults.capacityBytes = fs.usedBytes() + 50
    const err: unknown = await log.append(simpleBatch(3, 100), { leaderEpoch: 0 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaError)
    expect((err as KafkaError).code).toBe(56)
    expect(log.logEndOffset()).toBe(9n)
    fs.faults.capacityBytes = undefined
    expect((await log.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(9n)
    expect((await readAll(log)).length).toBe(4)
    await store.close()
  })

  it('completes appends through short writes', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs)
    fs.faults.shortWrite = { match: (p) => p.endsWith('.log'), maxBytes: 7 }
    await fill(log, 5)
    fs.faults.shortWrite = undefined
    expect((await readAll(log)).length).toBe(5)
    await store.close()
  })

  it('reports fsync failures in durable mode and takes the log offline', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs, { durable: true })
    await fill(log, 2)
    fs.faults.syncError = (p) => p.endsWith('.log')
    const err: unknown = await log.append(simpleBatch(1), { leaderEpoch: 0 }).catch((e: unknown) => e)
    expect((err as KafkaError).code).toBe(56)
    const again: unknown = await log.append(simpleBatch(1), { leaderEpoch: 0 }).catch((e: unknown) => e)
    expect((again as KafkaError).code).toBe(56)
    expect((await log.read(0n, 1 << 20)).records.length).toBeGreaterThan(0)
    fs.faults.syncError = undefined
    await store.close()
    expect(fs.live.files.has('/data/.kafka_cleanshutdown')).toBe(false)
  })

  it('acknowledges a durable append whose segment retention or truncation removed before its fsync round', async () => {
    const fs = new MemoryFileSystem()
    let now = 2_000_000
    const { log, store } = await openLog(fs, { durable: true, retentionMs: 1_000 }, { now: () => now })
    await fill(log, 2) // timestamps ~1000 ms: long expired
    now += 10
    // The append's fsync round starts on a later tick; retention runs first and deletes (renames
    // away) the segment the append wrote to, rolling a fresh one.
    const appended = log.append(simpleBatch(1, 10, 1_500n), { leaderEpoch: 0 })
    const maintained = store.maintain(now)
    const r = await appended
    await maintained
    expect(r.baseOffset).toBe(6n)
    expect(log.logStartOffset()).toBe(7n)
    // Still online: later durable appends, a truncation racing another round, and a restart.
    expect((await log.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(7n)
    const again = log.append(simpleBatch(2), { leaderEpoch: 0 })
    const truncated = log.truncateTo(4n)
    await again
    await truncated
    expect([log.logStartOffset(), log.logEndOffset()]).toEqual([4n, 4n])
    expect((await log.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(4n)
    await store.close()
    expect(fs.live.files.has('/data/.kafka_cleanshutdown')).toBe(true)
  })

  it('gives a clear error when a partition directory cannot be opened', async () => {
    const fs = new MemoryFileSystem()
    const first = await openLog(fs)
    await fill(first.log, 1)
    await first.store.close()
    fs.faults.permissionDenied = (p) => p.endsWith('.log')
    const store = await openStore(fs)
    const err: unknown = await store.open(TP, config()).catch((e: unknown) => e)
    expect((err as KafkaError).code).toBe(56)
    expect((err as KafkaError).message).toMatch(/EACCES/)
    await store.close()
  })

  it('acknowledges durable appends only after fsync, sharing fsyncs across concurrent appends', async () => {
    const fs = new MemoryFileSystem()
    const store = await openStore(fs)
    const logs = await Promise.all(
      [0, 1, 2, 3].map((p) => store.open({ topic: 'd', partition: p }, config({ durable: true }))),
    )
    const syncsBefore = fs.syncCount
    const acked: { p: number; base: bigint }[] = []
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const p = i % 4
        const r = await logs[p]!.append(makeBatch([{ value: Buffer.from(`v${i}`) }]), { leaderEpoch: 0 })
        acked.push({ p, base: r.baseOffset })
      }),
    )
    const syncs = fs.syncCount - syncsBefore
    expect(syncs).toBeGreaterThan(0)
    expect(syncs).toBeLessThan(40)
    fs.crash()
    const image = fs.afterCrash('power-loss')
    const s2 = await openStore(image)
    for (let p = 0; p < 4; p++) {
      const log = await s2.open({ topic: 'd', partition: p }, config())
      expect(log.logEndOffset()).toBe(10n)
    }
    await s2.close()
  })

  it('costs one data fsync per partition per round in durable mode, no index or directory fsync', async () => {
    const fs = new MemoryFileSystem()
    fs.traceEnabled = true
    const store = await openStore(fs)
    const cfg = config({ durable: true, flushMessages: 1 })
    const logs = await Promise.all(
      Array.from({ length: 8 }, (_, p) => store.open({ topic: 'gc', partition: p }, cfg)),
    )
    // The first append of a new partition makes its directory durable once.
    await Promise.all(logs.map((log) => log.append(simpleBatch(1), { leaderEpoch: 0 })))
    const opsBefore = fs.trace.length
    const syncsBefore = fs.syncCount
    const roundsBefore = store.committer.rounds
    // One append in flight per partition: each append costs exactly one fdatasync.
    for (let i = 0; i < 5; i++)
      await Promise.all(logs.map((log) => log.append(simpleBatch(1), { leaderEpoch: 0 })))
    const ops = fs.trace.slice(opsBefore)
    expect(ops.filter((op) => / sync /.test(op) && !op.endsWith('.log')).length).toBe(0)
    expect(ops.filter((op) => / syncDir /.test(op)).length).toBe(0)
    expect(fs.syncCount - syncsBefore).toBe(40)
    expect(store.committer.rounds - roundsBefore).toBe(5)
    // Ten appends in flight per partition share their partition's fsync.
    const syncsMid = fs.syncCount
    await Promise.all(
      logs.flatMap((log) => Array.from({ length: 10 }, () => log.append(simpleBatch(1), { leaderEpoch: 0 }))),
    )
    expect(fs.syncCount - syncsMid).toBeLessThanOrEqual(16)
    // Acknowledged means durable.
    fs.crash()
    const s2 = await openStore(fs.afterCrash('power-loss'))
    for (let p = 0; p < 8; p++)
      expect((await s2.open({ topic: 'gc', partition: p }, config())).logEndOffset()).toBe(16n)
    await s2.close()
  })

  it('makes a rolled segment file durable before acknowledging a flush.messages append in it', async () => {
    const fs = new MemoryFileSystem()
    // Index fsyncs fail, so the roll's scheduled flush never reaches its directory fsync: the
    // append path alone must make the new segment's directory entry durable.
    fs.faults.syncError = (p) => p.endsWith('.index') || p.endsWith('.timeindex')
    const { log } = await openLog(fs, { flushMessages: 1, segmentBytes: 300 })
    for (let i = 0; i < 6; i++) await log.append(simpleBatch(1, 100), { leaderEpoch: 0 })
    await new Promise((r) => setTimeout(r, 10))
    fs.faults.syncError = undefined
    fs.crash()
    const s2 = await openStore(fs.afterCrash('power-loss'))
    expect((await s2.open(TP, config())).logEndOffset()).toBe(6n)
    await s2.close()
  })

  it('fsyncs an earlier segment with unsynced data before acknowledging a flush.messages append', async () => {
    const fs = new MemoryFileSystem()
    // Three 170-byte batches per segment; every second message is fsynced before its ack.
    const { log } = await openLog(fs, { flushMessages: 2, segmentBytes: 510 })
    const acked: bigint[] = []
    const append = async (): Promise<void> => {
      const r = await log.append(simpleBatch(1, 100), { leaderEpoch: 0 })
      acked.push(r.lastOffset + 1n)
    }
    await append()
    await append() // fsynced: offsets [0, 2)
    // From here the first segment cannot be fsynced: neither by the roll's scheduled flush nor
    // by the append path. Offset 2 is only in its page cache when offset 3 rolls.
    fs.faults.syncError = (p) => p.endsWith('00000000000000000000.log')
    await append()
    // Acknowledging offset 3 would be wrong: a power loss drops offset 2 and so everything after.
    await append().catch(() => undefined)
    await new Promise((r) => setTimeout(r, 10))
    fs.faults.syncError = undefined
    fs.crash()
    const s2 = await openStore(fs.afterCrash('power-loss'))
    const end = (await s2.open(TP, config())).logEndOffset()
    // Offset 2 was acknowledged without fsync (one message short of flush.messages).
    expect(acked).toEqual([1n, 2n, 3n])
    expect(end).toBeGreaterThanOrEqual(2n)
    await s2.close()
  })

  it('fsyncs by flush.messages and flush.ms', async () => {
    const fs = new MemoryFileSystem()
    const byCount = await openStore(fs)
    const a = await byCount.open({ topic: 'fm', partition: 0 }, config({ flushMessages: 6 }))
    const b = await byCount.open({ topic: 'ft', partition: 0 }, config({ flushMs: 20 }))
    await a.append(simpleBatch(3), { leaderEpoch: 0 })
    await a.append(simpleBatch(3), { leaderEpoch: 0 }) // 6 messages: flushed before acknowledging
    await a.append(simpleBatch(1), { leaderEpoch: 0 }) // below the threshold: not flushed
    await b.append(simpleBatch(2), { leaderEpoch: 0 })
    // What a power loss right now would leave: flush.ms has not fired yet.
    const early = await openStore(fs.afterCrash('power-loss'))
    expect((await early.open({ topic: 'fm', partition: 0 }, config())).logEndOffset()).toBe(6n)
    expect((await early.open({ topic: 'ft', partition: 0 }, config())).logEndOffset()).toBe(0n)
    await early.close()
    await new Promise((r) => setTimeout(r, 80))
    fs.crash()
    const after = await openStore(fs.afterCrash('power-loss'))
    expect((await after.open({ topic: 'fm', partition: 0 }, config())).logEndOffset()).toBe(6n)
    expect((await after.open({ topic: 'ft', partition: 0 }, config())).logEndOffset()).toBe(2n)
    await after.close()
  })

  it('keeps open files within the limit', async () => {
    const fs = new MemoryFileSystem()
    const store = await openStore(fs, { maxOpenFiles: 4 })
    const logs = await Promise.all(
      Array.from({ length: 12 }, (_, p) =>
        store.open({ topic: 'many', partition: p }, config({ segmentBytes: 500 })),
      ),
    )
    for (let round = 0; round < 5; round++)
      for (const log of logs) await log.append(simpleBatch(2, 60), { leaderEpoch: 0 })
    for (const log of logs) expect((await readAll(log)).length).toBe(5)
    expect(store.openFiles()).toBeLessThanOrEqual(4)
    await store.close()
  })

  it('closes idle files and drops idle indexes on maintain, reopening them on demand', async () => {
    const fs = new MemoryFileSystem()
    let now = 1_000
    const store = await openStore(fs, { idleMs: 10, now: () => now })
    const log = await store.open(TP, config({ segmentBytes: 500, retentionMs: -1 }))
    await fill(log, 10)
    const all = await readAll(log)
    expect(store.openFiles()).toBeGreaterThan(0)
    // The rolls' background flushes (fsyncs that open files) finish first; the appends may have
    // been written without yielding (synchronous page-cache writes).
    await new Promise((r) => setTimeout(r, 10))
    now += 1_000
    await store.maintain(now)
    expect(store.openFiles()).toBe(0)
    // Inactive segments forgot their indexes; the next read loads them again from the files.
    const read0 = fs.ops
    expect(await readAll(log)).toEqual(all)
    expect(fs.ops).toBe(read0) // reads are not mutations
    expect(fs.live.files.get('/data/t-0/00000000000000000000.index')).toBeDefined()
    expect(await readAll(log)).toEqual(all)
    expect(await log.offsetForTimestamp(1004n)).toMatchObject({ offset: 12n })
    expect((await log.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(30n)
    await store.close()
  })

  it('keeps an emptied log (truncation below a mid-batch log start) across a restart and power loss', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs, { segmentBytes: 300 })
    for (let i = 0; i < 6; i++) await log.append(simpleBatch(2, 50), { leaderEpoch: 1 })
    await log.deleteRecordsBefore(9n)
    await log.truncateTo(9n)
    const files = (await fs.readdir('/data/t-0')).filter((n) => n.endsWith('.log'))
    expect(files).toEqual(['00000000000000000009.log'])
    fs.crash()
    for (const mode of ['power-loss', 'process-kill'] as const) {
      const { log: again, store: s2 } = await openLog(fs.afterCrash(mode), { segmentBytes: 300 })
      expect(again.logStartOffset()).toBe(9n)
      expect(again.logEndOffset()).toBe(9n)
      expect((await again.append(simpleBatch(1), { leaderEpoch: 2 })).baseOffset).toBe(9n)
      await s2.close()
    }
    await store.close().catch(() => undefined)
  })

  it('deletes a partition directory and forgets it', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs)
    await fill(log, 2)
    await store.delete(TP)
    expect(await fs.readdir('/data')).not.toContain('t-0')
    expect(store.partitions()).toEqual([])
    const again = await store.open(TP, config())
    expect(again.logEndOffset()).toBe(0n)
    await store.close()
  })
})
