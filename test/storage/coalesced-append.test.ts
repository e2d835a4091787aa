// Appends that queue up on one partition are written together (one pwritev per drain), in the
// order they were called, each acknowledged only after its bytes were written; a bad append in
// the middle fails alone, a failed write fails its whole group and leaves the log consistent.

import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../src/protocol/errors.ts'
import { MemoryFileSystem, type FileHandle } from '../../src/storage/fs.ts'
import { simpleBatch } from './batches.ts'
import { config } from './log-behaviour.ts'
import { openLog, readAll } from './helpers.ts'

/** Counts write and writev calls (and their synchronous forms) on .log files. */
class CountingFs extends MemoryFileSystem {
  writes = 0
  override async open(path: string, options?: { create?: boolean }): Promise<FileHandle> {
    const h = await super.open(path, options)
    if (!path.endsWith('.log')) return h
    const write = h.write.bind(h)
    const writev = h.writev?.bind(h)
    let inWritev = false
    h.write = (b, o, l, p) => {
      if (!inWritev) this.writes++
      return write(b, o, l, p)
    }
    const writeSync = h.writeSync?.bind(h)
    if (writeSync !== undefined)
      h.writeSync = (b, p) => {
        this.writes++
        return writeSync(b, p)
      }
    const writevSync = h.writevSync?.bind(h)
    if (writevSync !== undefined)
      h.writevSync = (bufs, p) => {
        this.writes++
        return writevSync(bufs, p)
      }
    if (writev !== undefined)
      h.writev = async (bufs, p) => {
        this.writes++
        inWritev = true
        try {
          return await writev(bufs, p)
        } finally {
          inWritev = false
        }
      }
    return h
  }
}

describe('coalesced appends', () => {
  it('writes concurrent appends together, in call order, acknowledging each after its write', async () => {
    const fs = new CountingFs()
    const { log, store } = await openLog(fs)
    const n = 50
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        log.append(simpleBatch(2, 10 + (i % 7)), { leaderEpoch: 0 }).then((r) => {
          // Acknowledged means written: the log end covers it already.
          expect(log.logEndOffset() > r.lastOffset).toBe(true)
          return r
        }),
      ),
    )
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: n }, (_, i) => BigInt(i * 2)))
    expect(fs.writes).toBeLessThanOrEqual(2)
    const batches = await readAll(log)
    expect(batches.map((b) => b.base)).toEqual(results.map((r) => r.baseOffset))
    await store.close()
  })

  it('rolls inside a burst: each segment gets its own write and indexes stay consistent', async () => {
    const fs = new CountingFs()
    const cfg = { segmentBytes: 500, indexIntervalBytes: 100 }
    const { log, store } = await openLog(fs, cfg)
    const results = await Promise.all(
      Array.from({ length: 40 }, () => log.append(simpleBatch(1, 30), { leaderEpoch: 0 })),
    )
    const segments = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
    expect(segments.length).toBeGreaterThan(3)
    expect(fs.writes).toBe(segments.length)
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i)))
    for (const offset of [0n, 7n, 19n, 33n, 39n]) {
      const r = await log.read(offset, 1)
      expect(r.records[0]!.readBigInt64BE(0)).toBe(offset)
    }
    await store.close()
    const again = await openLog(fs, cfg)
    expect(again.log.logEndOffset()).toBe(40n)
    expect((await readAll(again.log)).length).toBe(40)
    await again.store.close()
  })

  it('fails a malformed append alone, and a failed write fails its group only', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs, config())
    const bad = Buffer.from(simpleBatch(1))
    bad.writeInt32BE(1_000_000, 8) // batch length past the end
    const outcomes = await Promise.allSettled([
      log.append(simpleBatch(1), { leaderEpoch: 0 }),
      log.append(bad, { leaderEpoch: 0 }),
      log.append(simpleBatch(1), { leaderEpoch: 0 }),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(log.logEndOffset()).toBe(2n)

    fs.faults.capacityBytes = fs.usedBytes() + 150
    const failed = await Promise.allSettled(
      Array.from({ length: 5 }, () => log.append(simpleBatch(1, 60), { leaderEpoch: 0 })),
    )
    for (const o of failed) {
      expect(o.status).toBe('rejected')
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(KafkaError)
    }
    expect(log.logEndOffset()).toBe(2n)
    fs.faults.capacityBytes = undefined
    expect((await log.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(2n)
    expect((await readAll(log)).map((b) => b.base)).toEqual([0n, 1n, 2n])
    await store.close()
  })

  it('durable mode: a burst shares one write and one fsync round', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs, { durable: true })
    await log.append(simpleBatch(1), { leaderEpoch: 0 })
    const before = fs.syncCount
    await Promise.all(Array.from({ length: 20 }, () => log.append(simpleBatch(1), { leaderEpoch: 0 })))
    expect(fs.syncCount - before).toBeLessThanOrEqual(2)
    expect(log.logEndOffset()).toBe(21n)
    await store.close()
  })
})
