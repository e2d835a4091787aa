// cleanLog() against a small fake log (the offset-map bound, rewrites skipped when nothing goes,
// a log changed under the pass), and the disk log serving reads while segments are swapped.

import { describe, expect, it } from 'vitest'
import { readRecords } from '../../../src/protocol/records/records.ts'
import {
  cleanLog,
  groupSegments,
  planClean,
  type CleanableLog,
  type CleanerSegment,
} from '../../../src/storage/cleaner/cleaner.ts'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import { keyedBatch, readAllRecords, type KV } from './records.ts'

function fakeLog(segs: KV[][], options: { failCommitAt?: bigint } = {}) {
  let offset = 0n
  const segments = segs.map((records) => {
    const base = offset
    const batches = records.map((r) => {
      const b = keyedBatch([r])
      b.writeBigInt64BE(offset++, 0)
      return b
    })
    return {
      baseOffset: base,
      batches,
      size: batches.reduce((n, b) => n + b.length, 0),
      largestTimestamp: 0n,
    }
  })
  const commits: bigint[] = []
  const log: CleanableLog = {
    logStartOffset: () => 0n,
    cleanerSegments: () => Promise.resolve(segments.map((s) => ({ ...s }))),
    cleanUpperBound: () => offset,
    abortedTransactions: () => [],
    forEachBatch: async (s, visit) => {
      for (const b of segments.find((x) => x.baseOffset === s.baseOffset)!.batches) await visit(b)
    },
    rewriteSegments: (group: readonly CleanerSegment[]) => {
      const out: Buffer[] = []
      const s = group[0]!
      return Promise.resolve({
        write: (b: Buffer) => {
          out.push(b)
          return Promise.resolve()
        },
        abort: () => Promise.resolve(),
        commit: () => {
          if (options.failCommitAt === s.baseOffset) return Promise.resolve(false)
          const i = segments.findIndex((x) => x.baseOffset === s.baseOffset)
          segments[i]!.batches = out
          segments.splice(i + 1, group.length - 1)
          commits.push(s.baseOffset)
          return Promise.resolve(true)
        },
      })
    },
  }
  const contents = (): string[] =>
    segments.flatMap((s) =>
      s.batches.flatMap((b) => readRecords(b).map((r) => `${r.key?.toString()}@${b.readBigInt64BE(0)}`)),
    )
  return { log, commits, contents }
}

const upd = (key: string): KV => ({ key, value: 'v' })
/** Pass settings under which no two segments fit together. */
const NO_MERGE = {
  deleteRetentionMs: 1e12,
  segmentBytes: 1,
  segmentIndexBytes: 1 << 20,
  indexIntervalBytes: 4096,
}

describe('cleanLog', () => {
  it('stops the dirty section where the offset map fills up', async () => {
    const { log, commits, contents } = fakeLog([
      [upd('a'), upd('b')],
      [upd('a'), upd('c')],
      [upd('b'), upd('c')],
      [upd('z')],
    ])
    const plan = planClean(await log.cleanerSegments(), { minCompactionLagMs: 0 }, 0, 0n, 7n, undefined)!
    expect(plan.cleanableEnd).toBe(6n)
    // A 1-byte map is full after its first segment: the pass covers that segment only.
    const result = await cleanLog(log, plan, NO_MERGE, 0, 1)
    expect(result).toEqual({
      cleanedTo: 2n,
      segmentsRewritten: 0,
      segmentsMerged: 0,
      recordsRemoved: 0,
      complete: true,
    })
    expect(commits).toEqual([])
    const again = planClean(await log.cleanerSegments(), { minCompactionLagMs: 0 }, 0, 0n, 7n, 2n)!
    expect(again.firstDirtyIndex).toBe(1)
    const second = await cleanLog(log, again, NO_MERGE, 0)
    expect(second.cleanedTo).toBe(6n)
    expect(commits).toEqual([0n, 2n])
    expect(contents()).toEqual(['a@2', 'b@4', 'c@5', 'z@6'])
  })

  it('reports an incomplete pass when the log changed under it', async () => {
    const { log, contents } = fakeLog([[upd('a')], [upd('a')], [upd('a')], [upd('a')]], { failCommitAt: 1n })
    const plan = planClean(await log.cleanerSegments(), { minCompactionLagMs: 0 }, 0, 0n, 4n, undefined)!
    const result = await cleanLog(log, plan, NO_MERGE, 0)
    expect(result.complete).toBe(false)
    expect(result.cleanedTo).toBe(0n)
    expect(contents()).toEqual(['a@1', 'a@2', 'a@3'])
  })
})

describe('groupSegments (Kafka groupSegmentsBySize)', () => {
  const seg = (base: number, size: number): CleanerSegment => ({
    baseOffset: BigInt(base),
    size,
    largestTimestamp: 0n,
  })
  const cfg = { segmentBytes: 1000, segmentIndexBytes: 1 << 20, indexIntervalBytes: 4096 }
  const bases = (groups: CleanerSegment[][]): number[][] =>
    groups.map((g) => g.map((s) => Number(s.baseOffset)))

  it('merges consecutive segments up to segment.bytes', () => {
    const segments = [
      seg(0, 400),
      seg(10, 300),
      seg(20, 300),
      seg(30, 1),
      seg(40, 1000),
      seg(50, 50),
      seg(60, 950),
    ]
    const plan = { segments, cleanableEnd: 70n }
    expect(bases(groupSegments(plan, 70n, cfg))).toEqual([[0, 10, 20], [30], [40], [50, 60]])
    // Only below the end of what the offset map covers.
    expect(bases(groupSegments(plan, 40n, cfg))).toEqual([[0, 10, 20], [30]])
  })

  it('keeps the merged index within segment.index.bytes and offsets within a relative int32', () => {
    const segments = [seg(0, 300), seg(10, 300), seg(20, 300)]
    const plan = { segments, cleanableEnd: 30n }
    // 36-byte indexes: 2 time entries, the closing one and one more (> 100 bytes apart).
    expect(
      bases(groupSegments(plan, 30n, { ...cfg, segmentIndexBytes: 36, indexIntervalBytes: 300 })),
    ).toEqual([[0, 10], [20]])
    const far = [seg(0, 10), seg(2 ** 31 - 10, 10), seg(2 ** 31 + 5, 10)]
    expect(bases(groupSegments({ segments: far, cleanableEnd: 2n ** 31n + 20n }, 2n ** 32n, cfg))).toEqual([
      [0],
      [2 ** 31 - 10, 2 ** 31 + 5],
    ])
  })

  it('merges small segments in a pass even when no record goes', async () => {
    const { log, commits, contents } = fakeLog([[upd('a')], [upd('b')], [upd('c')], [upd('d')], [upd('z')]])
    const plan = planClean(await log.cleanerSegments(), { minCompactionLagMs: 0 }, 0, 0n, 5n, undefined)!
    const result = await cleanLog(log, plan, { ...NO_MERGE, segmentBytes: 1 << 20 }, 0)
    expect(result).toMatchObject({ segmentsRewritten: 4, segmentsMerged: 3, recordsRemoved: 0 })
    expect(commits).toEqual([0n])
    expect((await log.cleanerSegments()).map((s) => s.baseOffset)).toEqual([0n, 4n])
    expect(contents()).toEqual(['a@0', 'b@1', 'c@2', 'd@3', 'z@4'])
  })
})

describe('disk log reads during compaction', () => {
  it('every read returns batches as appended or as cleaned, never torn ones', async () => {
    const fs = new MemoryFileSystem()
    const store = await openStore(fs, { now: () => 5_000_000 })
    const log = await store.open(
      TP,
      config({
        cleanupPolicy: { delete: false, compact: true },
        segmentBytes: 300,
        indexIntervalBytes: 50,
        minCleanableDirtyRatio: 0,
      }),
    )
    const appended = new Map<bigint, string>()
    for (let i = 0; i < 60; i++) {
      const records = [upd(`k${i % 5}`), { key: `u${i}`, value: `${i}` }]
      const r = await log.append(keyedBatch(records), { leaderEpoch: 0 })
      records.forEach((rec, j) => appended.set(r.baseOffset + BigInt(j), `${rec.key}=${rec.value}`))
    }
    await log.flush()
    let done = false
    let reads = 0
    const readers = Array.from({ length: 4 }, async (_, w) => {
      while (!done) {
        const from = BigInt((reads * 7 + w * 13) % 120)
        reads++
        const r = await log.read(from, 400)
        for (const chunk of r.records)
          for (let pos = 0; pos < chunk.length;) {
            const size = 12 + chunk.readInt32BE(pos + 8)
            const batch = chunk.subarray(pos, pos + size)
            const base = batch.readBigInt64BE(0)
            for (const rec of readRecords(batch))
              expect(`${rec.key?.toString()}=${rec.value?.toString()}`).toBe(
                appended.get(base + BigInt(rec.offsetDelta)),
              )
            pos += size
          }
      }
    })
    await store.maintain(5_000_000)
    done = true
    await Promise.all(readers)
    expect(reads).toBeGreaterThan(4)
    const left = await readAllRecords(log)
    expect(left.filter((r) => r.key!.startsWith('k')).length).toBeLessThanOrEqual(5 + 3) // latest of 5 keys + the active segment (3 batches)
    await store.close()
  })
})

describe('disk faults while cleaning', () => {
  const faults = [
    [
      'fsync of the cleaned file fails (EIO)',
      (fs: MemoryFileSystem) => {
        fs.faults.syncError = (p) => p.endsWith('.cleaned')
      },
    ],
    [
      'the disk fills up (ENOSPC)',
      (fs: MemoryFileSystem) => {
        // Room for the checkpoints maintain() rewrites, not for a cleaned batch.
        fs.faults.capacityBytes = fs.usedBytes() + 40
      },
    ],
  ] as const

  it.each(faults)(
    '%s: the pass fails, the log stays as it was and keeps taking appends',
    async (_name, inject) => {
      const fs = new MemoryFileSystem()
      const store = await openStore(fs, { now: () => 5_000_000 })
      const log = await store.open(
        TP,
        config({
          cleanupPolicy: { delete: false, compact: true },
          segmentBytes: 120,
          minCleanableDirtyRatio: 0,
        }),
      )
      // The first segment keeps `z`, so the pass writes (and fails) before it changes anything.
      await log.append(keyedBatch([upd('z'), upd('a')]), { leaderEpoch: 0 })
      for (let i = 0; i < 4; i++) await log.append(keyedBatch([upd('a')]), { leaderEpoch: 0 })
      await log.flush()
      const before = await readAllRecords(log)
      inject(fs)
      await expect(store.maintain(5_000_000)).rejects.toThrow(/uncleanable/)
      expect(await readAllRecords(log)).toEqual(before)
      expect(
        (await fs.readdir('/data/t-0')).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap')),
      ).toEqual([])
      fs.faults.syncError = undefined
      fs.faults.capacityBytes = undefined
      const r = await log.append(keyedBatch([upd('b')]), { leaderEpoch: 0 })
      expect(r.baseOffset).toBe(6n)
      await store.close()
    },
  )
})
