// Crash at every step: a workload of appends, rolls, flushes, DeleteRecords, retention,
// truncation (to a batch and, below a mid-batch log start, of the whole log) and a clean close runs on a MemoryFileSystem that crashes after its N-th mutating operation, for
// every N. Each crash image (power loss, torn writes with garbage, process kill) must then open
// to a valid log: every batch intact and one that was appended at that offset, offsets
// contiguous, and everything that was acknowledged durably (durable mode, flush, or any
// acknowledged append after a process kill) still there.

import { describe, expect, it } from 'vitest'
import { CrashError, MemoryFileSystem, type CrashMode } from '../../src/storage/fs.ts'
import type { LogConfig } from '../../src/storage/log-store.ts'
import { makeBatch } from './batches.ts'
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

function batch(i: number): Buffer {
  return makeBatch([
    { value: Buffer.from(`value-${i}`.padEnd(30 + (i % 5) * 20, '.')), timestamp: 1_000_000n + BigInt(i) },
    { value: Buffer.from(`second-${i}`), timestamp: 1_000_000n + BigInt(i) },
  ])
}

async function workload(fs: MemoryFileSystem, cfg: LogConfig, out: Outcome): Promise<void> {
  let now = 1_000_000
  const store = await openStore(fs, { now: () => now })
  const log = await store.open(TP, cfg)
  const append = async (i: number): Promise<void> => {
    const b = batch(i)
    out.attempted.push(b)
    const r = await log.append(b, { leaderEpoch: i < 8 ? 1 : 2 })
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
