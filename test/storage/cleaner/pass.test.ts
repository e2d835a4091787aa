// cleanLog() against a small fake log (the offset-map bound, rewrites skipped when nothing goes,
// a log changed under the pass), and the disk log serving reads while segments are swapped.

import { describe, expect, it } from 'vitest'
import { readRecords } from '../../../src/protocol/records/records.ts'
import {
  cleanLog,
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
    forEachBatch: async (s, visit) => {
      for (const b of segments.find((x) => x.baseOffset === s.baseOffset)!.batches) await visit(b)
    },
    rewriteSegment: (s: CleanerSegment) => {
      const out: Buffer[] = []
      return Promise.resolve({
        write: (b: Buffer) => {
          out.push(b)
          return Promise.resolve()
        },
        abort: () => Promise.resolve(),
        commit: () => {
          if (options.failCommitAt === s.baseOffset) return Promise.resolve(false)
          const seg = segments.find((x) => x.baseOffset === s.baseOffset)!
          seg.batches = out
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
    const result = await cleanLog(log, plan, { deleteRetentionMs: 1e12 }, 0, 1)
    expect(result).toEqual({ cleanedTo: 2n, segmentsRewritten: 0, recordsRemoved: 0, complete: true })
    expect(commits).toEqual([])
    const again = planClean(await log.cleanerSegments(), { minCompactionLagMs: 0 }, 0, 0n, 7n, 2n)!
    expect(again.firstDirtyIndex).toBe(1)
    const second = await cleanLog(log, again, { deleteRetentionMs: 1e12 }, 0)
    expect(second.cleanedTo).toBe(6n)
    expect(commits).toEqual([0n, 2n])
    expect(contents()).toEqual(['a@2', 'b@4', 'c@5', 'z@6'])
  })

  it('reports an incomplete pass when the log changed under it', async () => {
    const { log, contents } = fakeLog([[upd('a')], [upd('a')], [upd('a')], [upd('a')]], { failCommitAt: 1n })
    const plan = planClean(await log.cleanerSegments(), { minCompactionLagMs: 0 }, 0, 0n, 4n, undefined)!
    const result = await cleanLog(log, plan, { deleteRetentionMs: 1e12 }, 0)
    expect(result.complete).toBe(false)
    expect(result.cleanedTo).toBe(0n)
    expect(contents()).toEqual(['a@1', 'a@2', 'a@3'])
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
