// Model-based test: random appends, reads, truncations, DeleteRecords, retention, timestamp
// lookups and (for the disk log) restarts, run against the memory log and the disk log side by
// side and compared with a plain array of batches. Small segments make rolls frequent.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../src/protocol/errors.ts'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import type { LogConfig, LogStore, PartitionLog } from '../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../src/storage/memory/index.ts'
import { makeBatch } from './batches.ts'
import { config } from './log-behaviour.ts'
import { openStore, TP } from './helpers.ts'

interface ModelBatch {
  base: bigint
  last: bigint
  bytes: Buffer
  timestamps: bigint[]
}

type Op =
  | { kind: 'append'; batches: { records: number; valueSize: number; ts: number[] }[] }
  | { kind: 'read'; at: number; maxBytes: number; minOne: boolean }
  | { kind: 'truncate'; at: number }
  | { kind: 'deleteRecords'; at: number }
  | { kind: 'maintain'; advance: number }
  | { kind: 'timestamp'; ts: number }
  | { kind: 'maxTimestamp' }
  | { kind: 'restart' }

const T0 = 1_700_000_000_000
/** More runs or a fixed seed from the environment (e.g. STORAGE_MODEL_RUNS=2000). */
const RUNS: fc.Parameters<unknown> = {
  numRuns: Number(process.env.STORAGE_MODEL_RUNS ?? 200),
  ...(process.env.STORAGE_MODEL_SEED !== undefined ? { seed: Number(process.env.STORAGE_MODEL_SEED) } : {}),
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      batches: fc.array(
        fc.record({
          records: fc.integer({ min: 1, max: 4 }),
          valueSize: fc.integer({ min: 0, max: 100 }),
          ts: fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 4, maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      maxBytes: fc.integer({ min: 1, max: 3000 }),
      minOne: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('truncate' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deleteRecords' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('maintain' as const),
      advance: fc.integer({ min: 0, max: 40_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('timestamp' as const),
      ts: fc.integer({ min: -10, max: 61_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'maxTimestamp' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
)

/** An offset in [lo, hi) chosen by `at` in [0, 1]. */
function pick(lo: bigint, hi: bigint, at: number): bigint {
  const v = lo + BigInt(Math.floor(Number(hi - lo) * at))
  return v < hi ? v : hi - 1n
}

function batchOffsets(chunks: Buffer[]): bigint[] {
  const out: bigint[] = []
  for (const c of chunks)
    for (let p = 0; p < c.length; p += 12 + c.readInt32BE(p + 8)) out.push(c.readBigInt64BE(p))
  return out
}

async function attempt<T>(p: Promise<T>): Promise<T | number> {
  try {
    return await p
  } catch (err) {
    if (err instanceof KafkaError) return err.code
    throw err
  }
}

async function runModel(ops: Op[], cfg: LogConfig): Promise<void> {
  let now = T0
  // The memory log's extra retention on roll is its own test (memory-log.test.ts); here both
  // apply retention at the same moments.
  const memStore: LogStore = createMemoryLogStore({ now: () => now, retentionOnRoll: false })
  const fs = new MemoryFileSystem()
  let diskStore = await openStore(fs, { now: () => now })
  const mem = await memStore.open(TP, cfg)
  let disk: PartitionLog = await diskStore.open(TP, cfg)
  const model: ModelBatch[] = []
  let lso = 0n
  let leo = 0n
  const logs = (): PartitionLog[] => [mem, disk]
  try {
    for (const op of ops) {
      switch (op.kind) {
        case 'append': {
          const buffers = op.batches.map((b) =>
            makeBatch(
              Array.from({ length: b.records }, (_, i) => ({
                value: Buffer.alloc(b.valueSize, i),
                timestamp: BigInt(now + b.ts[i]!),
              })),
            ),
          )
          const a = Buffer.concat(buffers)
          const b = Buffer.from(a)
          const [ra, rb] = [await mem.append(a, { leaderEpoch: 1 }), await disk.append(b, { leaderEpoch: 1 })]
          expect(rb).toEqual(ra)
          expect(ra.baseOffset).toBe(leo)
          expect(a.equals(b)).toBe(true)
          for (let p = 0, i = 0; p < a.length; i++) {
            const size = 12 + a.readInt32BE(p + 8)
            const base = a.readBigInt64BE(p)
            const spec = op.batches[i]!
            model.push({
              base,
              last: base + BigInt(spec.records - 1),
              bytes: Buffer.from(a.subarray(p, p + size)),
              timestamps: spec.ts.slice(0, spec.records).map((t) => BigInt(now + t)),
            })
            p += size
          }
          leo = ra.lastOffset + 1n
          break
        }
        case 'read': {
          const offset = pick(lso, leo + 1n, op.at)
          const results = await Promise.all(
            logs().map((l) => l.read(offset, op.maxBytes, { minOneBatch: op.minOne })),
          )
          const expected: ModelBatch[] = []
          let bytes = 0
          for (const mb of model) {
            if (mb.last < offset) continue
            if (bytes + mb.bytes.length > op.maxBytes && !(op.minOne && expected.length === 0)) break
            expected.push(mb)
            bytes += mb.bytes.length
          }
          for (const r of results) {
            expect(Buffer.concat(r.records).equals(Buffer.concat(expected.map((m) => m.bytes)))).toBe(true)
            expect(r.bytes).toBe(bytes)
            expect(r.highWatermark).toBe(leo)
            expect(r.logStartOffset).toBe(lso)
          }
          expect(batchOffsets(results[1]!.records)).toEqual(expected.map((m) => m.base))
          break
        }
        case 'truncate': {
          // Any offset: below the log start, mid-batch, at a boundary, at or past the end.
          const offset = pick(0n, leo + 2n, op.at)
          await mem.truncateTo(offset)
          await disk.truncateTo(offset)
          if (offset >= leo) break
          const first = model.findIndex((m) => m.last >= offset)
          const cutEnd = first >= 0 ? model[first]!.base : offset
          if (offset < lso || cutEnd < lso) {
            // Kafka's truncateFullyAndStartAt: emptied, starting over at `offset`.
            model.length = 0
            lso = offset
            leo = offset
          } else {
            model.length = first
            leo = cutEnd
          }
          break
        }
        case 'deleteRecords': {
          const offset = pick(lso, leo + 1n, op.at)
          const [a, b] = [await mem.deleteRecordsBefore(offset), await disk.deleteRecordsBefore(offset)]
          expect(a).toBe(offset > lso ? offset : lso)
          expect(b).toBe(a)
          lso = a
          break
        }
        case 'maintain': {
          now += op.advance
          await memStore.maintain(now)
          await diskStore.maintain(now)
          expect(disk.logStartOffset()).toBe(mem.logStartOffset())
          expect(disk.sizeInBytes()).toBe(mem.sizeInBytes())
          expect(mem.logStartOffset() >= lso).toBe(true)
          lso = mem.logStartOffset()
          while (model.length > 0 && model[0]!.last < lso) model.shift()
          if (model.length > 0) expect(model[0]!.base <= lso).toBe(true)
          break
        }
        case 'timestamp': {
          const target = BigInt(now + op.ts)
          let expected: { offset: bigint; timestamp: bigint } | undefined
          for (const mb of model) {
            const i = mb.timestamps.findIndex((t, j) => t >= target && mb.base + BigInt(j) >= lso)
            if (i >= 0) {
              expected = { offset: mb.base + BigInt(i), timestamp: mb.timestamps[i]! }
              break
            }
          }
          for (const l of logs()) {
            const r = await l.offsetForTimestamp(target)
            expect(r === undefined ? undefined : { offset: r.offset, timestamp: r.timestamp }).toEqual(
              expected,
            )
          }
          break
        }
        case 'maxTimestamp': {
          const [a, b] = [await mem.maxTimestamp(), await disk.maxTimestamp()]
          expect(b).toEqual(a)
          break
        }
        case 'restart': {
          await diskStore.close()
          diskStore = await openStore(fs, { now: () => now })
          disk = await diskStore.open(TP, cfg)
          break
        }
      }
      for (const l of logs()) {
        expect(l.logEndOffset()).toBe(leo)
        expect(l.logStartOffset()).toBe(lso)
      }
      expect((disk as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()).toEqual(
        (mem as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets(),
      )
      // Out-of-range reads fail the same way on both.
      if (lso > 0n) for (const l of logs()) expect(await attempt(l.read(lso - 1n, 100))).toBe(1)
      for (const l of logs()) expect(await attempt(l.read(leo + 1n, 100))).toBe(1)
    }
  } finally {
    await memStore.close()
    await diskStore.close()
  }
}

describe('model-based: memory log and disk log against an array model', () => {
  it('agrees on random operation sequences (size retention)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) =>
        runModel(
          ops,
          config({ segmentBytes: 2000, indexIntervalBytes: 200, retentionBytes: 3000, retentionMs: -1 }),
        ),
      ),
      RUNS,
    )
  }, 120_000)

  it('agrees on random operation sequences (time retention, segment.ms, tiny indexes)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) =>
        runModel(
          ops,
          config({
            segmentBytes: 2000,
            segmentMs: 30_000,
            segmentIndexBytes: 24,
            indexIntervalBytes: 1,
            retentionMs: 50_000,
          }),
        ),
      ),
      RUNS,
    )
  }, 120_000)
})
