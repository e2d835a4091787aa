// Crash at every step of compaction: a workload of keyed appends, flushes and cleaner passes
// (through the store's maintain(), which also writes cleaner-offset-checkpoint) runs on a
// MemoryFileSystem that crashes after its N-th mutating operation, for every N. Each crash image
// (power loss, torn writes with garbage, process kill) must open to a valid log: every record the
// one appended at its offset, batches in order with valid CRCs, and for every key a record at
// least as new as its latest durable (or, after a process kill, acknowledged) one.

import { describe, expect, it } from 'vitest'
import { CrashError, MemoryFileSystem, type CrashMode } from '../../../src/storage/fs.ts'
import { ATTR_CONTROL, ATTR_TRANSACTIONAL } from '../../../src/protocol/records/batch-header.ts'
import type { AbortedTxn, LogConfig } from '../../../src/storage/log-store.ts'
import type { RoundResult } from '../../../src/storage/cleaner/round.ts'
import { config } from '../log-behaviour.ts'
import { openStore, seededRandom, TP } from '../helpers.ts'
import {
  indexedAbortedTxns,
  keyedBatch,
  markerRecord,
  readAllRecords,
  scannedAbortedTxns,
  type KV,
} from './records.ts'

/** Other torn-write images from the environment (e.g. STORAGE_CRASH_SEED=1000). */
const SEED = Number(process.env.STORAGE_CRASH_SEED ?? 0)

const KEYS = ['k0', 'k1', 'k2', 'k3']

/** The i-th append: two records, updating two keys (one a tombstone now and then). */
function records(i: number): KV[] {
  return [
    { key: KEYS[i % 4]!, value: `v${i}-a`.padEnd(20 + (i % 3) * 10, '.') },
    { key: KEYS[(i * 3 + 1) % 4]!, value: i % 7 === 3 ? null : `v${i}-b` },
  ]
}

/**
 * The i-th append for the merge workload: a record of a key of its own (kept) and three large
 * updates of one shared key (superseded), so a cleaned segment shrinks to about a quarter and
 * later passes merge several of them into one.
 */
function mergeRecords(i: number): KV[] {
  const big = (n: number): string => `v${i}-${n}`.padEnd(70, '.')
  return [
    { key: `u${i}`, value: `own-${i}` },
    { key: 'shared', value: big(0) },
    { key: 'shared', value: i % 9 === 4 ? null : big(1) },
    { key: 'shared', value: big(2) },
  ]
}

/**
 * One batch of an append: plain, a transactional batch, or the marker (a control batch) ending
 * the transaction begun by the batch before it.
 */
interface BatchSpec {
  records: KV[]
  txn?: 'data' | 'abort' | 'commit'
}

/** The merge workload with an aborted or a committed transaction after most appends. */
function mergeWithTxns(i: number): BatchSpec[] {
  const plain: BatchSpec = { records: mergeRecords(i) }
  if (i % 3 === 0) return [plain]
  const end = i % 3 === 1 ? 'abort' : 'commit'
  return [
    plain,
    { records: [{ key: `t${i}`, value: end === 'abort' ? 'aborted' : 'committed' }], txn: 'data' },
    { records: [markerRecord(end)], txn: end },
  ]
}

interface Scenario {
  batches: (i: number) => BatchSpec[]
  /** Offset -> record of every append the workload makes (offsets are assigned in order). */
  attempted: Map<bigint, KV>
  /** Offsets of aborted records and of transaction markers: the cleaner may remove them. */
  removable: Set<bigint>
}

function scenario(batches: (i: number) => BatchSpec[]): Scenario {
  const attempted = new Map<bigint, KV>()
  const removable = new Set<bigint>()
  for (let i = 0, o = 0n; i < 40; i++) {
    const specs = batches(i)
    const aborted = specs.some((b) => b.txn === 'abort')
    for (const b of specs)
      for (const r of b.records) {
        if (b.txn === 'abort' || b.txn === 'commit' || (b.txn === 'data' && aborted)) removable.add(o)
        attempted.set(o++, r)
      }
  }
  return { batches, attempted, removable }
}

const KEYED = scenario((i) => [{ records: records(i) }])
const MERGING = scenario((i) => [{ records: mergeRecords(i) }])
const MERGING_TXNS = scenario(mergeWithTxns)
const PRODUCER_ID = 7n

interface Outcome {
  durableEnd: bigint
  ackedEnd: bigint
  completed: boolean
  rounds: RoundResult[]
  /** Aborted transactions recorded (addAbortedTransaction resolved). */
  txns: AbortedTxn[]
}

async function workload(fs: MemoryFileSystem, cfg: LogConfig, out: Outcome, sc: Scenario): Promise<void> {
  let now = 2_000_000
  const store = await openStore(fs, { now: () => now, onCleaned: (r) => out.rounds.push(r) })
  const log = await store.open(TP, cfg)
  let i = 0
  const append = async (n: number): Promise<void> => {
    for (const end = i + n; i < end; i++) {
      let txnStart = -1n
      for (const spec of sc.batches(i)) {
        const attributes =
          spec.txn === undefined
            ? 0
            : spec.txn === 'data'
              ? ATTR_TRANSACTIONAL
              : ATTR_TRANSACTIONAL | ATTR_CONTROL
        const options = attributes === 0 ? {} : { attributes, producerId: PRODUCER_ID, producerEpoch: 0 }
        const r = await log.append(keyedBatch(spec.records, 1_000_000n, options), { leaderEpoch: 1 })
        out.ackedEnd = r.lastOffset + 1n
        if (cfg.durable) out.durableEnd = out.ackedEnd
        if (spec.txn === 'data') txnStart = r.baseOffset
        if (spec.txn === 'abort') {
          const txn = {
            producerId: PRODUCER_ID,
            firstOffset: txnStart,
            lastOffset: r.baseOffset,
            lastStableOffset: r.baseOffset,
          }
          await log.addAbortedTransaction(txn)
          out.txns.push(txn)
        }
      }
    }
  }
  await append(14)
  await log.flush()
  out.durableEnd = log.logEndOffset()
  now += 1000
  await store.maintain(now)
  await append(12)
  await log.flush()
  out.durableEnd = log.logEndOffset()
  now += 1000
  await store.maintain(now)
  if (sc === MERGING_TXNS) {
    // A pass after delete.retention.ms: markers stamped by the last one go.
    now += cfg.deleteRetentionMs
    await store.maintain(now)
  }
  await append(4)
  await store.close()
  out.durableEnd = out.ackedEnd
  out.completed = true
}

async function verify(
  image: MemoryFileSystem,
  cfg: LogConfig,
  out: Outcome,
  mode: CrashMode,
  sc: Scenario,
): Promise<void> {
  const store = await openStore(image)
  const log = await store.open(TP, cfg)
  const seen = await readAllRecords(log)
  for (const r of seen)
    expect({ key: r.key, value: r.value }, `record at ${r.offset}`).toEqual(sc.attempted.get(r.offset))
  const end = log.logEndOffset()
  const mustHave = mode === 'process-kill' ? out.ackedEnd : out.durableEnd
  expect(end >= mustHave, `log end ${end} lost acknowledged data below ${mustHave} (${mode})`).toBe(true)
  // Compaction may only drop a record once a newer one of its key exists.
  const newest = new Map<string, bigint>()
  for (const r of seen) newest.set(r.key!, r.offset)
  for (const [offset, r] of sc.attempted) {
    if (offset >= mustHave || sc.removable.has(offset)) continue
    const have = newest.get(r.key!)
    expect(have !== undefined && have >= offset, `key ${r.key} lost its record at ${offset} (${mode})`).toBe(
      true,
    )
  }
  // Aborted transactions, in every crash mode (power loss drops the .txnindex's unsynced tail or
  // keeps torn entries; recovery rebuilds what may be affected from the log): exactly what a
  // full scan of the recovered log derives, which includes every recorded one whose marker and
  // records remain (and one whose marker was written but not yet indexed when the crash came).
  // The cleaner removes aborted records (never a read_committed-visible one: none of them is
  // seen here) and drops the entries of transactions with none left.
  const aborted = indexedAbortedTxns(log.abortedTransactions(0n, end + 1n))
  expect(aborted, `aborted transactions (${mode})`).toEqual(await scannedAbortedTxns(log))
  const present = new Set(seen.map((r) => r.offset))
  for (const t of out.txns.filter((t) => present.has(t.firstOffset) && present.has(t.lastOffset)))
    expect(aborted, `recorded aborted transaction lost (${mode})`).toContain(indexedAbortedTxns([t])[0])
  // Markers go only after delete.retention.ms from the pass that found their transaction empty,
  // and never before the transaction's records.
  for (const r of seen)
    if (r.key === markerRecord('commit').key || r.key === markerRecord('abort').key) continue
    else if (sc.removable.has(r.offset)) {
      const marker = r.offset + 1n
      expect(present.has(marker) || marker >= end, `marker at ${marker} removed before its record`).toBe(true)
    }
  // The recovered log takes appends and survives a clean restart.
  const r = await log.append(keyedBatch([{ key: 'x', value: 'after' }]), { leaderEpoch: 2 })
  expect(r.baseOffset).toBe(end)
  await store.close()
  const again = await openStore(image)
  const log2 = await again.open(TP, cfg)
  expect(await readAllRecords(log2)).toEqual([...seen, { offset: end, key: 'x', value: 'after' }])
  await again.close()
}

async function crashEveryStep(
  cfg: LogConfig,
  sc: Scenario = KEYED,
): Promise<{ ops: number; rounds: RoundResult[]; final: KV[] }> {
  const counting = new MemoryFileSystem()
  const full: Outcome = { durableEnd: 0n, ackedEnd: 0n, completed: false, rounds: [], txns: [] }
  await workload(counting, cfg, full, sc)
  expect(full.completed).toBe(true)
  const reopened = await openStore(counting.snapshot())
  const final = await readAllRecords(await reopened.open(TP, cfg))
  await reopened.close()
  const total = counting.ops
  for (let n = 0; n <= total; n++) {
    const fs = new MemoryFileSystem()
    fs.faults.crashAfterOps = n
    const out: Outcome = { durableEnd: 0n, ackedEnd: 0n, completed: false, rounds: [], txns: [] }
    try {
      await workload(fs, cfg, out, sc)
    } catch (err) {
      if (!(err instanceof CrashError) && !(err instanceof Error && err.cause instanceof CrashError))
        if (!String(err).includes('crash')) throw err
    }
    fs.crash()
    await new Promise((r) => setImmediate(r))
    // The transactional workload also checks the torn images (a prefix of each unsynced append).
    const modes: CrashMode[] = ['power-loss', 'torn-garbage', 'process-kill']
    if (sc === MERGING_TXNS) modes.push('torn')
    for (const mode of modes) {
      try {
        await verify(fs.afterCrash(mode, seededRandom(n + SEED)), cfg, out, mode, sc)
      } catch (err) {
        throw new Error(`crash after op ${n}/${total} (${mode}): ${String(err)}`, { cause: err })
      }
    }
  }
  return { ops: total, rounds: full.rounds, final }
}

const compacted = (overrides: Partial<LogConfig> = {}): LogConfig =>
  config({
    cleanupPolicy: { delete: false, compact: true },
    segmentBytes: 500,
    indexIntervalBytes: 100,
    minCleanableDirtyRatio: 0,
    deleteRetentionMs: 1e12,
    ...overrides,
  })

describe('crash at every file-system operation of compaction', () => {
  it('default flush policy', async () => {
    const { ops, rounds } = await crashEveryStep(compacted())
    expect(rounds.length).toBe(2)
    expect(rounds.reduce((n, r) => n + r.result.segmentsRewritten, 0)).toBeGreaterThan(3)
    expect(rounds.reduce((n, r) => n + r.result.recordsRemoved, 0)).toBeGreaterThan(20)
    expect(ops).toBeGreaterThan(100)
  }, 300_000)

  it('merging several cleaned segments into one (.cleaned -> .swap over a group)', async () => {
    const { ops, rounds } = await crashEveryStep(compacted(), MERGING)
    const merged = rounds.reduce((n, r) => n + r.result.segmentsMerged, 0)
    console.log(
      `merge workload: ${ops} crash points; rounds (rewritten, merged): ${rounds
        .map((r) => `${r.result.segmentsRewritten}/${r.result.segmentsMerged}`)
        .join(', ')}`,
    )
    expect(merged).toBeGreaterThan(8)
    expect(ops).toBeGreaterThan(100)
  }, 300_000)

  it('transactions: aborted records discarded, markers removed, .txnindex merged and exact', async () => {
    const { ops, rounds, final } = await crashEveryStep(compacted({ deleteRetentionMs: 500 }), MERGING_TXNS)
    const merged = rounds.reduce((n, r) => n + r.result.segmentsMerged, 0)
    const count = (f: (r: KV) => boolean): number => final.filter(f).length
    const markers = [...MERGING_TXNS.attempted.values()].filter((r) => r.key!.startsWith('\0')).length
    const left = count((r) => r.key!.startsWith('\0'))
    const aborted = count((r) => r.value === 'aborted')
    console.log(
      `transactional merge workload: ${ops} crash points, ${merged} segments merged; ` +
        `${markers - left} of ${markers} markers removed, ${aborted} aborted records left`,
    )
    expect(merged).toBeGreaterThan(5)
    expect(left).toBeLessThan(markers - 5)
    // Only the uncleaned tail (the active segment and the last appends) keeps aborted records.
    expect(aborted).toBeLessThan(3)
    // Every committed record stays (each has a key of its own).
    expect(count((r) => r.value === 'committed')).toBe(10)
  }, 300_000)

  it('transactions in durable mode', async () => {
    const { final } = await crashEveryStep(compacted({ deleteRetentionMs: 500, durable: true }), MERGING_TXNS)
    expect(final.filter((r) => r.value === 'aborted').length).toBeLessThan(3)
  }, 300_000)

  it('durable mode', async () => {
    const { rounds } = await crashEveryStep(compacted({ durable: true }))
    expect(rounds.reduce((n, r) => n + r.result.segmentsRewritten, 0)).toBeGreaterThan(3)
  }, 300_000)
})
