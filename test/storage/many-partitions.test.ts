// Many partitions at once: creating, appending, closing and deleting partitions concurrently
// (as the topic manager does with bounded parallelism) must stay crash safe. A crash at any
// file-system operation leaves every partition either usable or absent, never half made; and a
// partition re-created under a deleted one's name never inherits its checkpointed offsets.

import { describe, expect, it } from 'vitest'
import { CrashError, MemoryFileSystem } from '../../src/storage/fs.ts'
import type { TopicPartition } from '../../src/storage/log-store.ts'
import { forEachLimit } from '../../src/storage/parallel.ts'
import { simpleBatch } from './batches.ts'
import { config } from './log-behaviour.ts'
import { openStore, readAll, seededRandom } from './helpers.ts'

const PARTITIONS: TopicPartition[] = Array.from({ length: 6 }, (_, p) => ({ topic: 'm', partition: p }))
const key = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`

interface Outcome {
  /** Per partition: offsets [0, n) acknowledged after an fsync (flush or close). */
  durable: Map<string, bigint>
  /** Per partition: offsets [0, n) acknowledged (survive a process kill). */
  acked: Map<string, bigint>
  /** Partitions whose delete completed (no crash may bring them back). */
  deleted: Set<string>
  /** Partitions whose delete began (they may be gone). */
  deleting: Set<string>
}

async function workload(fs: MemoryFileSystem, out: Outcome): Promise<void> {
  const store = await openStore(fs)
  const cfg = config()
  const logs = new Map<string, Awaited<ReturnType<typeof store.open>>>()
  await forEachLimit(PARTITIONS, 4, async (tp) => {
    logs.set(key(tp), await store.open(tp, cfg))
  })
  // Appends to half of them; the others stay empty (no segment file yet).
  await forEachLimit(PARTITIONS.slice(0, 3), 3, async (tp) => {
    const r = await logs.get(key(tp))!.append(simpleBatch(2, 20), { leaderEpoch: 1 })
    out.acked.set(key(tp), r.lastOffset + 1n)
  })
  await store.flush()
  for (const [k, n] of out.acked) out.durable.set(k, n)
  await forEachLimit([PARTITIONS[0]!, PARTITIONS[4]!], 2, async (tp) => {
    out.deleting.add(key(tp))
    await store.delete(tp)
    out.deleted.add(key(tp))
  })
  // Re-created under a deleted name: must start empty at offset 0, however the crash falls.
  out.deleted.delete(key(PARTITIONS[0]!))
  out.acked.delete(key(PARTITIONS[0]!))
  out.durable.delete(key(PARTITIONS[0]!))
  const again = await store.open(PARTITIONS[0]!, cfg)
  const r = await again.append(simpleBatch(1, 20), { leaderEpoch: 2 })
  out.acked.set(key(PARTITIONS[0]!), r.lastOffset + 1n)
  await store.close()
  for (const [k, n] of out.acked) out.durable.set(k, n)
}

async function verify(image: MemoryFileSystem, out: Outcome, processKill: boolean): Promise<void> {
  const store = await openStore(image)
  const present = new Set(store.partitions().map(key))
  for (const k of out.deleted) expect(present.has(k), `${k} came back`).toBe(false)
  for (const tp of PARTITIONS) {
    if (!present.has(key(tp))) {
      // Never created durably, or deleted: nothing acknowledged durably may be missing.
      if (!out.deleting.has(key(tp)))
        expect(out.durable.get(key(tp)) ?? 0n, `${key(tp)} lost durable data`).toBe(0n)
      continue
    }
    const log = await store.open(tp, config())
    const batches = await readAll(log)
    const end = log.logEndOffset()
    const mustHave = (processKill ? out.acked : out.durable).get(key(tp)) ?? 0n
    expect(end >= mustHave, `${key(tp)} ends at ${end}, below ${mustHave}`).toBe(true)
    expect(log.logStartOffset()).toBe(0n)
    if (batches.length > 0) expect(batches[batches.length - 1]!.last + 1n).toBe(end)
    expect((await log.append(simpleBatch(1), { leaderEpoch: 3 })).baseOffset).toBe(end)
  }
  await store.close()
}

describe('many partitions at once', () => {
  it('a crash at any operation while creating, flushing and deleting partitions concurrently leaves each usable or absent', async () => {
    const counting = new MemoryFileSystem()
    await workload(counting, {
      durable: new Map(),
      acked: new Map(),
      deleted: new Set(),
      deleting: new Set(),
    })
    const total = counting.ops
    expect(total).toBeGreaterThan(20)
    for (let n = 0; n <= total; n++) {
      const fs = new MemoryFileSystem()
      fs.faults.crashAfterOps = n
      const out: Outcome = { durable: new Map(), acked: new Map(), deleted: new Set(), deleting: new Set() }
      try {
        await workload(fs, out)
      } catch (err) {
        const crashed = err instanceof CrashError || (err instanceof Error && err.cause instanceof CrashError)
        if (!crashed && !String(err).includes('crash')) throw err
      }
      fs.crash()
      await new Promise((r) => setImmediate(r))
      for (const mode of ['power-loss', 'torn-garbage', 'process-kill'] as const) {
        try {
          await verify(fs.afterCrash(mode, seededRandom(n)), out, mode === 'process-kill')
        } catch (err) {
          throw new Error(`crash after op ${n}/${total} (${mode}): ${String(err)}`, { cause: err })
        }
      }
    }
  })

  it('a partition re-created under a deleted name does not inherit its checkpointed offsets', async () => {
    const fs = new MemoryFileSystem()
    const tp = PARTITIONS[1]!
    const store = await openStore(fs)
    const log = await store.open(tp, config())
    for (let i = 0; i < 5; i++) await log.append(simpleBatch(2), { leaderEpoch: 0 })
    await log.deleteRecordsBefore(6n)
    await store.flush()
    await store.delete(tp)
    // Re-created in the same session, written, then the machine dies before any checkpoint write.
    const again = await store.open(tp, config())
    expect(again.logStartOffset()).toBe(0n)
    await again.append(simpleBatch(1), { leaderEpoch: 0 })
    await again.flush()
    fs.crash()
    const restarted = await openStore(fs.afterCrash('power-loss'))
    const log2 = await restarted.open(tp, config())
    expect(log2.logStartOffset()).toBe(0n)
    expect(log2.logEndOffset()).toBe(1n)
    await restarted.close()
  })

  it('a partition deleted before a crash comes back empty when re-created after the restart', async () => {
    const fs = new MemoryFileSystem()
    const tp = PARTITIONS[2]!
    const store = await openStore(fs)
    const log = await store.open(tp, config())
    for (let i = 0; i < 5; i++) await log.append(simpleBatch(2), { leaderEpoch: 0 })
    await log.deleteRecordsBefore(6n)
    await store.flush()
    await store.delete(tp)
    fs.crash()
    const image = fs.afterCrash('power-loss')
    const restarted = await openStore(image)
    expect(restarted.partitions()).toEqual([])
    const fresh = await restarted.open(tp, config())
    expect(fresh.logStartOffset()).toBe(0n)
    await fresh.append(simpleBatch(1), { leaderEpoch: 0 })
    await fresh.flush()
    image.crash()
    // The stale entries must be gone from the files too, not only from memory.
    const third = await openStore(image.afterCrash('power-loss'))
    const log3 = await third.open(tp, config())
    expect(log3.logStartOffset()).toBe(0n)
    expect(log3.logEndOffset()).toBe(1n)
    await third.close()
  })
})
