// Producer state across restarts of the disk log, through its snapshots: a restart after a clean
// shutdown reads the snapshot and none of the segments; after a crash only the batches after the
// latest roll snapshot are scanned; producers whose batches retention deleted are still known;
// an open transaction keeps holding the LSO; and a roll snapshot taken while appends are in
// flight holds exactly the batches below the roll.

import { describe, expect, it } from 'vitest'
import { buildTxnMarkerBatch } from '../../../src/protocol/records/control-record.ts'
import type { ProducerBatch } from '../../../src/broker/produce/producer-state-hook.ts'
import { ProducerStateManager, type MarkerFlight } from '../../../src/broker/txn/producer-state.ts'
import type { AppendResult } from '../../../src/storage/log-store.ts'
import type { FileHandle, FileSystem } from '../../../src/storage/fs.ts'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import { openDiskLogStore } from '../../../src/storage/log/disk-log-store.ts'
import { decodeProducerSnapshot } from '../../../src/storage/log/producer-snapshot-file.ts'
import type { LogConfig, PartitionLog } from '../../../src/storage/log-store.ts'
import { simpleBatch } from '../../storage/batches.ts'
import { seededRandom } from '../../storage/helpers.ts'
import { config } from '../../storage/log-behaviour.ts'
import { batchBytes, produce, producerBatch } from './helpers.ts'

const TP = { topic: 't', partition: 0 }

/** Counts reads per file (to tell which segments a load touched). */
class CountingFs implements FileSystem {
  readonly inner: FileSystem
  readonly reads = new Map<string, number>()
  constructor(inner: FileSystem) {
    this.inner = inner
  }
  async open(path: string, options?: { create?: boolean }): Promise<FileHandle> {
    const h = await this.inner.open(path, options)
    return {
      read: (buf, offset, length, position) => {
        this.reads.set(path, (this.reads.get(path) ?? 0) + 1)
        return h.read(buf, offset, length, position)
      },
      write: (...a) => h.write(...a),
      truncate: (n) => h.truncate(n),
      sync: () => h.sync(),
      size: () => h.size(),
      close: () => h.close(),
    }
  }
  readFile(path: string): Promise<Buffer> {
    this.reads.set(path, (this.reads.get(path) ?? 0) + 1)
    return this.inner.readFile(path)
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to)
  }
  unlink(path: string): Promise<void> {
    return this.inner.unlink(path)
  }
  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path)
  }
  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path)
  }
  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path)
  }
  stat(path: string) {
    return this.inner.stat(path)
  }
  syncDir(path: string): Promise<void> {
    return this.inner.syncDir(path)
  }
  segmentReads(): string[] {
    return [...this.reads.keys()].filter((p) => p.endsWith('.log')).sort()
  }
}

const clock = { t: 1_700_000_000_000 }

function manager(): ProducerStateManager {
  return new ProducerStateManager({
    now: () => clock.t,
    producerIdExpirationMs: 24 * 3600_000,
    onError: (err) => {
      throw err
    },
  })
}

async function open(fs: FileSystem, overrides: Partial<LogConfig> = {}, now = () => clock.t) {
  const store = await openDiskLogStore('/data', { fs, checkpointIntervalMs: 0, now })
  const log = await store.open(TP, config({ segmentBytes: 1000, ...overrides }))
  return { store, log }
}

function segmentBases(log: PartitionLog): bigint[] {
  return (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
}

/** Three producers writing 20 batches each, interleaved; returns each one's last batch. */
async function writeProducers(m: ProducerStateManager, log: PartitionLog) {
  const last = new Map<bigint, { seq: number; offset: bigint }>()
  for (let i = 0; i < 20; i++)
    for (const pid of [1n, 2n, 3n]) {
      const r = await produce(m, log, { producerId: pid, epoch: 0, seq: i * 2, count: 2 })
      last.set(pid, { seq: i * 2, offset: r.baseOffset })
    }
  return last
}

describe('producer state snapshots across restarts', () => {
  it('after a clean shutdown: loads the snapshot, reads no segment, and still catches a retry', async () => {
    const mem = new MemoryFileSystem()
    const first = await open(mem)
    const m1 = manager()
    await m1.load(first.log)
    const last = await writeProducers(m1, first.log)
    expect(segmentBases(first.log).length).toBeGreaterThan(3)
    const end = first.log.logEndOffset()
    await m1.snapshotAll([first.log])
    await first.store.close()

    const fs = new CountingFs(mem)
    const again = await open(fs)
    fs.reads.clear() // opening reads the active segment's tail; only the producer-state load counts
    const m2 = manager()
    const r = await m2.load(again.log)
    expect(r).toMatchObject({ snapshotOffset: end, scannedFrom: end, batchesScanned: 0, producers: 3 })
    expect(fs.segmentReads()).toEqual([])
    // The retried last batch of each producer is answered with its original offset.
    for (const [pid, b] of last) {
      const retry = m2.check(
        again.log,
        producerBatch(again.log, { producerId: pid, epoch: 0, seq: b.seq, count: 2 }),
      )
      expect(retry).toMatchObject({ kind: 'duplicate', baseOffset: b.offset })
    }
    // And sequences carry on where they were: a gap is refused, the next batch accepted.
    expect(() =>
      m2.check(again.log, producerBatch(again.log, { producerId: 1n, epoch: 0, seq: 50 })),
    ).toThrow(/Out of order/)
    await expect(produce(m2, again.log, { producerId: 1n, epoch: 0, seq: 40 })).resolves.toMatchObject({
      baseOffset: end,
    })
    await again.store.close()
  })

  it('after a crash: starts from the latest roll snapshot and scans only the segment after it', async () => {
    const mem = new MemoryFileSystem()
    const first = await open(mem)
    const m1 = manager()
    await m1.load(first.log)
    const last = await writeProducers(m1, first.log)
    await m1.snapshotsWritten()
    await first.store.flush()
    const bases = segmentBases(first.log)
    const active = bases.at(-1)!
    mem.crash()

    const fs = new CountingFs(mem.afterCrash('process-kill'))
    const again = await open(fs)
    fs.reads.clear()
    const m2 = manager()
    const r = await m2.load(again.log)
    expect(r.snapshotOffset).toBe(active)
    expect(r.scannedFrom).toBe(active)
    expect(r.batchesScanned).toBe(Number((again.log.logEndOffset() - active) / 2n))
    const activeName = `/data/t-0/${active.toString().padStart(20, '0')}.log`
    expect(fs.segmentReads().filter((p) => p !== activeName)).toEqual([])
    for (const [pid, b] of last) {
      const retry = m2.check(
        again.log,
        producerBatch(again.log, { producerId: pid, epoch: 0, seq: b.seq, count: 2 }),
      )
      expect(retry).toMatchObject({ kind: 'duplicate', baseOffset: b.offset })
    }
    // The load wrote a snapshot at the log end: the next start scans nothing.
    await again.store.close()
    const third = await open(fs.inner)
    expect(await manager().load(third.log)).toMatchObject({ batchesScanned: 0 })
    await third.store.close()
  })

  it('keeps a producer whose batches retention deleted (and would forget it without snapshots)', async () => {
    const mem = new MemoryFileSystem()
    const t0 = Date.now() // producer batches carry the wall clock as their timestamps
    let now = t0
    const first = await open(mem, { retentionMs: 60_000 }, () => now)
    const m1 = manager()
    await m1.load(first.log)
    // Producer 7 writes early; plain appends as old fill a few segments, then newer ones follow.
    const early = await produce(m1, first.log, { producerId: 7n, epoch: 2, seq: 0, count: 3 })
    const retried = await produce(m1, first.log, { producerId: 7n, epoch: 2, seq: 3, count: 3 })
    for (let i = 0; i < 40; i++)
      await first.log.append(simpleBatch(2, 40, BigInt(i < 20 ? t0 : t0 + 36_000_000)), { leaderEpoch: 0 })
    await m1.snapshotsWritten()
    now = t0 + 3_600_000
    await first.store.maintain(now)
    expect(first.log.logStartOffset()).toBeGreaterThan(retried.baseOffset)
    expect(early.baseOffset).toBe(0n)
    await m1.snapshotAll([first.log])
    await first.store.close()

    const again = await open(mem, { retentionMs: 60_000 }, () => now)
    const m2 = manager()
    const r = await m2.load(again.log)
    expect(r.snapshotOffset).toBe(again.log.logEndOffset())
    const retry = producerBatch(again.log, { producerId: 7n, epoch: 2, seq: 3, count: 3 })
    expect(m2.check(again.log, retry)).toMatchObject({ kind: 'duplicate', baseOffset: retried.baseOffset })
    // A zombie with an older epoch is still fenced.
    expect(() => m2.check(again.log, producerBatch(again.log, { producerId: 7n, epoch: 1, seq: 0 }))).toThrow(
      /smaller than the last seen epoch/,
    )
    await again.store.close()

    // The contrast: rebuilt from the remaining segments alone, producer 7 is unknown and the
    // retry would be written a second time.
    for (const p of [...mem.live.files.keys()].filter((f) => f.endsWith('.snapshot'))) await mem.unlink(p)
    const bare = await open(mem, { retentionMs: 60_000 }, () => now)
    const m3 = manager()
    await m3.load(bare.log)
    expect(
      m3.check(bare.log, producerBatch(bare.log, { producerId: 7n, epoch: 2, seq: 3, count: 3 })),
    ).toEqual({
      kind: 'append',
    })
    await bare.store.close()
  })

  it('an open transaction spans a restart: the LSO stays at its first offset until the marker', async () => {
    for (const crash of [false, true]) {
      const mem = new MemoryFileSystem()
      const first = await open(mem)
      const m1 = manager()
      await m1.load(first.log)
      await produce(m1, first.log, { producerId: 1n, epoch: 0, seq: 0, count: 2 })
      const txn = await produce(m1, first.log, {
        producerId: 5n,
        epoch: 0,
        seq: 0,
        count: 2,
        transactional: true,
      })
      // Enough after it to roll a few segments, so the snapshot (not the scan) carries the txn.
      for (let i = 1; i <= 30; i++)
        await produce(m1, first.log, { producerId: 1n, epoch: 0, seq: i * 2, count: 2 })
      expect(first.log.lastStableOffset()).toBe(txn.baseOffset)
      await m1.snapshotsWritten()
      if (crash) {
        await first.store.flush()
        mem.crash()
      } else {
        await m1.snapshotAll([first.log])
        await first.store.close()
      }
      const again = await open(crash ? mem.afterCrash('process-kill') : mem)
      const m2 = manager()
      const r = await m2.load(again.log)
      expect(r.snapshotOffset).toBeGreaterThan(txn.baseOffset)
      expect(again.log.lastStableOffset()).toBe(txn.baseOffset)
      expect(m2.openTxnFirstOffset(again.log, 5n)).toBe(txn.baseOffset)
      // The transaction goes on after the restart: another batch, then its ABORT marker.
      await produce(m2, again.log, { producerId: 5n, epoch: 0, seq: 2, count: 1, transactional: true })
      expect(again.log.lastStableOffset()).toBe(txn.baseOffset)
      const marker = await again.log.append(
        buildTxnMarkerBatch({
          commit: false,
          producerId: 5n,
          producerEpoch: 0,
          coordinatorEpoch: 3,
          timestamp: 0n,
        }),
        { leaderEpoch: 0 },
      )
      await again.log.addAbortedTransaction({
        producerId: 5n,
        firstOffset: txn.baseOffset,
        lastOffset: marker.lastOffset,
        lastStableOffset: marker.lastOffset + 1n,
      })
      m2.markerAppended(again.log, 5n, 0, 3)
      expect(again.log.lastStableOffset()).toBe(again.log.logEndOffset())
      await again.store.close()
    }
  })

  it('a roll snapshot taken with appends in flight holds exactly the batches below the roll', async () => {
    const mem = new MemoryFileSystem()
    const { store, log } = await open(mem, { segmentBytes: 100 })
    const m = manager()
    await m.load(log)
    // Batches of ~100 bytes: the second append rolls. Both are checked (in flight) before either
    // reports back, as pipelined Produce requests are.
    const b1 = producerBatch(log, { producerId: 1n, epoch: 0, seq: 0, count: 1 })
    const b2 = producerBatch(log, { producerId: 2n, epoch: 0, seq: 0, count: 1 })
    expect(m.check(log, b1).kind).toBe('append')
    expect(m.check(log, b2).kind).toBe('append')
    const p1 = log.append(batchBytes({ producerId: 1n, epoch: 0, seq: 0 }), { leaderEpoch: 0 })
    const p2 = log.append(batchBytes({ producerId: 2n, epoch: 0, seq: 0 }), { leaderEpoch: 0 })
    const [r1, r2] = await Promise.all([p1, p2])
    expect(segmentBases(log)).toEqual([0n, 1n])
    m.appended(log, b1, r1)
    m.appended(log, b2, r2)
    await m.snapshotsWritten()
    const snap = await log.latestProducerSnapshot()
    expect(snap?.offset).toBe(1n)
    const byPid = new Map(snap!.entries.map((e) => [e.producerId, e]))
    expect(byPid.get(1n)).toMatchObject({ lastSequence: 0, lastOffset: 0n })
    // Producer 2's batch landed at the roll offset: not in the snapshot's batches.
    expect(byPid.get(2n)?.lastOffset ?? -1n).toBe(-1n)
    await store.close()
  })

  it('every roll snapshot equals the state rebuilt from the log below it (random pipelined load)', async () => {
    for (let seed = 0; seed < 8; seed++) {
      const random = seededRandom(seed)
      const pick = (n: number): number => Math.floor(random() * n)
      const mem = new MemoryFileSystem()
      const { store, log } = await open(mem, { segmentBytes: 400 + pick(400) })
      const m = manager()
      await m.load(log)
      const next = new Map<bigint, number>()
      const openTxn = new Set<bigint>()
      for (let round = 0; round < 40; round++) {
        // A few appends (and maybe a marker) in flight at once; they report back in log order,
        // only after all of them are in the log, as pipelined requests can.
        type Job =
          | { kind: 'batch'; b: ProducerBatch; p: Promise<AppendResult> }
          | {
              kind: 'marker'
              pid: bigint
              coordinatorEpoch: number
              flight: MarkerFlight
              p: Promise<AppendResult>
            }
        const jobs: Job[] = []
        // As clients do: EndTxn (the marker) only once the transaction's batches are acknowledged,
        // and the next transaction's batches only once EndTxn answered.
        const batching = new Set<bigint>()
        const ending = new Set<bigint>()
        for (let k = 1 + pick(4); k > 0; k--) {
          const pid = BigInt(1 + pick(4))
          if (ending.has(pid)) continue
          if (openTxn.has(pid) && !batching.has(pid) && random() < 0.3) {
            ending.add(pid)
            const coordinatorEpoch = pick(5)
            const flight = m.markerStarted(log)
            const p = log.append(
              buildTxnMarkerBatch({
                commit: random() < 0.5,
                producerId: pid,
                producerEpoch: 0,
                coordinatorEpoch,
                timestamp: 0n,
              }),
              { leaderEpoch: 0 },
            )
            openTxn.delete(pid)
            jobs.push({ kind: 'marker', pid, coordinatorEpoch, flight, p })
            continue
          }
          const spec = {
            producerId: pid,
            epoch: 0,
            seq: next.get(pid) ?? 0,
            count: 1 + pick(3),
            transactional: openTxn.has(pid) || random() < 0.2,
          }
          batching.add(pid)
          const b = producerBatch(log, spec)
          expect(m.check(log, b).kind).toBe('append')
          if (spec.transactional) openTxn.add(pid)
          next.set(pid, spec.seq + (spec.count ?? 1))
          jobs.push({ kind: 'batch', b, p: log.append(batchBytes(spec), { leaderEpoch: 0 }) })
          if (random() < 0.3) await log.append(simpleBatch(1 + pick(3), 30), { leaderEpoch: 0 })
        }
        for (const job of jobs) {
          const r = await job.p
          if (job.kind === 'batch') m.appended(log, job.b, r)
          else
            m.markerAppended(log, job.pid, 0, job.coordinatorEpoch, {
              flight: job.flight,
              offset: r.baseOffset,
            })
        }
      }
      await m.snapshotsWritten()
      const offsets = (log as unknown as { producerSnapshotOffsets(): bigint[] }).producerSnapshotOffsets()
      expect(offsets.length, `seed ${seed}`).toBeGreaterThan(3)
      for (const at of offsets) {
        // The reference: the same log cut at `at`, without snapshots, rebuilt by a full scan.
        const copy = mem.snapshot()
        for (const f of [...copy.live.files.keys()].filter((f) => f.endsWith('.snapshot')))
          await copy.unlink(f)
        const ref = await open(copy, { segmentBytes: 1 << 20 })
        await ref.log.truncateTo(at)
        const rm = manager()
        await rm.load(ref.log)
        const expected = rm
          .describe(ref.log)
          .filter((p) => p.lastSequence >= 0 || p.currentTxnStartOffset >= 0n)
          .map((p) => [
            p.producerId,
            p.producerEpoch,
            p.lastSequence,
            p.currentTxnStartOffset,
            p.coordinatorEpoch,
          ])
          .sort()
        await ref.store.close()
        const stored = await mem.readFile(`/data/t-0/${at.toString().padStart(20, '0')}.snapshot`)
        const actual = decodeProducerSnapshot(stored)
          .filter((e) => e.lastOffset >= 0n || e.currentTxnFirstOffset >= 0n)
          .map((e) => [
            e.producerId,
            e.producerEpoch,
            e.lastSequence,
            e.currentTxnFirstOffset,
            e.coordinatorEpoch,
          ])
          .sort()
        expect(actual, `seed ${seed}, snapshot at ${at}`).toEqual(expected)
      }
      await store.close()
    }
  })
})
