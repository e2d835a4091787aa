// The PartitionLog behaviour both implementations must share; memory-log.test.ts and the disk
// log tests run it against their store.

import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { Compression } from '../../src/protocol/records/batch-header.ts'
import { crc32c } from '../../src/protocol/records/crc32c.ts'
import {
  DEFAULT_LOG_CONFIG,
  type LogConfig,
  type LogStore,
  type PartitionLog,
} from '../../src/storage/log-store.ts'
import { batchOffsets, makeBatch, simpleBatch } from './batches.ts'

export interface StoreHarness {
  store: LogStore
  /** Sets the store's wall clock (ms). */
  setNow(ms: number): void
  cleanup(): Promise<void>
}

const T0 = 1_700_000_000_000

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, cleanupPolicy: { delete: true, compact: false }, ...overrides }
}

async function expectKafkaError(p: Promise<unknown>, code: number): Promise<void> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KafkaError)
  expect((err as KafkaError).code).toBe(code)
}

export function describeLogBehaviour(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`${name}: PartitionLog behaviour`, () => {
    async function withLog(
      overrides: Partial<LogConfig>,
      body: (log: PartitionLog, h: StoreHarness) => Promise<void>,
    ): Promise<void> {
      const h = await makeHarness()
      h.setNow(T0)
      try {
        const log = await h.store.open({ topic: 't', partition: 0 }, config(overrides))
        await body(log, h)
      } finally {
        await h.store.close()
        await h.cleanup()
      }
    }

    it('assigns consecutive offsets by patching headers, keeping the CRC valid', () =>
      withLog({}, async (log) => {
        const a = simpleBatch(3)
        const r1 = await log.append(a, { leaderEpoch: 5 })
        expect(r1).toMatchObject({
          baseOffset: 0n,
          lastOffset: 2n,
          batches: 1,
          records: 3,
          logAppendTime: -1n,
        })
        const two = Buffer.concat([simpleBatch(2), simpleBatch(4)])
        const r2 = await log.append(two, { leaderEpoch: 5 })
        expect(r2).toMatchObject({ baseOffset: 3n, lastOffset: 8n, batches: 2, records: 6 })
        expect(log.logEndOffset()).toBe(9n)
        expect(log.highWatermark()).toBe(9n)
        const read = await log.read(0n, 1 << 20)
        expect(batchOffsets(read.records)).toEqual([
          { base: 0n, last: 2n },
          { base: 3n, last: 4n },
          { base: 5n, last: 8n },
        ])
        const all = Buffer.concat(read.records)
        expect(read.bytes).toBe(all.length)
        for (let pos = 0; pos < all.length; pos += 12 + all.readInt32BE(pos + 8)) {
          expect(all.readInt32BE(pos + 12)).toBe(5)
          const size = 12 + all.readInt32BE(pos + 8)
          expect(crc32c(all.subarray(pos + 21, pos + size))).toBe(all.readUInt32BE(pos + 17))
        }
      }))

    it('serialises concurrent appends in call order while reads see only whole batches', () =>
      withLog({ segmentBytes: 2000 }, async (log) => {
        const appends = Array.from({ length: 40 }, (_, i) =>
          log.append(simpleBatch(1 + (i % 3), 50), { leaderEpoch: 0 }),
        )
        const reads: Promise<unknown>[] = []
        for (let i = 0; i < 20; i++)
          reads.push(
            log.read(0n, 1 << 20).then((r) => {
              const all = Buffer.concat(r.records)
              for (let pos = 0; pos < all.length; pos += 12 + all.readInt32BE(pos + 8)) {
                const size = 12 + all.readInt32BE(pos + 8)
                expect(pos + size).toBeLessThanOrEqual(all.length)
                expect(crc32c(all.subarray(pos + 21, pos + size))).toBe(all.readUInt32BE(pos + 17))
              }
            }),
          )
        const results = await Promise.all(appends)
        await Promise.all(reads)
        let next = 0n
        for (const [i, r] of results.entries()) {
          expect(r.baseOffset).toBe(next)
          next += BigInt(1 + (i % 3))
        }
        expect(log.logEndOffset()).toBe(next)
      }))

    it('applies LogAppendTime to the max timestamp and attributes, rewriting the CRC', () =>
      withLog({}, async (log) => {
        const r = await log.append(simpleBatch(2), { leaderEpoch: 0, logAppendTime: 1_800_000_000_000n })
        expect(r.logAppendTime).toBe(1_800_000_000_000n)
        const b = Buffer.concat((await log.read(0n, 1 << 20)).records)
        expect(b.readInt16BE(21) & 0x08).toBe(0x08)
        expect(b.readBigInt64BE(35)).toBe(1_800_000_000_000n)
        expect(crc32c(b.subarray(21))).toBe(b.readUInt32BE(17))
        const ts = await log.offsetForTimestamp(1_800_000_000_000n)
        expect(ts).toEqual({ offset: 0n, timestamp: 1_800_000_000_000n, leaderEpoch: 0 })
      }))

    it('reads from the batch containing the offset, bounded by maxBytes, at least one batch', () =>
      withLog({}, async (log) => {
        const sizes: number[] = []
        for (let i = 0; i < 5; i++) {
          const b = simpleBatch(10, 100)
          sizes.push(b.length)
          await log.append(b, { leaderEpoch: 0 })
        }
        const mid = await log.read(15n, 1 << 20)
        expect(batchOffsets(mid.records).map((b) => b.base)).toEqual([10n, 20n, 30n, 40n])
        const two = await log.read(0n, sizes[0]! + sizes[1]! + 5)
        expect(batchOffsets(two.records).map((b) => b.base)).toEqual([0n, 10n])
        const tiny = await log.read(20n, 1)
        expect(batchOffsets(tiny.records).map((b) => b.base)).toEqual([20n])
        expect(tiny.bytes).toBe(sizes[2])
        const strict = await log.read(20n, 1, { minOneBatch: false })
        expect(strict.records).toEqual([])
        const capped = await log.read(0n, 1 << 20, { maxOffset: 30n })
        expect(batchOffsets(capped.records).map((b) => b.base)).toEqual([0n, 10n, 20n])
        const atEnd = await log.read(50n, 1 << 20)
        expect(atEnd).toMatchObject({
          records: [],
          bytes: 0,
          highWatermark: 50n,
          logStartOffset: 0n,
          lastStableOffset: 50n,
        })
        await expectKafkaError(log.read(51n, 100), 1)
        await expectKafkaError(log.read(-1n, 100), 1)
      }))

    it('rejects malformed appends without changing the log', () =>
      withLog({}, async (log) => {
        await log.append(simpleBatch(1), { leaderEpoch: 0 })
        const torn = simpleBatch(2).subarray(0, 40)
        await expectKafkaError(log.append(Buffer.from(torn), { leaderEpoch: 0 }), 2)
        const badMagic = simpleBatch(1)
        badMagic.writeInt8(1, 16)
        await expectKafkaError(log.append(badMagic, { leaderEpoch: 0 }), 2)
        await expectKafkaError(log.append(Buffer.alloc(0), { leaderEpoch: 0 }), 87)
        expect(log.logEndOffset()).toBe(1n)
        const r = await log.append(simpleBatch(1), { leaderEpoch: 0 })
        expect(r.baseOffset).toBe(1n)
      }))

    it('rejects an append larger than segment.bytes', () =>
      withLog({ segmentBytes: 500 }, async (log) => {
        await expectKafkaError(log.append(simpleBatch(10, 100), { leaderEpoch: 0 }), 18)
        expect(log.logEndOffset()).toBe(0n)
      }))

    it('finds offsets by record timestamp and the record with the max timestamp', () =>
      withLog({ indexIntervalBytes: 1 }, async (log) => {
        expect(await log.maxTimestamp()).toBeUndefined()
        expect(await log.offsetForTimestamp(0n)).toBeUndefined()
        // offsets 0..2 at T0+0,+10,+20; 3..5 at +5 (out of order), +50, +30; 6 at +40
        await log.append(
          makeBatch([
            { value: null, timestamp: 1000n },
            { value: null, timestamp: 1010n },
            { value: null, timestamp: 1020n },
          ]),
          { leaderEpoch: 1 },
        )
        await log.append(
          makeBatch([
            { value: null, timestamp: 1005n },
            { value: null, timestamp: 1050n },
            { value: null, timestamp: 1030n },
          ]),
          { leaderEpoch: 2 },
        )
        await log.append(makeBatch([{ value: null, timestamp: 1040n }]), { leaderEpoch: 2 })
        expect(await log.offsetForTimestamp(0n)).toEqual({ offset: 0n, timestamp: 1000n, leaderEpoch: 1 })
        expect(await log.offsetForTimestamp(1010n)).toEqual({ offset: 1n, timestamp: 1010n, leaderEpoch: 1 })
        expect(await log.offsetForTimestamp(1021n)).toEqual({ offset: 4n, timestamp: 1050n, leaderEpoch: 2 })
        expect(await log.offsetForTimestamp(1041n)).toEqual({ offset: 4n, timestamp: 1050n, leaderEpoch: 2 })
        expect(await log.offsetForTimestamp(1051n)).toBeUndefined()
        expect(await log.maxTimestamp()).toEqual({ offset: 4n, timestamp: 1050n, leaderEpoch: 2 })
        await log.deleteRecordsBefore(5n)
        expect(await log.offsetForTimestamp(1021n)).toEqual({ offset: 5n, timestamp: 1030n, leaderEpoch: 2 })
      }))

    it('looks inside compressed batches for exact timestamp offsets', () =>
      withLog({}, async (log) => {
        const ts = [2000n, 2030n, 2010n, 2020n]
        for (const compression of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
          await log.append(
            buildRecordBatch({
              compression,
              records: ts.map((t) => ({ value: Buffer.from('v'), timestamp: t })),
            }),
            { leaderEpoch: 3 },
          )
        }
        expect(await log.offsetForTimestamp(2005n)).toEqual({ offset: 1n, timestamp: 2030n, leaderEpoch: 3 })
        expect(await log.offsetForTimestamp(2030n)).toEqual({ offset: 1n, timestamp: 2030n, leaderEpoch: 3 })
        await log.deleteRecordsBefore(10n)
        expect(await log.offsetForTimestamp(2015n)).toEqual({ offset: 11n, timestamp: 2020n, leaderEpoch: 3 })
        expect(await log.maxTimestamp()).toEqual({ offset: 1n, timestamp: 2030n, leaderEpoch: 3 })
      }))

    it('tracks leader epochs for OffsetForLeaderEpoch', () =>
      withLog({}, async (log) => {
        expect(log.endOffsetForEpoch(0)).toEqual({ leaderEpoch: -1, endOffset: -1n })
        await log.append(simpleBatch(3), { leaderEpoch: 1 })
        await log.append(simpleBatch(3), { leaderEpoch: 1 })
        await log.append(simpleBatch(3), { leaderEpoch: 4 })
        expect(log.endOffsetForEpoch(4)).toEqual({ leaderEpoch: 4, endOffset: 9n })
        expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 6n })
        expect(log.endOffsetForEpoch(3)).toEqual({ leaderEpoch: 1, endOffset: 6n })
        expect(log.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 0n })
        expect(log.endOffsetForEpoch(7)).toEqual({ leaderEpoch: -1, endOffset: -1n })
        expect(log.endOffsetForEpoch(-1)).toEqual({ leaderEpoch: -1, endOffset: -1n })
        await log.truncateTo(7n)
        expect(log.logEndOffset()).toBe(6n)
        expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 6n })
      }))

    it('rolls segments on segment.bytes and deletes whole segments for retention.bytes', () =>
      withLog({ segmentBytes: 1000 }, async (log, h) => {
        const size = simpleBatch(4, 50).length
        for (let i = 0; i < 20; i++) await log.append(simpleBatch(4, 50), { leaderEpoch: 0 })
        const perSegment = Math.floor(1000 / size)
        expect(log.sizeInBytes()).toBe(20 * size)
        log.updateConfig(config({ segmentBytes: 1000, retentionBytes: 5 * size, retentionMs: -1 }))
        await h.store.maintain(T0)
        // Whole segments go while the rest stays at or above retention.bytes.
        const segBytes = perSegment * size
        expect(log.sizeInBytes()).toBeGreaterThanOrEqual(5 * size)
        expect(log.sizeInBytes()).toBeLessThan(5 * size + segBytes)
        expect(log.logStartOffset() % BigInt(perSegment * 4)).toBe(0n)
        expect(log.logStartOffset()).toBeGreaterThan(0n)
        const first = await log.read(log.logStartOffset(), 1 << 20)
        expect(batchOffsets(first.records)[0]!.base).toBe(log.logStartOffset())
        await expectKafkaError(log.read(0n, 100), 1)
      }))

    it('deletes segments older than retention.ms, rolling the active one when all expire', () =>
      withLog({ segmentBytes: 1000, retentionMs: 60_000 }, async (log, h) => {
        for (let i = 0; i < 10; i++)
          await log.append(simpleBatch(4, 50, BigInt(T0 + i * 1000)), { leaderEpoch: 0 })
        await h.store.maintain(T0 + 60_000)
        expect(log.logStartOffset()).toBe(0n)
        await h.store.maintain(T0 + 65_500)
        expect(log.logStartOffset()).toBeGreaterThan(0n)
        expect(log.logStartOffset()).toBeLessThan(40n)
        await h.store.maintain(T0 + 200_000)
        expect(log.logStartOffset()).toBe(40n)
        expect(log.logEndOffset()).toBe(40n)
        expect(log.sizeInBytes()).toBe(0)
        expect((await log.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(40n)
        expect(batchOffsets((await log.read(40n, 1000)).records)).toEqual([{ base: 40n, last: 40n }])
      }))

    it('rolls on segment.ms measured from the first batch timestamp', () =>
      withLog({ segmentMs: 10_000, retentionMs: 1 }, async (log, h) => {
        await log.append(simpleBatch(1, 10, BigInt(T0)), { leaderEpoch: 0 })
        await log.append(simpleBatch(1, 10, BigInt(T0 + 10_000)), { leaderEpoch: 0 })
        await log.append(simpleBatch(1, 10, BigInt(T0 + 10_001)), { leaderEpoch: 0 })
        // Segments now start at 0 and 2; only the first is fully old and below the HW.
        await h.store.maintain(T0 + 10_002)
        expect(log.logStartOffset()).toBe(2n)
      }))

    it('rolls a compacted log at max.compaction.lag.ms when it is shorter than segment.ms', () =>
      withLog(
        { segmentMs: 100_000, maxCompactionLagMs: 10_000, cleanupPolicy: { delete: false, compact: true } },
        async (log) => {
          await log.append(simpleBatch(1, 10, BigInt(T0)), { leaderEpoch: 0 })
          await log.append(simpleBatch(1, 10, BigInt(T0 + 10_000)), { leaderEpoch: 0 })
          await log.append(simpleBatch(1, 10, BigInt(T0 + 10_001)), { leaderEpoch: 0 })
          const bases = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
          expect(bases).toEqual([0n, 2n])
          // Without compaction the lag does not apply.
          log.updateConfig(config({ segmentMs: 100_000, maxCompactionLagMs: 10_000 }))
          await log.append(simpleBatch(1, 10, BigInt(T0 + 30_000)), { leaderEpoch: 0 })
          expect((log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()).toEqual([
            0n,
            2n,
          ])
        },
      ))

    it('moves the log start offset with deleteRecordsBefore and drops segments on maintain', () =>
      withLog({ segmentBytes: 300 }, async (log, h) => {
        for (let i = 0; i < 6; i++) await log.append(simpleBatch(2, 50), { leaderEpoch: 0 })
        await expectKafkaError(log.deleteRecordsBefore(13n), 1)
        await expectKafkaError(log.deleteRecordsBefore(-1n), 1)
        expect(await log.deleteRecordsBefore(5n)).toBe(5n)
        expect(await log.deleteRecordsBefore(3n)).toBe(5n)
        const before = log.sizeInBytes()
        const r = await log.read(5n, 1 << 20)
        expect(batchOffsets(r.records)[0]!.base).toBe(4n)
        await expectKafkaError(log.read(4n, 100), 1)
        await h.store.maintain(T0)
        expect(log.sizeInBytes()).toBeLessThan(before)
        expect(log.logStartOffset()).toBe(5n)
        expect(await log.deleteRecordsBefore(12n)).toBe(12n)
        await h.store.maintain(T0)
        expect(log.logStartOffset()).toBe(12n)
        expect((await log.read(12n, 100)).records).toEqual([])
      }))

    it('truncates to a batch boundary and appends after it', () =>
      withLog({ segmentBytes: 300 }, async (log) => {
        for (let i = 0; i < 6; i++) await log.append(simpleBatch(2, 50), { leaderEpoch: 0 })
        await log.truncateTo(7n)
        expect(log.logEndOffset()).toBe(6n)
        await log.truncateTo(100n)
        expect(log.logEndOffset()).toBe(6n)
        expect(batchOffsets((await log.read(0n, 1 << 20)).records).map((b) => b.base)).toEqual([0n, 2n, 4n])
        expect((await log.append(simpleBatch(3), { leaderEpoch: 1 })).baseOffset).toBe(6n)
        await log.truncateTo(0n)
        expect(log.logEndOffset()).toBe(0n)
        expect(log.sizeInBytes()).toBe(0)
        expect((await log.append(simpleBatch(1), { leaderEpoch: 2 })).baseOffset).toBe(0n)
      }))

    it('empties the log and starts over when a truncation would cut below the log start (Kafka truncateFullyAndStartAt)', () =>
      withLog({ segmentBytes: 300 }, async (log) => {
        // Batches of two records: [0,1] [2,3] ... [10,11], over several segments.
        for (let i = 0; i < 6; i++) await log.append(simpleBatch(2, 50), { leaderEpoch: 1 })
        await expectKafkaError(log.truncateTo(-1n), 1)
        // The log start in the middle of batch [6,7]: truncating into that batch would leave the
        // log end (6) below the log start (7).
        expect(await log.deleteRecordsBefore(7n)).toBe(7n)
        await log.truncateTo(7n)
        expect(log.logStartOffset()).toBe(7n)
        expect(log.logEndOffset()).toBe(7n)
        expect(log.sizeInBytes()).toBe(0)
        expect((await log.read(7n, 1 << 20)).records).toEqual([])
        await expectKafkaError(log.read(6n, 100), 1)
        expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: -1, endOffset: -1n })
        expect((await log.append(simpleBatch(2), { leaderEpoch: 2 })).baseOffset).toBe(7n)
        expect(batchOffsets((await log.read(7n, 1 << 20)).records).map((b) => b.base)).toEqual([7n])
        // Below the log start: the records before it are never brought back.
        await log.truncateTo(3n)
        expect(log.logStartOffset()).toBe(3n)
        expect(log.logEndOffset()).toBe(3n)
        expect(log.sizeInBytes()).toBe(0)
        expect((await log.append(simpleBatch(1), { leaderEpoch: 3 })).baseOffset).toBe(3n)
        expect(log.logEndOffset()).toBe(4n)
        // A truncation at or above the log start that keeps it stays an ordinary cut.
        await log.append(simpleBatch(2), { leaderEpoch: 3 })
        await log.truncateTo(5n)
        expect(log.logStartOffset()).toBe(3n)
        expect(log.logEndOffset()).toBe(4n)
      }))

    it('reports aborted transactions and the last stable offset', () =>
      withLog({}, async (log) => {
        for (let i = 0; i < 4; i++) await log.append(simpleBatch(5), { leaderEpoch: 0 })
        await log.addAbortedTransaction({
          producerId: 7n,
          firstOffset: 2n,
          lastOffset: 6n,
          lastStableOffset: 2n,
        })
        await log.addAbortedTransaction({
          producerId: 8n,
          firstOffset: 10n,
          lastOffset: 12n,
          lastStableOffset: 10n,
        })
        expect(log.abortedTransactions(0n, 2n)).toEqual([])
        expect(log.abortedTransactions(0n, 3n).map((t) => t.producerId)).toEqual([7n])
        expect(log.abortedTransactions(6n, 20n).map((t) => t.producerId)).toEqual([7n, 8n])
        expect(log.abortedTransactions(13n, 20n)).toEqual([])
        log.setFirstUnstableOffset(15n)
        expect(log.lastStableOffset()).toBe(15n)
        expect((await log.read(0n, 1 << 20)).lastStableOffset).toBe(15n)
        log.setFirstUnstableOffset(undefined)
        expect(log.lastStableOffset()).toBe(20n)
        // Truncating away an ABORT marker forgets that transaction.
        await log.truncateTo(12n)
        expect(log.abortedTransactions(0n, 20n).map((t) => t.producerId)).toEqual([7n])
      }))

    it('keeps partitions apart and deletes them from the store', async () => {
      const h = await makeHarness()
      try {
        const a = await h.store.open({ topic: 'a', partition: 0 }, config())
        const b = await h.store.open({ topic: 'a', partition: 1 }, config())
        expect(await h.store.open({ topic: 'a', partition: 0 }, config())).toBe(a)
        await a.append(simpleBatch(3), { leaderEpoch: 0 })
        expect(b.logEndOffset()).toBe(0n)
        expect(h.store.get({ topic: 'a', partition: 0 })).toBe(a)
        expect(
          h.store
            .partitions()
            .map((p) => `${p.topic}-${p.partition}`)
            .sort(),
        ).toEqual(['a-0', 'a-1'])
        await h.store.delete({ topic: 'a', partition: 0 })
        expect(h.store.get({ topic: 'a', partition: 0 })).toBeUndefined()
        expect(h.store.partitions()).toEqual([{ topic: 'a', partition: 1 }])
        const again = await h.store.open({ topic: 'a', partition: 0 }, config())
        expect(again.logEndOffset()).toBe(0n)
      } finally {
        await h.store.close()
        await h.cleanup()
      }
    })
  })
}
