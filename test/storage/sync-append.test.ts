// tryAppendNow: a small append to an idle disk partition made synchronously (one writeSync), with
// the same bookkeeping as append(); everything else (durable, a roll, flush.messages, appends
// already waiting, a file not open, a large append) is left to append() with nothing changed.

import { describe, expect, it } from 'vitest'
import { ErrorCode, KafkaError } from '../../src/protocol/errors.ts'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import type { AppendResult, LogConfig, PartitionLog } from '../../src/storage/log-store.ts'
import { simpleBatch } from './batches.ts'
import { openLog, readAll, seededRandom } from './helpers.ts'

const OPTS = { leaderEpoch: 0 }

function tryNow(log: PartitionLog, records: Buffer): AppendResult | undefined {
  return log.tryAppendNow!(records, OPTS)
}

/** A log whose segment file exists and is open (its first append went through append()). */
async function warmLog(fs: MemoryFileSystem, overrides: Partial<LogConfig> = {}) {
  const opened = await openLog(fs, overrides)
  await opened.log.append(simpleBatch(1), OPTS)
  return opened
}

describe('tryAppendNow (disk log)', () => {
  it('appends at once on an idle partition: offsets, reads, indexes and a restart agree', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await warmLog(fs, { indexIntervalBytes: 100 })
    const results: AppendResult[] = []
    for (let i = 0; i < 30; i++) {
      const r = tryNow(log, simpleBatch(2, 40))
      expect(r).toBeDefined()
      // Synchronous: the log end covers it on return.
      expect(log.logEndOffset()).toBe(r!.lastOffset + 1n)
      results.push(r!)
    }
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(1 + 2 * i)))
    for (const offset of [0n, 1n, 2n, 30n, 59n, 60n]) {
      const r = await log.read(offset, 1)
      const base = r.records[0]!.readBigInt64BE(0)
      expect(offset - base).toBeGreaterThanOrEqual(0n)
      expect(offset - base).toBeLessThanOrEqual(1n)
    }
    // A process kill keeps the page cache: everything acknowledged is there after a restart.
    const again = await openLog(fs.afterCrash('process-kill'), { indexIntervalBytes: 100 })
    expect(again.log.logEndOffset()).toBe(61n)
    expect((await readAll(again.log)).length).toBe(31)
    await again.store.close()
    await store.close()
  })

  it('leaves to append() whatever it cannot do at once, changing nothing', async () => {
    const cases: [string, Partial<LogConfig>, (log: PartitionLog) => Promise<Buffer>][] = [
      ['durable', { durable: true }, () => Promise.resolve(simpleBatch(1))],
      ['flush.messages reached', { flushMessages: 2 }, () => Promise.resolve(simpleBatch(1))],
      ['roll needed', { segmentBytes: 250 }, () => Promise.resolve(simpleBatch(1, 150))],
      ['larger than 16 KiB', {}, () => Promise.resolve(simpleBatch(1, 20_000))],
      [
        'an append waiting',
        {},
        (log) => {
          void log.append(simpleBatch(1), OPTS)
          return Promise.resolve(simpleBatch(1))
        },
      ],
    ]
    for (const [name, cfg, prepare] of cases) {
      const fs = new MemoryFileSystem()
      const { log, store } = await warmLog(fs, cfg)
      const batch = await prepare(log)
      const end = log.logEndOffset()
      const ops = fs.ops
      expect(tryNow(log, batch), name).toBeUndefined()
      expect(log.logEndOffset(), name).toBe(end)
      expect(fs.ops, name).toBe(ops)
      // append() takes it as usual.
      const r = await log.append(batch, OPTS)
      expect(r.lastOffset + 1n, name).toBe(log.logEndOffset())
      await store.close()
    }
  })

  it('needs the segment file open: a new partition makes its first append through append()', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await openLog(fs)
    expect(tryNow(log, simpleBatch(1))).toBeUndefined()
    await log.append(simpleBatch(1), OPTS)
    expect(tryNow(log, simpleBatch(1))?.baseOffset).toBe(1n)
    await store.close()
  })

  it('throws a malformed batch KafkaError, and a failed write leaves the log consistent', async () => {
    const fs = new MemoryFileSystem()
    const { log, store } = await warmLog(fs)
    const bad = Buffer.from(simpleBatch(1))
    bad.writeInt32BE(1_000_000, 8)
    expect(() => tryNow(log, bad)).toThrow(KafkaError)
    expect(log.logEndOffset()).toBe(1n)

    fs.faults.capacityBytes = fs.usedBytes() + 20
    let err: unknown
    try {
      tryNow(log, simpleBatch(1, 60))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(KafkaError)
    expect((err as KafkaError).code).toBe(ErrorCode.KAFKA_STORAGE_ERROR)
    expect(log.logEndOffset()).toBe(1n)
    fs.faults.capacityBytes = undefined
    // The undo of the failed write is queued: the next append waits for it, then goes on.
    expect(tryNow(log, simpleBatch(1))).toBeUndefined()
    expect((await log.append(simpleBatch(1), OPTS)).baseOffset).toBe(1n)
    expect(tryNow(log, simpleBatch(1))?.baseOffset).toBe(2n)
    expect((await readAll(log)).map((b) => b.base)).toEqual([0n, 1n, 2n])
    await store.close()
  })

  it('mixed with append() in random order, rolling as it goes, keeps offsets in call order', async () => {
    const fs = new MemoryFileSystem()
    const cfg = { segmentBytes: 1500, indexIntervalBytes: 200 }
    const { log, store } = await warmLog(fs, cfg)
    const random = seededRandom(7)
    const offsets: Promise<bigint>[] = [Promise.resolve(0n)]
    let sync = 0
    for (let i = 0; i < 300; i++) {
      const batch = simpleBatch(1 + Math.floor(random() * 3), 10 + Math.floor(random() * 80))
      const now = random() < 0.7 ? tryNow(log, batch) : undefined
      if (now !== undefined) {
        sync++
        offsets.push(Promise.resolve(now.baseOffset))
      } else offsets.push(log.append(batch, OPTS).then((r) => r.baseOffset))
      if (random() < 0.3) await offsets[offsets.length - 1]
    }
    const bases = await Promise.all(offsets)
    expect(sync).toBeGreaterThan(50)
    const stored = await readAll(log)
    expect(stored.map((b) => b.base)).toEqual(bases)
    const segments = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
    expect(segments.length).toBeGreaterThan(3)
    await store.close()
    const again = await openLog(fs, cfg)
    expect((await readAll(again.log)).map((b) => b.base)).toEqual(bases)
    await again.store.close()
  })
})
