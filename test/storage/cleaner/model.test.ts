// Model test: random keyed appends (with tombstones and keyless records), compaction passes,
// restarts and crashes, on the memory log and the disk log; after every step the log's records
// must equal a model that keeps, below each pass's cleanable end, only the latest record per key
// (a tombstone's batch gets a delete horizon on the first pass that keeps it, and its tombstones
// go in a pass at or after it), and everything above it untouched, with every offset preserved.
// Transactions of one producer are mixed in: aborted records go at the first pass over them (and
// never hide a value), committed ones are compacted like the rest; markers may go only once no
// record of their transaction remains, and the aborted-transaction index always equals a full
// scan of the log.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ATTR_CONTROL, ATTR_TRANSACTIONAL } from '../../../src/protocol/records/batch-header.ts'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import type { LogConfig, PartitionLog } from '../../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/memory/index.ts'
import type { CompactableLog } from '../../../src/storage/cleaner/round.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import {
  indexedAbortedTxns,
  keyedBatch,
  markerRecord,
  readAllRecords,
  scannedAbortedTxns,
  type KV,
  type SeenRecord,
} from './records.ts'

type Cmd =
  | { kind: 'append'; records: KV[] }
  /** A transaction of producer TXN_PID: one data batch, then its COMMIT or ABORT marker. */
  | { kind: 'txn'; records: KV[]; abort: boolean }
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
    fc
      .record({ records: fc.array(kv, { minLength: 1, maxLength: 3 }), abort: fc.boolean() })
      .map(({ records, abort }) => ({ kind: 'txn' as const, records, abort })),
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
  aborted: ReadonlySet<bigint>,
): SeenRecord[] {
  // Records of aborted transactions go, and never hide an earlier value of their key.
  const latest = new Map<string, bigint>()
  for (const r of model)
    if (r.offset < end && r.key !== null && !aborted.has(r.offset)) latest.set(r.key, r.offset)
  const stamped = new Set<number>()
  const out = model.filter((r) => {
    if (r.offset >= end) return true
    if (aborted.has(r.offset)) return false
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
const zeroStats = () => ({
  passes: 0,
  removed: 0,
  rewritten: 0,
  merged: 0,
  restarts: 0,
  tombstonesDropped: 0,
  abortedDropped: 0,
  markersRemoved: 0,
})
const stats = zeroStats()
const TXN_PID = 5n

/** A transaction's marker in the log (the model does not predict when the cleaner removes it). */
interface ModelMarker {
  offset: bigint
  key: string
  /** Offsets of the transaction's records. */
  data: bigint[]
}

/**
 * Markers: each one in the log is one appended there, none is gone while a record of its
 * transaction remains, and the aborted-transaction index equals a full scan of the log.
 */
async function checkTxns(log: PartitionLog, seen: SeenRecord[], markers: ModelMarker[]): Promise<number> {
  const present = new Map(seen.map((r) => [r.offset, r]))
  let removed = 0
  for (const m of markers) {
    const r = present.get(m.offset)
    if (r !== undefined) expect(r.key, `marker at ${m.offset}`).toBe(m.key)
    else {
      removed++
      expect(
        m.data.some((o) => present.has(o)),
        `marker at ${m.offset} removed before its records`,
      ).toBe(false)
    }
  }
  expect(indexedAbortedTxns(log.abortedTransactions(0n, log.logEndOffset() + 1n))).toEqual(
    await scannedAbortedTxns(log),
  )
  return removed
}
/** More runs from the environment (e.g. STORAGE_MODEL_RUN_FACTOR=10). */
const RUN_FACTOR = Number(process.env.STORAGE_MODEL_RUN_FACTOR ?? 1)

async function run(cmds: Cmd[], retentionMs: number, h: Harness): Promise<void> {
  let model: SeenRecord[] = []
  const markers: ModelMarker[] = []
  let markersRemoved = 0
  const aborted = new Set<bigint>()
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
      } else if (cmd.kind === 'txn') {
        const txn = { attributes: ATTR_TRANSACTIONAL, producerId: TXN_PID, producerEpoch: 0 }
        const r = await h.log().append(keyedBatch(cmd.records, 1_000_000n, txn), { leaderEpoch: 0 })
        const batch = batches++
        const data: bigint[] = []
        cmd.records.forEach((rec, i) => {
          const offset = r.baseOffset + BigInt(i)
          model.push({ offset, ...rec })
          batchOf.set(offset, batch)
          data.push(offset)
          if (cmd.abort) aborted.add(offset)
        })
        const marker = markerRecord(cmd.abort ? 'abort' : 'commit')
        const m = await h
          .log()
          .append(
            keyedBatch([marker], 1_000_000n, { ...txn, attributes: ATTR_TRANSACTIONAL | ATTR_CONTROL }),
            {
              leaderEpoch: 0,
            },
          )
        batches++
        markers.push({ offset: m.baseOffset, key: marker.key!, data })
        if (cmd.abort)
          await h.log().addAbortedTransaction({
            producerId: TXN_PID,
            firstOffset: r.baseOffset,
            lastOffset: m.baseOffset,
            lastStableOffset: m.baseOffset + 1n,
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
        const abortedBefore = model.filter((r) => aborted.has(r.offset)).length
        model = modelClean(model, plan.cleanableEnd, now, retentionMs, batchOf, horizons, aborted)
        stats.tombstonesDropped += before - model.filter((r) => r.value === null).length
        stats.abortedDropped += abortedBefore - model.filter((r) => aborted.has(r.offset)).length
        firstDirty = result.cleanedTo
      } else {
        await h.restart!(cmd.kind === 'crash')
        stats.restarts++
      }
      const seen = await readAllRecords(h.log())
      const isMarker = new Set(markers.map((m) => m.offset))
      expect(seen.filter((r) => !isMarker.has(r.offset))).toEqual(model)
      markersRemoved = Math.max(markersRemoved, await checkTxns(h.log(), seen, markers))
    }
  } finally {
    stats.markersRemoved += markersRemoved
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
      Object.assign(stats, zeroStats())
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
      expect(stats.abortedDropped).toBeGreaterThan(20)
      expect(stats.markersRemoved).toBeGreaterThan(5)
      console.log(`memory model totals: ${JSON.stringify(stats)}`)
    },
    60_000 * RUN_FACTOR,
  )

  it(
    'disk log, with restarts and process crashes',
    async () => {
      Object.assign(stats, zeroStats())
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
      // Marker removal (rare in these short runs on disk) is counted by the memory run.
      expect(stats.abortedDropped).toBeGreaterThan(10)
      console.log(`model totals: ${JSON.stringify(stats)}`)
    },
    120_000 * RUN_FACTOR,
  )
})
