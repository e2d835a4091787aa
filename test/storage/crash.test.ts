// Crash at every step: a workload of appends, rolls, flushes, DeleteRecords, retention,
// truncation (to a batch and, below a mid-batch log start, of the whole log), aborted and
// committed transactions, and a clean close runs on a MemoryFileSystem that crashes after its
// N-th mutating operation, for every N. Each crash image (power loss, torn writes with garbage, process kill) must then open
// to a valid log: every batch intact and one that was appended at that offset, offsets
// contiguous, everything that was acknowledged durably (durable mode, flush, or any
// acknowledged append after a process kill) still there, and the aborted-transaction index
// exactly what the recovered log's batches say.

import { describe, expect, it } from 'vitest'
import { CrashError, MemoryFileSystem, type CrashMode } from '../../src/storage/fs.ts'
import type { LogConfig } from '../../src/storage/log-store.ts'
import { ATTR_CONTROL, ATTR_TRANSACTIONAL } from '../../src/protocol/records/batch-header.ts'
import { makeBatch } from './batches.ts'
import { indexedAbortedTxns, markerRecord, scannedAbortedTxns } from './cleaner/records.ts'
import { config } from './log-behaviour.ts'
import { openStore, readAll, seededRandom, TP } from './helpers.ts'

/** Other torn-write images from the environment (e.g. STORAGE_CRASH_SEED=1000). */
const SEED = Number(process.env.STORAGE_CRASH_SEED ?? 0)

interface Outcome {
  /** Every append attempted (patched in place by the log when it assigns offsets). */
  attempted: Buffer[]
  /** Offsets [0, n) that must survive any crash (fsynced and acknowledged). */
  durableEnd: bigint
  /** Offsets [0, n) acknowledged (survive a process kill). */
  ackedEnd: bigint
  /** Log start offset the workload reached with a durable checkpoint. */
  completed: boolean
}

/** Appends that are a transaction's data batch, and those that end it (the one before). */
const TXN_DATA = new Set([3, 12, 19])
const TXN_END: ReadonlyMap<number, 'abort' | 'commit'> = new Map([
  [4, 'abort'],
  [13, 'commit'],
  [20, 'abort'],
])
const TXN_PID = 7n

/** The i-th append: two records; a transactional batch or a marker (two control records) now and then. */
function batch(i: number): Buffer {
  const ts = 1_000_000n + BigInt(i)
  const end = TXN_END.get(i)
  if (end !== undefined) {
    const { key, value } = markerRecord(end)
    const rec = { key: Buffer.from(key!), value: Buffer.from(value!), timestamp: ts }
    return makeBatch([rec, rec], {
      attributes: ATTR_TRANSACTIONAL | ATTR_CONTROL,
      producerId: TXN_PID,
      producerEpoch: 0,
    })
  }
  return makeBatch(
    [
      { value: Buffer.from(`value-${i}`.padEnd(30 + (i % 5) * 20, '.')), timestamp: ts },
      { value: Buffer.from(`second-${i}`), timestamp: ts },
    ],
    TXN_DATA.has(i) ? { attributes: ATTR_TRANSACTIONAL, producerId: TXN_PID, producerEpoch: 0 } : {},
  )
}

async function workload(fs: MemoryFileSystem, cfg: LogConfig, out: Outcome): Promise<void> {
  let now = 1_000_000
  const store = await openStore(fs, { now: () => now })
  const log = await store.open(TP, cfg)
  let txnFirst = -1n
  const append = async (i: number): Promise<void> => {
    const b = batch(i)
    out.attempted.push(b)
    const r = await log.append(b, { leaderEpoch: i < 8 ? 1 : 2 })
    if (TXN_DATA.has(i)) txnFirst = r.baseOffset
    // The broker indexes an abort once its marker is in (markers.ts).
    if (TXN_END.get(i) === 'abort')
      await log.addAbortedTransaction({
        producerId: TXN_PID,
        firstOffset: txnFirst,
        lastOffset: r.lastOffset,
        lastStableOffset: r.lastOffset + 1n,
      })
    out.ackedEnd = r.lastOffset + 1n
    // Every batch holds two records, so flush.messages <= 2 fsyncs each append before its ack.
    if (cfg.durable || cfg.flushMessages <= 2) out.durableEnd = out.ackedEnd
  }
  for (let i = 0; i < 8; i++) await append(i)
  await log.flush()
  out.durableEnd = log.logEndOffset()
  // Concurrent appends (group commit in durable mode).
  await Promise.all([8, 9, 10].map((i) => append(i)))
  await log.deleteRecordsBefore(5n)
  for (let i = 11; i < 16; i++) await append(i)
  now += 10_000
  await store.maintain(now)
  for (let i = 16; i < 19; i++) await append(i)
  // Truncation cuts acknowledged data on purpose: what must survive shrinks with it.
  const cut = log.logEndOffset() - 3n
  // Batches hold two offsets, so the batch holding `cut` starts at cut - 1 at the lowest.
  if (out.ackedEnd > cut - 1n) out.ackedEnd = cut - 1n
  if (out.durableEnd > cut - 1n) out.durableEnd = cut - 1n
  await log.truncateTo(cut)
  const end = log.logEndOffset()
  if (out.ackedEnd > end) out.ackedEnd = end
  if (out.durableEnd > end) out.durableEnd = end
  for (let i = 19; i < 21; i++) await append(i)
  // DeleteRecords to the middle of the last batch, then a truncation into that batch: the log is
  // emptied and starts over there (truncateFullyAndStartAt). Until that is done a crash may
  // leave any prefix of the old log; afterwards the new start holds.
  const last = log.logEndOffset() - 1n
  await log.deleteRecordsBefore(last)
  out.ackedEnd = 0n
  out.durableEnd = 0n
  await log.truncateTo(last)
  expect([log.logStartOffset(), log.logEndOffset()]).toEqual([last, last])
  out.ackedEnd = last
  out.durableEnd = last
  for (let i = 21; i < 23; i++) await append(i)
  await store.close()
  out.durableEnd = out.ackedEnd
  out.completed = true
}

async function verify(image: MemoryFileSystem, cfg: LogConfig, out: Outcome, mode: CrashMode): Promise<void> {
  const store = await openStore(image)
  const log = await store.open(TP, cfg)
  const batches = await readAll(log)
  for (const b of batches) {
    const candidates = out.attempted.filter((c) => c.readBigInt64BE(0) === b.base)
    expect(
      candidates.some((c) => c.equals(b.bytes)),
      `batch at ${b.base} is not one that was appended there`,
    ).toBe(true)
  }
  const end = log.logEndOffset()
  const mustHave = mode === 'process-kill' ? out.ackedEnd : out.durableEnd
  expect(end >= mustHave, `log end ${end} lost acknowledged data below ${mustHave} (${mode})`).toBe(true)
  if (batches.length > 0) expect(batches[batches.length - 1]!.last + 1n).toBe(end)
  expect(log.logStartOffset() <= end).toBe(true)
  // The aborted-transaction index equals what a scan of the recovered log derives, in every
  // crash mode (an entry whose transaction began below the log start is beyond what a scan from
  // there can know, and may stay).
  const lso = log.logStartOffset()
  const indexed = log.abortedTransactions(0n, end + 1n).filter((t) => t.firstOffset >= lso)
  expect(indexedAbortedTxns(indexed), `aborted transactions (${mode})`).toEqual(await scannedAbortedTxns(log))
  // The recovered log takes appends and survives a clean restart.
  const r = await log.append(batch(99), { leaderEpoch: 3 })
  expect(r.baseOffset).toBe(end)
  await store.close()
  const again = await openStore(image)
  const log2 = await again.open(TP, cfg)
  expect(log2.logEndOffset()).toBe(end + 2n)
  expect((await readAll(log2)).length).toBe(batches.length + 1)
  await again.close()
}

async function crashEveryStep(cfg: LogConfig): Promise<number> {
  const counting = new MemoryFileSystem()
  const full: Outcome = { attempted: [], durableEnd: 0n, ackedEnd: 0n, completed: false }
  await workload(counting, cfg, full)
  expect(full.completed).toBe(true)
  const total = counting.ops
  for (let n = 0; n <= total; n++) {
    const fs = new MemoryFileSystem()
    fs.faults.crashAfterOps = n
    const out: Outcome = { attempted: [], durableEnd: 0n, ackedEnd: 0n, completed: false }
    try {
      await workload(fs, cfg, out)
    } catch (err) {
      if (!(err instanceof CrashError) && !(err instanceof Error && err.cause instanceof CrashError)) {
        // A crash surfaces as a KafkaError wrapping the CrashError; anything else is a bug.
        if (!String(err).includes('crash')) throw err
      }
    }
    fs.crash()
    // Let background work (scheduled flushes, group-commit rounds) hit the crashed fs and stop.
    await new Promise((r) => setImmediate(r))
    for (const mode of ['power-loss', 'torn-garbage', 'process-kill'] as const) {
      try {
        await verify(fs.afterCrash(mode, seededRandom(n + SEED)), cfg, out, mode)
      } catch (err) {
        throw new Error(`crash after op ${n}/${total} (${mode}): ${String(err)}`, { cause: err })
      }
    }
  }
  return total
}

describe('crash at every file-system operation', () => {
  it('default flush policy, rolls and retention', async () => {
    const ops = await crashEveryStep(
      config({ segmentBytes: 400, indexIntervalBytes: 100, retentionBytes: 600 }),
    )
    expect(ops).toBeGreaterThan(50)
  }, 120_000)

  it('durable mode with group commit', async () => {
    const ops = await crashEveryStep(
      config({ segmentBytes: 400, indexIntervalBytes: 100, retentionMs: 5_000, durable: true }),
    )
    expect(ops).toBeGreaterThan(50)
  }, 120_000)

  it('flush.messages fsyncing every append (group commit, no per-append index or directory fsync)', async () => {
    const ops = await crashEveryStep(
      config({ segmentBytes: 400, indexIntervalBytes: 100, retentionMs: 5_000, flushMessages: 2 }),
    )
    expect(ops).toBeGreaterThan(50)
  }, 120_000)

  it('durable mode with flush.messages=1', async () => {
    const ops = await crashEveryStep(
      config({
        segmentBytes: 400,
        indexIntervalBytes: 100,
        retentionMs: 5_000,
        durable: true,
        flushMessages: 1,
      }),
    )
    expect(ops).toBeGreaterThan(50)
  }, 120_000)
})
