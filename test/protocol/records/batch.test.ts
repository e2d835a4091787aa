import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CompressionError } from '../../../src/protocol/compression/compression-error.ts'
import { ProtocolError } from '../../../src/protocol/errors-protocol.ts'
import { buildRecordBatch, type RecordInput } from '../../../src/protocol/records/batch-builder.ts'
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  Compression,
  patchBaseOffsetAndEpoch,
  readBatchHeader,
  readInt64,
  scanBatches,
} from '../../../src/protocol/records/batch-header.ts'
import {
  buildTxnMarkerBatch,
  ControlType,
  decodeControlKey,
  decodeEndTxnMarker,
} from '../../../src/protocol/records/control-record.ts'
import { crc32c } from '../../../src/protocol/records/crc32c.ts'
import {
  openBatch,
  readRecords,
  RecordCursor,
  recordTimestamp,
} from '../../../src/protocol/records/records.ts'
import { decodeWithKafkaJs, encodeWithKafkaJs, kafkajsCrc32c, type OracleBatch } from './kafkajs-oracle.ts'

const bytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a))
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })

const oracleBatch: fc.Arbitrary<OracleBatch> = fc
  .record({
    gzip: fc.boolean(),
    baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
    baseTimestamp: fc.bigInt({ min: 0n, max: 2n ** 50n }),
    partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    transactional: fc.boolean(),
    producerId: int64,
    producerEpoch: fc.integer({ min: -1, max: 32767 }),
    baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    records: fc.array(
      fc.record({
        key: fc.option(bytes(40), { nil: null }),
        value: fc.option(bytes(300), { nil: null }),
        // Prefixed: KafkaJS's decoder mistakes keys like "toString" for repeats (inherited props).
        headers: fc.uniqueArray(
          fc.record({
            key: fc.string({ maxLength: 12, unit: 'grapheme' }).map((s) => `x-${s}`),
            value: bytes(20),
          }),
          {
            selector: (h) => h.key,
            maxLength: 4,
          },
        ),
        timestampDelta: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      }),
      { maxLength: 30 },
    ),
  })
  .map((b) => {
    // KafkaJS carries headers as an object, so they come out in JS property order (integer-like
    // keys first): use that order as the canonical one.
    const records = b.records.map((r, i) => ({
      ...r,
      headers: Object.entries(Object.fromEntries(r.headers.map((h) => [h.key, h.value]))).map(
        ([key, value]) => ({ key, value }),
      ),
      offsetDelta: i,
    }))
    let max = b.baseTimestamp
    for (const r of records)
      if (b.baseTimestamp + BigInt(r.timestampDelta) > max) max = b.baseTimestamp + BigInt(r.timestampDelta)
    return { ...b, records, maxTimestamp: max, lastOffsetDelta: Math.max(0, records.length - 1) }
  })

function ourInput(b: OracleBatch): Parameters<typeof buildRecordBatch>[0] {
  return {
    compression: b.gzip ? Compression.Gzip : Compression.None,
    baseOffset: b.baseOffset,
    baseTimestamp: b.baseTimestamp,
    maxTimestamp: b.maxTimestamp,
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    lastOffsetDelta: b.lastOffsetDelta,
    transactional: b.transactional,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    records: b.records.map((r): RecordInput => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: b.baseTimestamp + BigInt(r.timestampDelta),
      offsetDelta: r.offsetDelta,
    })),
  }
}

describe('RecordBatch v2 against KafkaJS', () => {
  it('builds the same bytes as KafkaJS (uncompressed and gzip)', async () => {
    await fc.assert(
      fc.asyncProperty(oracleBatch, async (b) => {
        const theirs = await encodeWithKafkaJs(b)
        const ours = buildRecordBatch(ourInput(b))
        expect(ours.toString('hex')).toBe(theirs.toString('hex'))
      }),
      { numRuns: 150 },
    )
  })

  it('decodes KafkaJS batches to the records KafkaJS encoded', async () => {
    await fc.assert(
      fc.asyncProperty(oracleBatch, async (b) => {
        const buf = await encodeWithKafkaJs(b)
        expect(scanBatches(buf, 0, buf.length, true).problem).toBeUndefined()
        const { header, cursor } = openBatch(buf)
        expect(header.baseOffset).toBe(b.baseOffset)
        expect(header.baseTimestamp).toBe(b.baseTimestamp)
        expect(header.maxTimestamp).toBe(b.maxTimestamp)
        expect(header.producerId).toBe(b.producerId)
        expect(header.producerEpoch).toBe(b.producerEpoch)
        expect(header.baseSequence).toBe(b.baseSequence)
        expect(header.partitionLeaderEpoch).toBe(b.partitionLeaderEpoch)
        expect((header.attributes & ATTR_TRANSACTIONAL) !== 0).toBe(b.transactional)
        expect(header.recordsCount).toBe(b.records.length)
        let i = 0
        while (cursor.next()) {
          const want = b.records[i++]!
          expect(cursor.offsetDelta).toBe(want.offsetDelta)
          expect(cursor.timestampDelta).toBe(want.timestampDelta)
          expect(cursor.key()).toEqual(want.key)
          expect(cursor.value()).toEqual(want.value)
          expect(cursor.headers()).toEqual(want.headers)
        }
        expect(i).toBe(b.records.length)
      }),
      { numRuns: 150 },
    )
  })

  it('builds batches that KafkaJS decodes to the same records', async () => {
    await fc.assert(
      fc.asyncProperty(oracleBatch, async (b) => {
        const got = await decodeWithKafkaJs(buildRecordBatch(ourInput(b)))
        expect(got.firstOffset).toBe(b.baseOffset.toString())
        expect(got.producerId).toBe(b.producerId.toString())
        expect(got.inTransaction).toBe(b.transactional)
        expect(got.records.length).toBe(b.records.length)
        got.records.forEach((r, i) => {
          const want = b.records[i]!
          expect(r.offset).toBe((b.baseOffset + BigInt(i)).toString())
          expect(r.timestamp).toBe((b.baseTimestamp + BigInt(want.timestampDelta)).toString())
          expect(r.key).toEqual(want.key)
          expect(r.value).toEqual(want.value)
          expect(r.headers).toEqual(Object.fromEntries(want.headers.map((h) => [h.key, h.value])))
        })
      }),
      { numRuns: 100 },
    )
  })
})

describe('batch builder', () => {
  it('round-trips every codec and null header values', () => {
    const records: RecordInput[] = Array.from({ length: 200 }, (_, i) => ({
      key: i % 5 === 0 ? null : Buffer.from(`k${i}`),
      value: i % 7 === 0 ? null : Buffer.from(`value ${i} `.repeat(i % 13)),
      headers:
        i % 3 === 0
          ? []
          : [
              { key: 'h', value: null },
              { key: 'h', value: Buffer.from([i & 255]) },
            ],
      timestamp: 1_700_000_000_000n + BigInt(i * 3),
    }))
    for (const compression of [0, 1, 2, 3, 4] as const) {
      const buf = buildRecordBatch({
        records,
        compression,
        producerId: 42n,
        producerEpoch: 3,
        baseSequence: 7,
      })
      const h = readBatchHeader(buf)
      expect(h.attributes & 7).toBe(compression)
      expect(h.lastOffsetDelta).toBe(199)
      expect(h.baseTimestamp).toBe(1_700_000_000_000n)
      expect(h.maxTimestamp).toBe(1_700_000_000_000n + 597n)
      expect(scanBatches(buf, 0, buf.length, true).problem).toBeUndefined()
      const got = readRecords(buf)
      expect(got.length).toBe(200)
      got.forEach((r, i) => {
        const want = records[i]!
        expect(r.offsetDelta).toBe(i)
        expect(r.timestampDelta).toBe(i * 3)
        expect(r.key).toEqual(want.key)
        expect(r.value).toEqual(want.value)
        expect(r.headers).toEqual(want.headers)
      })
    }
  })

  it('writes an empty batch (as compaction keeps) with -1 timestamps', () => {
    const buf = buildRecordBatch({
      records: [],
      lastOffsetDelta: 9,
      producerId: 5n,
      producerEpoch: 0,
      baseSequence: 10,
    })
    const h = readBatchHeader(buf)
    expect(h.size).toBe(61)
    expect(h.recordsCount).toBe(0)
    expect(h.lastOffsetDelta).toBe(9)
    expect(h.baseTimestamp).toBe(-1n)
    expect(readRecords(buf)).toEqual([])
    expect(readRecords(buildRecordBatch({ records: [], compression: Compression.Zstd }))).toEqual([])
  })

  it('decodes large timestamp deltas exactly (varlong beyond 32 bits)', () => {
    const base = -5_000_000_000_000n
    const buf = buildRecordBatch({
      baseTimestamp: base,
      records: [
        { value: null, timestamp: base + 2n ** 52n - 1n },
        { value: null, timestamp: base - 2n ** 52n },
      ],
    })
    expect(readRecords(buf).map((r) => r.timestampDelta)).toEqual([2 ** 52 - 1, -(2 ** 52)])
    expect(() =>
      buildRecordBatch({ baseTimestamp: 0n, records: [{ value: null, timestamp: 2n ** 52n }] }),
    ).toThrow()
  })
})

describe('recordTimestamp', () => {
  it('uses maxTimestamp for LogAppendTime batches and base + delta otherwise', () => {
    const records = [
      { value: null, timestamp: 100n },
      { value: null, timestamp: 250n },
    ]
    const create = openBatch(buildRecordBatch({ records }))
    create.cursor.next()
    create.cursor.next()
    expect(recordTimestamp(create.header, create.cursor.timestampDelta)).toBe(250n)
    const append = openBatch(buildRecordBatch({ records, logAppendTime: true, maxTimestamp: 999n }))
    append.cursor.next()
    expect(recordTimestamp(append.header, append.cursor.timestampDelta)).toBe(999n)
  })
})

describe('control records', () => {
  it('builds COMMIT/ABORT markers that KafkaJS sees as a control batch', async () => {
    for (const commit of [true, false]) {
      const buf = buildTxnMarkerBatch({
        commit,
        producerId: 1234n,
        producerEpoch: 5,
        coordinatorEpoch: 77,
        timestamp: 1_700_000_000_123n,
        baseOffset: 99n,
      })
      const h = readBatchHeader(buf)
      expect(h.attributes).toBe(ATTR_TRANSACTIONAL | ATTR_CONTROL)
      expect(h.baseSequence).toBe(-1)
      expect(h.recordsCount).toBe(1)
      const [rec] = readRecords(buf)
      // Exact bytes of the Kafka ControlRecordType key and EndTransactionMarker value.
      expect(rec!.key!.toString('hex')).toBe(commit ? '00000001' : '00000000')
      expect(rec!.value!.toString('hex')).toBe('00000000004d')
      expect(decodeControlKey(rec!.key)).toEqual({
        version: 0,
        type: commit ? ControlType.Commit : ControlType.Abort,
      })
      expect(decodeEndTxnMarker(rec!.value)).toEqual({ version: 0, coordinatorEpoch: 77 })
      const k = await decodeWithKafkaJs(buf)
      expect(k.isControlBatch).toBe(true)
      expect(k.inTransaction).toBe(true)
      expect(k.records[0]!.offset).toBe('99')
      expect(k.records[0]!.key).toEqual(rec!.key)
    }
  })

  it('reads higher key versions and rejects short keys', () => {
    expect(decodeControlKey(Buffer.from('00030005', 'hex'))).toEqual({ version: 3, type: 5 })
    expect(() => decodeControlKey(Buffer.from('0000', 'hex'))).toThrow(ProtocolError)
    expect(() => decodeControlKey(null)).toThrow(ProtocolError)
    expect(() => decodeEndTxnMarker(Buffer.from('000000', 'hex'))).toThrow(ProtocolError)
  })
})

describe('CRC-32C', () => {
  it('matches the Castagnoli check value and KafkaJS’s pure-JS implementation', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    // RFC 3720 B.4: 32 bytes of zeros.
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa)
    fc.assert(
      fc.property(bytes(4096), (b) => {
        expect(crc32c(b)).toBe(kafkajsCrc32c(b))
      }),
    )
  })

  it('scanBatches notices any flipped bit in the CRC-covered region', () => {
    const buf = buildRecordBatch({
      records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1n }],
    })
    for (let at = 21; at < buf.length; at++) {
      const bad = Buffer.from(buf)
      bad[at] = bad[at]! ^ 0x10
      expect(scanBatches(bad, 0, bad.length, true).problem).toBe('bad-crc')
    }
  })
})

describe('patchBaseOffsetAndEpoch', () => {
  it('writes any int64 base offset and the epoch, leaving the CRC-covered bytes alone', () => {
    const batch = buildRecordBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 1n }] })
    const offsets = [0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n]
    for (const o of [...offsets, 2n ** 63n - 1n, -1n, -(2n ** 63n)]) {
      const buf = Buffer.from(batch)
      patchBaseOffsetAndEpoch(buf, 0, o, 7)
      expect(buf.readBigInt64BE(0)).toBe(o)
      expect(buf.readInt32BE(12)).toBe(7)
      expect(buf.subarray(16)).toEqual(batch.subarray(16))
    }
  })
})

describe('malformed records', () => {
  const good = buildRecordBatch({
    records: [
      {
        key: Buffer.from('key'),
        value: Buffer.from('value'),
        headers: [{ key: 'a', value: Buffer.from('b') }],
        timestamp: 5n,
      },
      { key: null, value: Buffer.from('x'), timestamp: 6n },
    ],
  })

  it('rejects wrong counts, trailing bytes and truncation with ProtocolError', () => {
    const region = good.subarray(61)
    expect(() => drain(new RecordCursor(region, 0, region.length, 3))).toThrow(ProtocolError)
    expect(() => drain(new RecordCursor(region, 0, region.length, 1))).toThrow(/left after the last record/)
    for (let cut = 0; cut < region.length; cut++)
      expect(() => drain(new RecordCursor(region, 0, cut, 2))).toThrow(ProtocolError)
    // A count of 2^31-1 over a few bytes allocates nothing and fails at the first missing record.
    expect(() => drain(new RecordCursor(region, 0, region.length, 0x7fffffff))).toThrow(ProtocolError)
  })

  it('rejects a record whose length disagrees with its fields', () => {
    const bad = Buffer.from(good)
    bad[61] = bad[61]! + 2 // first record's length varint (small, one byte)
    expect(() => readRecords(bad)).toThrow(ProtocolError)
  })

  it('fails with typed errors only under random mutation (every codec)', () => {
    for (const compression of [0, 1, 2, 3, 4] as const) {
      const buf = buildRecordBatch({
        compression,
        records: Array.from({ length: 20 }, (_, i) => ({
          key: Buffer.from(`k${i}`),
          value: Buffer.from('v'.repeat(i)),
          headers: [{ key: 'h', value: Buffer.from([i]) }],
          timestamp: BigInt(i),
        })),
      })
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: buf.length - 1 }), fc.integer({ min: 1, max: 255 })), {
            minLength: 1,
            maxLength: 4,
          }),
          (flips) => {
            const bad = Buffer.from(buf)
            for (const [at, mask] of flips) if (at >= 21) bad[at] = bad[at]! ^ mask
            try {
              readRecords(bad, 0, 1 << 20)
            } catch (err) {
              if (!(err instanceof ProtocolError) && !(err instanceof CompressionError)) throw err
            }
          },
        ),
        { numRuns: 200 },
      )
    }
  })

  it('fails with typed errors only on random bytes behind a valid-looking header', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        fc.uint8Array({ maxLength: 400 }),
        (codec, count, body) => {
          const buf = Buffer.alloc(61 + body.length)
          buf.writeInt32BE(49 + body.length, 8)
          buf.writeInt8(2, 16)
          buf.writeInt16BE(codec, 21)
          buf.writeInt32BE(count, 57)
          Buffer.from(body).copy(buf, 61)
          try {
            readRecords(buf, 0, 1 << 16)
          } catch (err) {
            if (!(err instanceof ProtocolError) && !(err instanceof CompressionError)) throw err
          }
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('rejects bad magic and truncated headers', () => {
    const bad = Buffer.from(good)
    bad[16] = 1
    expect(() => openBatch(bad)).toThrow(ProtocolError)
    expect(() => openBatch(good.subarray(0, 60))).toThrow(ProtocolError)
    expect(() => openBatch(good.subarray(0, good.length - 1))).toThrow(ProtocolError)
  })

  it('caps the decompressed size of a compressed batch', () => {
    const bomb = buildRecordBatch({
      compression: Compression.Zstd,
      records: [{ value: Buffer.alloc(4 << 20), timestamp: 0n }],
    })
    expect(bomb.length).toBeLessThan(4096)
    expect(() => openBatch(bomb, 0, 1 << 20)).toThrow(CompressionError)
    expect(readRecords(bomb, 0, 5 << 20)[0]!.value!.length).toBe(4 << 20)
  })
})

function drain(c: RecordCursor): number {
  let n = 0
  while (c.next()) n++
  return n
}

describe('readInt64', () => {
  it('reads every int64 as readBigInt64BE does, across the 53-bit fast path boundary', () => {
    const edges = [
      0n,
      -1n,
      1n,
      2n ** 53n - 1n,
      2n ** 53n,
      -(2n ** 53n),
      -(2n ** 53n) - 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      0xffffffffn,
      -0x100000000n,
      1_700_000_000_000n,
    ]
    const buf = Buffer.alloc(12)
    const check = (v: bigint): void => {
      buf.writeBigInt64BE(v, 3)
      expect(readInt64(buf, 3)).toBe(v)
    }
    for (const v of edges) check(v)
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => check(v)))
  })
})
