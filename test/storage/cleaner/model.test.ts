// Model test: random keyed appends (with tombstones and keyless records), compaction passes,
// restarts and crashes, on the memory log and the disk log; after every step the log's records
// must equal a model that keeps, below each pass's cleanable end, only the latest record per key
// (tombstones dropped once past delete.retention.ms), and everything above it untouched, with
// every offset preserved.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import type { LogConfig, PartitionLog } from '../../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/memory/index.ts'
import type { CompactableLog } from '../../../src/storage/cleaner/round.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import { keyedBatch, readAllRecords, type KV, type SeenRecord } from './records.ts'

type Cmd = { kind: 'append'; records: KV[] } | { kind: 'compact' } | { kind: 'restart' } | { kind: 'crash' }

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
    fc.constant({ kind: 'compact' as const }),
  ]
  if (disk) options.push(fc.constant({ kind: 'restart' as const }), fc.constant({ kind: 'crash' as const }))
  return fc.array(fc.oneof(...options), { minLength: 10, maxLength: 80 })
}

/** What one pass leaves: below `end`, the latest record per key (tombstones maybe dropped). */
function modelClean(model: SeenRecord[], end: bigint, dropTombstones: boolean): SeenRecord[] {
  const latest = new Map<string, bigint>()
  for (const r of model) if (r.offset < end && r.key !== null) latest.set(r.key, r.offset)
  return model.filter(
    (r) =>
      r.offset >= end ||
      (r.key !== null && latest.get(r.key) === r.offset && !(r.value === null && dropTombstones)),
  )
}

interface Harness {
  log(): PartitionLog & CompactableLog
  restart?(crash: boolean): Promise<void>
  close(): Promise<void>
}

const NOW = 1_000_000 + 10_000_000
/** Totals over all runs, so the test can check that passes did real work. */
const stats = { passes: 0, removed: 0, rewritten: 0, restarts: 0 }

async function run(cmds: Cmd[], dropTombstones: boolean, h: Harness): Promise<void> {
  let model: SeenRecord[] = []
  let firstDirty: bigint | undefined
  try {
    for (const cmd of cmds) {
      if (cmd.kind === 'append') {
        const r = await h.log().append(keyedBatch(cmd.records), { leaderEpoch: 0 })
        cmd.records.forEach((rec, i) => model.push({ offset: r.baseOffset + BigInt(i), ...rec }))
      } else if (cmd.kind === 'compact') {
        const plan = await h.log().planCompaction(NOW, firstDirty)
        if (plan === undefined) continue
        const result = await h.log().compact(plan, NOW)
        expect(result.complete).toBe(true)
        expect(result.cleanedTo).toBe(plan.cleanableEnd)
        stats.passes++
        stats.removed += result.recordsRemoved
        stats.rewritten += result.segmentsRewritten
        model = modelClean(model, plan.cleanableEnd, dropTombstones)
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

function cfg(dropTombstones: boolean): LogConfig {
  return config({
    cleanupPolicy: { delete: false, compact: true },
    segmentBytes: 300,
    indexIntervalBytes: 64,
    minCleanableDirtyRatio: 0,
    minCompactionLagMs: 0,
    deleteRetentionMs: dropTombstones ? 1000 : 1e12,
  })
}

describe('compaction model', () => {
  it('memory log', async () => {
    Object.assign(stats, { passes: 0, removed: 0, rewritten: 0, restarts: 0 })
    await fc.assert(
      fc.asyncProperty(commands(false), fc.boolean(), async (cmds, drop) => {
        const store = createMemoryLogStore({ now: () => NOW })
        const log = (await store.open(TP, cfg(drop))) as PartitionLog & CompactableLog
        await run(cmds, drop, { log: () => log, close: () => store.close() })
      }),
      { numRuns: 150 },
    )
    expect(stats.removed).toBeGreaterThan(100)
    expect(stats.rewritten).toBeGreaterThan(50)
  }, 60_000)

  it('disk log, with restarts and process crashes', async () => {
    Object.assign(stats, { passes: 0, removed: 0, rewritten: 0, restarts: 0 })
    await fc.assert(
      fc.asyncProperty(commands(true), fc.boolean(), async (cmds, drop) => {
        let fs = new MemoryFileSystem()
        let store = await openStore(fs, { now: () => NOW })
        let log = (await store.open(TP, cfg(drop))) as PartitionLog & CompactableLog
        await run(cmds, drop, {
          log: () => log,
          restart: async (crash) => {
            if (crash) {
              fs.crash()
              fs = fs.afterCrash('process-kill')
            } else await store.close()
            store = await openStore(fs, { now: () => NOW })
            log = (await store.open(TP, cfg(drop))) as PartitionLog & CompactableLog
          },
          close: () => store.close(),
        })
      }),
      { numRuns: 60 },
    )
    expect(stats.removed).toBeGreaterThan(100)
    expect(stats.rewritten).toBeGreaterThan(50)
    expect(stats.restarts).toBeGreaterThan(20)
    console.log(`model totals: ${JSON.stringify(stats)}`)
  }, 120_000)
})
