// Unit tests of the cleaner's pieces: the offset map, the per-batch rules and the pass planning.

import { describe, expect, it } from 'vitest'
import {
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
  ATTR_TRANSACTIONAL,
  Compression,
} from '../../../src/protocol/records/batch-header.ts'
import { crc32c } from '../../../src/protocol/records/crc32c.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { readBatchHeader } from '../../../src/protocol/records/batch-header.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import { addBatchToMap, cleanBatch } from '../../../src/storage/cleaner/compact-batch.ts'
import {
  planClean,
  shouldClean,
  type CleanerSegment,
  type CleanPlan,
} from '../../../src/storage/cleaner/cleaner.ts'
import { OffsetMap } from '../../../src/storage/cleaner/offset-map.ts'
import { TxnCleanState } from '../../../src/storage/cleaner/txn-state.ts'
import { keyedBatch, markerRecord } from './records.ts'

function at(batch: Buffer, base: bigint): Buffer {
  batch.writeBigInt64BE(base, 0)
  return batch
}

const k = (s: string): Buffer => Buffer.from(s)

describe('OffsetMap', () => {
  it('keeps the latest offset per exact key bytes', () => {
    const m = new OffsetMap(1 << 20)
    m.put(k('a'), 1n)
    m.put(k('b'), 2n)
    m.put(k('a'), 5n)
    m.put(Buffer.from([0xff, 0x00]), 6n)
    expect(m.get(k('a'))).toBe(5n)
    expect(m.get(k('b'))).toBe(2n)
    expect(m.get(Buffer.from([0xff, 0x00]))).toBe(6n)
    expect(m.get(Buffer.from([0xff]))).toBeUndefined()
    expect(m.size).toBe(3)
    expect(m.latestOffset).toBe(6n)
  })

  it('reports full once the estimated bytes reach the bound', () => {
    const m = new OffsetMap(200)
    m.put(k('x'.repeat(50)), 0n)
    expect(m.full).toBe(false)
    m.put(k('y'.repeat(50)), 1n)
    expect(m.full).toBe(true)
    // Overwriting an existing key costs nothing.
    const before = m.bytes
    m.put(k('x'.repeat(50)), 2n)
    expect(m.bytes).toBe(before)
  })
})

describe('cleanBatch', () => {
  const map = (): OffsetMap => {
    const m = new OffsetMap(1 << 20)
    addBatchToMap(
      at(
        keyedBatch([
          { key: 'a', value: '3' },
          { key: 'b', value: null },
        ]),
        10n,
      ),
      m,
      100n,
    )
    return m
  }

  it('drops superseded and keyless records, keeps offsets and header fields', () => {
    const b = at(
      keyedBatch(
        [
          { key: 'a', value: '1' },
          { key: null, value: 'no key' },
          { key: 'c', value: '2' },
          { key: 'b', value: 'old' },
        ],
        5_000n,
        { producerId: 7n, producerEpoch: 2, baseSequence: 40 },
      ),
      0n,
    )
    b.writeInt32BE(3, 12) // leader epoch
    const out = cleanBatch(b, { map: map(), now: 0n, deleteRetentionMs: 1000n })
    expect(out.removed).toBe(3)
    expect(out.kept).toBe(1)
    const h = readBatchHeader(out.batch!, 0)
    expect(h.baseOffset).toBe(0n)
    expect(h.lastOffsetDelta).toBe(3)
    expect(h.partitionLeaderEpoch).toBe(3)
    expect(h.producerId).toBe(7n)
    expect(h.producerEpoch).toBe(2)
    expect(h.baseSequence).toBe(40)
    expect(h.recordsCount).toBe(1)
    const recs = readRecords(out.batch!)
    expect(recs.map((r) => [r.offsetDelta, r.key?.toString(), r.value?.toString()])).toEqual([[2, 'c', '2']])
  })

  it('returns the same bytes when nothing is removed, and nothing when everything is', () => {
    const m = map()
    const keep = at(keyedBatch([{ key: 'z', value: '1' }]), 50n)
    expect(cleanBatch(keep, { map: m, now: 0n, deleteRetentionMs: 1000n }).batch).toBe(keep)
    const gone = at(keyedBatch([{ key: 'a', value: '0' }]), 1n)
    expect(cleanBatch(gone, { map: m, now: 0n, deleteRetentionMs: 1000n })).toEqual({
      batch: undefined,
      kept: 0,
      removed: 1,
      changed: true,
    })
  })

  it('stamps a delete horizon on the first pass that keeps a tombstone, drops it once past', () => {
    const tomb = at(
      keyedBatch(
        [
          { key: 'a', value: '3' },
          { key: 'b', value: null },
        ],
        7_000n,
      ),
      10n,
    )
    const m = map()
    const first = cleanBatch(tomb, { map: m, now: 50_000n, deleteRetentionMs: 1000n })
    expect(first).toMatchObject({ removed: 0, kept: 2, changed: true })
    const h = readBatchHeader(first.batch!, 0)
    expect(h.attributes & ATTR_DELETE_HORIZON).toBe(ATTR_DELETE_HORIZON)
    expect(h.baseTimestamp).toBe(51_000n)
    expect(h.maxTimestamp).toBe(7_000n)
    expect(crc32c(first.batch!.subarray(21))).toBe(h.crc)
    // Record timestamps are unchanged (deltas re-based on the horizon).
    expect(readRecords(first.batch!).map((r) => h.baseTimestamp + BigInt(r.timestampDelta))).toEqual([
      7_000n,
      7_000n,
    ])
    // Before the horizon: unchanged; at it: the tombstone goes, the horizon stays.
    const again = cleanBatch(first.batch!, { map: m, now: 50_999n, deleteRetentionMs: 1000n })
    expect(again).toMatchObject({ removed: 0, changed: false })
    expect(again.batch).toBe(first.batch)
    const past = cleanBatch(first.batch!, { map: m, now: 51_000n, deleteRetentionMs: 1000n })
    expect(past).toMatchObject({ removed: 1, kept: 1, changed: true })
    const ph = readBatchHeader(past.batch!, 0)
    expect(ph.baseTimestamp).toBe(51_000n)
    expect(ph.attributes & ATTR_DELETE_HORIZON).toBe(ATTR_DELETE_HORIZON)
    expect(
      readRecords(past.batch!).map((r) => [r.key?.toString(), ph.baseTimestamp + BigInt(r.timestampDelta)]),
    ).toEqual([['a', 7_000n]])
  })

  it('drops aborted transactions, compacts committed ones, removes markers after their delete horizon', () => {
    const TXN = ATTR_TRANSACTIONAL
    const pid = { producerId: 1n, producerEpoch: 0 }
    const aborted = [{ producerId: 1n, firstOffset: 20n, lastOffset: 21n, lastStableOffset: 22n }]
    const abortedData = at(keyedBatch([{ key: 'a', value: 'aborted' }], 1n, { attributes: TXN, ...pid }), 20n)
    const abortMarker = at(
      keyedBatch([markerRecord('abort')], 1n, { attributes: TXN | ATTR_CONTROL, ...pid }),
      21n,
    )
    const committed = at(
      keyedBatch(
        [
          { key: 'b', value: 'c1' },
          { key: 'b', value: 'c2' },
        ],
        1n,
        { attributes: TXN, ...pid },
      ),
      22n,
    )
    const commitMarker = at(
      keyedBatch([markerRecord('commit')], 1n, { attributes: TXN | ATTR_CONTROL, ...pid }),
      24n,
    )
    // The producer's last batch: the markers before it are not.
    const last = at(keyedBatch([{ key: 'z', value: '1' }], 1n, pid), 25n)
    const m = new OffsetMap(1 << 20)
    const dirty = new TxnCleanState(aborted)
    for (const b of [abortedData, abortMarker, committed, commitMarker, last])
      addBatchToMap(b, m, 100n, dirty)
    // The aborted record never hides an earlier value; the committed ones are deduplicated.
    expect(m.get(k('a'))).toBeUndefined()
    expect(m.get(k('b'))).toBe(23n)
    const pass = (batches: Buffer[], now: bigint) => {
      const rules = { map: m, now, deleteRetentionMs: 1000n, txns: new TxnCleanState(aborted) }
      return batches.map((b) => cleanBatch(b, rules))
    }
    const [d, am, c, cm, l] = pass([abortedData, abortMarker, committed, commitMarker, last], 0n)
    expect(d!.batch).toBeUndefined()
    // Records of its transaction were seen in this pass: the ABORT marker stays (as it is), but
    // its index entry goes (none of them is kept).
    expect(am!.batch).toBe(abortMarker)
    expect(am!.indexed).toBeUndefined()
    const ch = readBatchHeader(c!.batch!, 0)
    expect([ch.baseOffset, ch.lastOffsetDelta, ch.attributes & TXN]).toEqual([22n, 1, TXN])
    expect(readRecords(c!.batch!).map((r) => r.value?.toString())).toEqual(['c2'])
    expect(cm!.batch).toBe(commitMarker)
    expect(l!.batch).toBe(last)
    // The next pass finds no record before the ABORT marker: it gets a delete horizon.
    const [am2, c2, cm2] = pass([am!.batch!, c!.batch!, cm!.batch!, l!.batch!], 5_000n)
    const h2 = readBatchHeader(am2!.batch!, 0)
    expect([h2.baseOffset, h2.attributes & ATTR_DELETE_HORIZON, h2.baseTimestamp]).toEqual([
      21n,
      ATTR_DELETE_HORIZON,
      6_000n,
    ])
    expect(am2!.pendingHorizon).toBe(6_000n)
    expect(readRecords(am2!.batch!)[0]!.key).toEqual(Buffer.from(markerRecord('abort').key!))
    expect(c2!.batch).toBe(c!.batch)
    // Its committed record remains: the COMMIT marker stays as it is.
    expect(cm2!.batch).toBe(commitMarker)
    // Before the horizon it stays; at it, it goes.
    expect(pass([am2!.batch!, l!.batch!], 5_999n)[0]!.batch).toBe(am2!.batch)
    expect(pass([am2!.batch!, l!.batch!], 6_000n)[0]!.batch).toBeUndefined()
  })

  it("keeps a discardable marker that is its producer's last batch, and an aborted batch emptied", () => {
    const pid = { producerId: 3n, producerEpoch: 0 }
    const marker = at(
      keyedBatch([markerRecord('commit')], 1n, { attributes: ATTR_TRANSACTIONAL | ATTR_CONTROL, ...pid }),
      5n,
    )
    const rules = {
      map: new OffsetMap(1 << 20),
      now: 10_000n,
      deleteRetentionMs: 0n,
      txns: new TxnCleanState([]),
    }
    expect(cleanBatch(marker, rules).batch).toBe(marker)
    // An aborted batch whose marker lies beyond the map's end is its producer's last batch seen.
    const data = at(
      keyedBatch([{ key: 'x', value: 'y' }], 1n, { attributes: ATTR_TRANSACTIONAL, ...pid }),
      7n,
    )
    const txns = new TxnCleanState([
      { producerId: 3n, firstOffset: 7n, lastOffset: 9n, lastStableOffset: 10n },
    ])
    const out = cleanBatch(data, { ...rules, txns })
    expect(out.removed).toBe(1)
    expect(readBatchHeader(out.batch!, 0).recordsCount).toBe(0)
  })

  it("keeps an idempotent producer's emptied batch unless the producer wrote later", () => {
    const m = map()
    const b = at(
      keyedBatch([{ key: 'a', value: '0' }], 7n, { producerId: 4n, producerEpoch: 1, baseSequence: 9 }),
      2n,
    )
    const out = cleanBatch(b, { map: m, now: 0n, deleteRetentionMs: 1000n })
    expect(out.removed).toBe(1)
    const h = readBatchHeader(out.batch!, 0)
    expect([
      h.baseOffset,
      h.lastOffsetDelta,
      h.recordsCount,
      h.producerId,
      h.producerEpoch,
      h.baseSequence,
    ]).toEqual([2n, 0, 0, 4n, 1, 9])
    expect(readRecords(out.batch!)).toEqual([])
    addBatchToMap(
      at(keyedBatch([{ key: 'q', value: '1' }], 7n, { producerId: 4n, producerEpoch: 1 }), 12n),
      m,
      100n,
    )
    expect(cleanBatch(b, { map: m, now: 0n, deleteRetentionMs: 1000n }).batch).toBeUndefined()
  })

  it('ignores records at or beyond the map end offset', () => {
    const m = new OffsetMap(1 << 20)
    addBatchToMap(
      at(
        keyedBatch([
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ]),
        9n,
      ),
      m,
      10n,
    )
    expect(m.get(k('a'))).toBe(9n)
    expect(m.get(k('b'))).toBeUndefined()
  })

  it('preserves compression when rebuilding', () => {
    const b = buildRecordBatch({
      records: [
        { key: k('a'), value: k('old'), timestamp: 10n },
        { key: k('q'), value: k('keep'), timestamp: 12n, headers: [{ key: 'h', value: k('v') }] },
      ],
      baseOffset: 0n,
      compression: Compression.Gzip,
    })
    const out = cleanBatch(b, { map: map(), now: 0n, deleteRetentionMs: 1000n })
    const h = readBatchHeader(out.batch!, 0)
    expect(h.attributes & 7).toBe(Compression.Gzip)
    const [r] = readRecords(out.batch!)
    expect(r!.offsetDelta).toBe(1)
    expect(r!.value!.toString()).toBe('keep')
    expect(r!.headers).toEqual([{ key: 'h', value: k('v') }])
    expect(h.baseTimestamp + BigInt(r!.timestampDelta)).toBe(12n)
  })
})

describe('planClean', () => {
  const seg = (base: number, size: number, ts = 0): CleanerSegment => ({
    baseOffset: BigInt(base),
    size,
    largestTimestamp: BigInt(ts),
  })
  const cfg = { minCompactionLagMs: 0 }

  it('never cleans the active segment', () => {
    expect(planClean([seg(0, 100)], cfg, 1000, 0n, 1000n, undefined)).toBeUndefined()
    const p = planClean([seg(0, 100), seg(10, 100)], cfg, 1000, 0n, 1000n, undefined)!
    expect(p.cleanableEnd).toBe(10n)
    expect(p.dirtyRatio).toBe(1)
  })

  it('computes the dirty ratio from the checkpoint', () => {
    const segs = [seg(0, 100), seg(10, 300), seg(20, 50), seg(30, 0)]
    const p = planClean(segs, cfg, 1000, 0n, 1000n, 10n)!
    expect(p.firstDirtyIndex).toBe(1)
    expect(p.cleanBytes).toBe(100)
    expect(p.dirtyBytes).toBe(350)
    expect(shouldClean(p, { minCleanableDirtyRatio: 0.8 })).toBe(false)
    expect(shouldClean(p, { minCleanableDirtyRatio: 0.7 })).toBe(true)
    // Nothing dirty once the checkpoint reaches the cleanable end.
    expect(planClean(segs, cfg, 1000, 0n, 1000n, 30n)).toBeUndefined()
    // A checkpoint beyond the log (truncated since) starts over.
    expect(planClean(segs, cfg, 1000, 0n, 1000n, 99n)!.firstDirtyIndex).toBe(0)
  })

  it('stops at the upper bound (last stable offset, recovery point) and the compaction lag', () => {
    const segs = [seg(0, 100, 100), seg(10, 100, 900), seg(20, 100, 950), seg(30, 0)]
    expect(planClean(segs, cfg, 1000, 0n, 25n, undefined)!.cleanableEnd).toBe(20n)
    expect(planClean(segs, cfg, 1000, 0n, 9n, undefined)).toBeUndefined()
    expect(planClean(segs, { minCompactionLagMs: 80 }, 1000, 0n, 1000n, undefined)!.cleanableEnd).toBe(20n)
    expect(planClean(segs, { minCompactionLagMs: 150 }, 1000, 0n, 1000n, undefined)!.cleanableEnd).toBe(10n)
    expect(planClean(segs, { minCompactionLagMs: 2000 }, 1000, 0n, 1000n, undefined)).toBeUndefined()
  })

  it('flags a dirty section older than max.compaction.lag.ms, whatever its ratio (KIP-354)', () => {
    const first = (base: number, size: number, firstTs: number): CleanerSegment => ({
      ...seg(base, size, firstTs + 5),
      firstBatchTimestamp: BigInt(firstTs),
    })
    // Clean [0, 10) is large; dirty [10, 30) small; the active segment [30, ...) is very old but
    // never counts.
    const segs = [first(0, 900, 100), first(10, 50, 500), first(20, 50, 800), first(30, 10, 0)]
    const at = (maxCompactionLagMs: number | undefined): CleanPlan =>
      planClean(
        segs,
        maxCompactionLagMs === undefined ? cfg : { ...cfg, maxCompactionLagMs },
        1000,
        0n,
        1000n,
        10n,
      )!
    expect(at(undefined).maxLagExceeded).toBe(false)
    // The earliest dirty first batch is at 500: exceeded once now - lag > 500.
    expect(at(499).maxLagExceeded).toBe(true)
    expect(at(500).maxLagExceeded).toBe(false)
    // The clean segment's older batch (100) does not count.
    expect(at(850).maxLagExceeded).toBe(false)
    expect(shouldClean(at(500), { minCleanableDirtyRatio: 0.5 })).toBe(false)
    expect(shouldClean(at(499), { minCleanableDirtyRatio: 0.5 })).toBe(true)
    // A segment without a timestamp (-1) or not reported does not count either.
    const noTs = [seg(0, 900), { ...seg(10, 50), firstBatchTimestamp: -1n }, seg(20, 50), seg(30, 0)]
    expect(planClean(noTs, { ...cfg, maxCompactionLagMs: 1 }, 1000, 0n, 1000n, 10n)!.maxLagExceeded).toBe(
      false,
    )
  })

  it('skips segments wholly below the log start offset', () => {
    const segs = [seg(0, 100), seg(10, 100), seg(20, 0)]
    const p = planClean(segs, cfg, 1000, 12n, 1000n, undefined)!
    expect(p.segments.map((s) => s.baseOffset)).toEqual([10n])
    expect(p.firstDirty).toBe(12n)
  })
})
