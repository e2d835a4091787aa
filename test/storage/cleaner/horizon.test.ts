// Delete-horizon passes (KIP-534) through a store's maintain(): a compacted log that receives no
// new writes still loses its tombstones once their batch's delete horizon has passed, and is not
// touched before that.

import { describe, expect, it, vi } from 'vitest'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import type { LogConfig, LogStore, PartitionLog } from '../../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/memory/index.ts'
import { pendingDeleteHorizon, type CompactableLog } from '../../../src/storage/cleaner/round.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import { keyedBatch, readAllRecords, type SeenRecord } from './records.ts'

// Records are stamped 1_000_000; the first pass runs at STAMP, so the horizon is STAMP + RETENTION.
const STAMP = 2_000_000
const RETENTION = 1_000_000
const HORIZON = STAMP + RETENTION

const cfg = (): LogConfig =>
  config({
    cleanupPolicy: { delete: false, compact: true },
    // One ~90-byte batch per segment.
    segmentBytes: 120,
    minCleanableDirtyRatio: 0.5,
    deleteRetentionMs: RETENTION,
  })

const subjects: [string, () => Promise<LogStore>][] = [
  ['memory', () => Promise.resolve(createMemoryLogStore({ now: () => STAMP }))],
  ['disk', () => openStore(new MemoryFileSystem(), { now: () => STAMP })],
]

async function put(log: PartitionLog, key: string, value: string | null): Promise<void> {
  await log.append(keyedBatch([{ key, value }], 1_000_000n), { leaderEpoch: 0 })
  await log.flush()
}

const show = (rs: SeenRecord[]): string[] =>
  rs.map((r) => `${r.key}${r.value === null ? '✝' : ''}@${r.offset}`)

/** a, b, a (a tombstone), c, then d in the active segment. */
async function fill(log: PartitionLog): Promise<void> {
  await put(log, 'a', 'v0')
  await put(log, 'b', 'v1')
  await put(log, 'a', null)
  await put(log, 'c', 'v3')
  await put(log, 'd', 'v4')
}

describe.each(subjects)('delete-horizon passes (%s store)', (_name, make) => {
  it('drops an expired tombstone from a log with no new writes, offsets unchanged', async () => {
    const store = await make()
    const log = await store.open(TP, cfg())
    await fill(log)
    await store.maintain(STAMP)
    expect(show(await readAllRecords(log))).toEqual(['b@1', 'a✝@2', 'c@3', 'd@4'])
    expect(pendingDeleteHorizon(log as unknown as CompactableLog)).toBe(BigInt(HORIZON))
    // No new writes: only the delete horizon can bring the cleaner back.
    await store.maintain(HORIZON)
    expect(show(await readAllRecords(log))).toEqual(['b@1', 'c@3', 'd@4'])
    expect(log.logStartOffset()).toBe(0n)
    expect(log.logEndOffset()).toBe(5n)
    expect(pendingDeleteHorizon(log as unknown as CompactableLog)).toBeNull()
    // Nothing pending any more: later rounds leave the log alone.
    const compact = vi.spyOn(log as unknown as CompactableLog, 'compact')
    await store.maintain(HORIZON * 10)
    expect(compact).not.toHaveBeenCalled()
    await store.close()
  })

  it('re-cleans nothing before the horizon', async () => {
    const store = await make()
    const log = await store.open(TP, cfg())
    await fill(log)
    await store.maintain(STAMP)
    const before = (await log.read(0n, 1 << 20)).records
    const compact = vi.spyOn(log as unknown as CompactableLog, 'compact')
    await store.maintain(STAMP + 1)
    await store.maintain(HORIZON - 1)
    expect(compact).not.toHaveBeenCalled()
    expect(Buffer.concat((await log.read(0n, 1 << 20)).records)).toEqual(Buffer.concat(before))
    await store.maintain(HORIZON)
    expect(compact).toHaveBeenCalledTimes(1)
    expect(show(await readAllRecords(log))).toEqual(['b@1', 'c@3', 'd@4'])
    await store.close()
  })
})

describe('delete horizons after a restart (disk store)', () => {
  it('finds the pending horizon from the batch headers once, then drops the tombstone on time', async () => {
    const fs = new MemoryFileSystem()
    let store = await openStore(fs, { now: () => STAMP })
    let log = await store.open(TP, cfg())
    await fill(log)
    await store.maintain(STAMP)
    await store.close()
    const rounds: { rewritten: number }[] = []
    store = await openStore(fs, {
      now: () => STAMP,
      onCleaned: (r) => rounds.push({ rewritten: r.result.segmentsRewritten }),
    })
    log = await store.open(TP, cfg())
    expect(pendingDeleteHorizon(log as unknown as CompactableLog)).toBeUndefined()
    // The first round scans (rewriting nothing), later ones before the horizon do not run.
    await store.maintain(STAMP + 1)
    await store.maintain(HORIZON - 1)
    expect(rounds).toEqual([{ rewritten: 0 }])
    expect(pendingDeleteHorizon(log as unknown as CompactableLog)).toBe(BigInt(HORIZON))
    expect(show(await readAllRecords(log))).toEqual(['b@1', 'a✝@2', 'c@3', 'd@4'])
    await store.maintain(HORIZON)
    expect(rounds).toEqual([{ rewritten: 0 }, { rewritten: 1 }])
    expect(show(await readAllRecords(log))).toEqual(['b@1', 'c@3', 'd@4'])
    // The first dirty offset did not move backwards or forwards because of the horizon passes.
    expect((await fs.readFile('/data/cleaner-offset-checkpoint')).toString()).toBe('0\n1\nt 0 4\n')
    await store.close()
  })
})
