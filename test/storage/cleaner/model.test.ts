// Model test: random keyed appends (with tombstones and keyless records), compaction passes,
// restarts and crashes, on the memory log and the disk log; after every step the log's records
// must equal a model that keeps, below each pass's cleanable end, only the latest record per key
// (a tombstone's batch gets a delete horizon on the first pass that keeps it, and its tombstones
// go in a pass at or after it), and everything above it untouched, with every offset preserved.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import type { LogConfig, PartitionLog } from '../../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/memory/index.ts'
import type { CompactableLog } from '../../../src/storage/cleaner/round.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import { keyedBatch, readAllRecords, type KV, type SeenRecord } from './records.ts'

type Cmd =
  | { kind: 'append'; records: KV[] }
  | { kind: 'compact'; advance: number }
  | { kind: 'restart' }
  | { kind: 'crash' }

const kv: fc.Arbitrary<KV> = fc.record({
  key: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  value: fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
})

function commands(disk: boolean): fc.Arbitrary<Cmd[]> {
  const options: fc.Arbitrary<Cmd>[] = [
    fc.array(kv, { minLength: 1, maxLength: 4 }).map((records) => ({ kind: 'append' as const, records })),
    fc.array(kv, { minLength: 1, maxLength: 4 }).map((records) => ({ kind: 'append' as const, records })),
    fc.array(kv, { minLength: 1, maxLength: 4 }).map((records) => ({ kind: 'append' as const, records })),
    fc.integer({ min: 0, max: 2500 }).map((advance) => ({ kind: 'compact' as const, advance })),
  ]
  if (disk) options.push(fc.constant({ kind: 'restart' as const }), fc.constant({ kind: 'crash' as const }))
  return fc.array(fc.oneof(...options), { minLength: 10, maxLength: 80 })
}

/**
 * What one pass at `now` leaves: below `end`, the latest record per key, minus tombstones whose
 * batch horizon has passed; batches keeping a tombstone get the horizon now + retention.
 */
function modelClean(
  model: SeenRecord[],
  end: bigint,
  now: number,
  retentionMs: number,
  batchOf: Map<bigint, number>,
  horizons: Map<number, number>,
): SeenRecord[] {
  const latest = new Map<string, bigint>()
  for (const r of model) if (r.offset < end && r.key !== null) latest.set(r.key, r.offset)
  const stamped = new Set<number>()
  const out = model.filter((r) => {
    if (r.offset >= end) return true
    const batch = batchOf.get(r.offset)!
    const horizon = horizons.get(batch)
    const keep =
      r.key !== null &&
      latest.get(r.key) === r.offset &&
      !(r.value === null && horizon !== undefined && horizon <= now)
    if (keep && r.value === null && horizon === undefined) stamped.add(batch)
    return keep
  })
  for (const b of stamped) horizons.set(b, now + retentionMs)
  return out
}

interface Harness {
  log(): PartitionLog & CompactableLog
  restart?(crash: boolean): Promise<void>
  close(): Promise<void>
}

const START = 1_000_000 + 10_000_000
/** Totals over all runs, so the test can check that passes did real work. */
const stats = { passes: 0, removed: 0, rewritten: 0, merged: 0, restarts: 0, tombstonesDropped: 0 }
/** More runs from the environment (e.g. STORAGE_MODEL_RUN_FACTOR=10). */
const RUN_FACTOR = Number(process.env.STORAGE_MODEL_RUN_FACTOR ?? 1)

async function run(cmds: Cmd[], retentionMs: number, h: Harness): Promise<void> {
  let model: SeenRecord[] = []
  const batchOf = new Map<bigint, number>()
  const horizons = new Map<number, number>()
  let firstDirty: bigint | undefined
  let now = START
  let batches = 0
  try {
    for (const cmd of cmds) {
      if (cmd.kind === 'append') {
        const r = await h.log().append(keyedBatch(cmd.records), { leaderEpoch: 0 })
        const batch = batches++
        cmd.records.forEach((rec, i) => {
          model.push({ offset: r.baseOffset + BigInt(i), ...rec })
          batchOf.set(r.baseOffset + BigInt(i), batch)
        })
      } else if (cmd.kind === 'compact') {
        now += cmd.advance
        const plan = await h.log().planCompaction(now, firstDirty)
        if (plan === undefined) continue
        const result = await h.log().compact(plan, now)
        expect(result.complete).toBe(true)
        expect(result.cleanedTo).toBe(plan.cleanableEnd)
        stats.passes++
        stats.removed += result.recordsRemoved
        stats.rewritten += result.segmentsRewritten
        stats.merged += result.segmentsMerged
        const before = model.filter((r) => r.value === null).length
        model = modelClean(model, plan.cleanableEnd, now, retentionMs, batchOf, horizons)
        stats.tombstonesDropped += before - model.filter((r) => r.value === null).length
        firstDirty = result.cleanedTo
      } else {
        await h.restart!(cmd.kind === 'crash')
        stats.restarts++
      }
      expect(await readAllRecords(h.log())).toEqual(model)
    }
  } finally {
    await h.close()
  }
}

function cfg(retentionMs: number): LogConfig {
  return config({
    cleanupPolicy: { delete: false, compact: true },
    segmentBytes: 300,
    indexIntervalBytes: 64,
    minCleanableDirtyRatio: 0,
    minCompactionLagMs: 0,
    deleteRetentionMs: retentionMs,
  })
}

describe('compaction model', () => {
  it(
    'memory log',
    async () => {
      Object.assign(stats, {
        passes: 0,
        removed: 0,
        rewritten: 0,
        merged: 0,
        restarts: 0,
        tombstonesDropped: 0,
      })
      await fc.assert(
        fc.asyncProperty(commands(false), fc.constantFrom(1000, 1e12), async (cmds, retention) => {
          const store = createMemoryLogStore({ now: () => START })
          const log = (await store.open(TP, cfg(retention))) as PartitionLog & CompactableLog
          await run(cmds, retention, { log: () => log, close: () => store.close() })
        }),
        { numRuns: 150 * RUN_FACTOR },
      )
      expect(stats.removed).toBeGreaterThan(100)
      expect(stats.rewritten).toBeGreaterThan(50)
      expect(stats.tombstonesDropped).toBeGreaterThan(10)
      expect(stats.merged).toBeGreaterThan(20)
      console.log(`memory model totals: ${JSON.stringify(stats)}`)
    },
    60_000 * RUN_FACTOR,
  )

  it(
    'disk log, with restarts and process crashes',
    async () => {
      Object.assign(stats, {
        passes: 0,
        removed: 0,
        rewritten: 0,
        merged: 0,
        restarts: 0,
        tombstonesDropped: 0,
      })
      await fc.assert(
        fc.asyncProperty(commands(true), fc.constantFrom(1000, 1e12), async (cmds, retention) => {
          let fs = new MemoryFileSystem()
          let store = await openStore(fs, { now: () => START })
          let log = (await store.open(TP, cfg(retention))) as PartitionLog & CompactableLog
          await run(cmds, retention, {
            log: () => log,
            restart: async (crash) => {
              if (crash) {
                fs.crash()
                fs = fs.afterCrash('process-kill')
              } else await store.close()
              store = await openStore(fs, { now: () => START })
              log = (await store.open(TP, cfg(retention))) as PartitionLog & CompactableLog
            },
            close: () => store.close(),
          })
        }),
        { numRuns: 60 * RUN_FACTOR },
      )
      expect(stats.removed).toBeGreaterThan(100)
      expect(stats.rewritten).toBeGreaterThan(50)
      expect(stats.restarts).toBeGreaterThan(20)
      expect(stats.merged).toBeGreaterThan(0)
      console.log(`model totals: ${JSON.stringify(stats)}`)
    },
    120_000 * RUN_FACTOR,
  )
})
