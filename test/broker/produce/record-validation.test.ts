// Record-level produce validation against Kafka's LogValidator / DefaultRecord: hand-built
// batches whose records are malformed but whose CRC is valid (a client with a broken record
// encoder), each refused with Kafka's error code; timestamp rules per record; the maxTimestamp
// rewrite. Batches are assembled byte by byte here so every field can be wrong on its own.

import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  RecordsRejected,
  validateProduceRecords,
  type ValidateOptions,
} from '../../../src/broker/produce/validate.ts'
import type { ProducePolicy } from '../../../src/broker/produce/topic-policy.ts'
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.ts'
import {
  ATTR_LOG_APPEND_TIME,
  Compression,
  OFF_ATTRIBUTES,
  OFF_MAX_TIMESTAMP,
  scanBatches,
} from '../../../src/protocol/records/batch-header.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import { ATTR0, bytes, rawBatch as rawBatchAt, rawRecord, record } from '../../protocol/records/raw-batch.ts'

const NOW = 1_700_000_000_000
const BASE_TS = NOW - 1000

function rawBatch(
  region: Buffer,
  count: number,
  o: { maxTs?: number; baseTs?: number; attributes?: number } = {},
): Buffer {
  return rawBatchAt(region, count, { baseTs: BASE_TS, maxTs: BASE_TS, ...o })
}

const POLICY: ProducePolicy = {
  maxMessageBytes: 1_048_588,
  logAppendTime: false,
  timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  timestampAfterMaxMs: 3_600_000,
  minInsyncReplicas: 1,
  compacted: false,
  targetCodec: undefined,
  compressionLevel: undefined,
}

function options(policy: Partial<ProducePolicy> = {}): ValidateOptions {
  return {
    apiVersion: 9,
    policy: { ...POLICY, ...policy },
    now: NOW,
    topic: 't',
    partition: 0,
    maxDecompressedBytes: 1 << 20,
  }
}

function refusal(batch: Buffer, o = options()): KafkaError {
  try {
    validateProduceRecords(batch, o)
  } catch (err) {
    if (err instanceof KafkaError) return err
    throw err
  }
  throw new Error('batch was accepted')
}

function recordErrors(err: KafkaError): number[] {
  return err instanceof RecordsRejected ? err.recordErrors.map((e) => e.batchIndex) : []
}

describe('record structure (DefaultRecord.readFrom, DefaultRecordBatch iterator)', () => {
  const ok = [record({ offset: 0 }), record({ offset: 1, key: 'k', headers: [['h', 'x']] })]
  const cases: Array<[string, Buffer, number]> = [
    ['fewer records than the count (premature EOF)', Buffer.concat(ok), 3],
    ['more records than the count (records still remaining)', Buffer.concat(ok), 1],
    ['trailing bytes after the last record', Buffer.concat([...ok, Buffer.from([0])]), 2],
    [
      'a record length beyond the batch',
      Buffer.concat([ok[0]!, rawRecord(bytes(ATTR0, 0, 1, -1, 1, 'v', 0), 40)]),
      2,
    ],
    ['a record length shorter than its fields', rawRecord(bytes(ATTR0, 0, 0, -1, 3, 'abc', 0), 5), 1],
    [
      'a record length longer than its fields',
      rawRecord(bytes(ATTR0, 0, 0, -1, 1, 'v', 0, Buffer.from([7]))),
      1,
    ],
    ['a negative record length', bytes(-3, ATTR0, 0, 0, -1, 1, 'v', 0), 1],
    ['an empty record', bytes(0), 1],
    ['a key longer than the record', rawRecord(bytes(ATTR0, 0, 0, 9, 'k', 1, 'v', 0)), 1],
    ['a value longer than the record', rawRecord(bytes(ATTR0, 0, 0, -1, 50, 'v', 0)), 1],
    ['a key length below -1', rawRecord(bytes(ATTR0, 0, 0, -2, 1, 'v', 0)), 1],
    ['a negative header count', rawRecord(bytes(ATTR0, 0, 0, -1, 1, 'v', -1)), 1],
    ['more headers than bytes', rawRecord(bytes(ATTR0, 0, 0, -1, 1, 'v', 30, 1, 'h', 1, 'x')), 1],
    ['a negative header key length', rawRecord(bytes(ATTR0, 0, 0, -1, 1, 'v', 1, -1, 1, 'x')), 1],
    [
      'a header value longer than the record',
      rawRecord(bytes(ATTR0, 0, 0, -1, 1, 'v', 1, 1, 'h', 20, 'x')),
      1,
    ],
    [
      'an unterminated varint',
      rawRecord(bytes(ATTR0, 0, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), -1, 1, 'v', 0)),
      1,
    ],
    ['a truncated varlong at the end', bytes(3, ATTR0, Buffer.from([0x80, 0x80])), 1],
  ]
  for (const [name, region, count] of cases)
    it(`refuses ${name} with INVALID_RECORD and no record errors`, () => {
      const batch = rawBatch(region, count)
      expect(scanBatches(batch, 0, batch.length, true).problem).toBeUndefined() // the CRC is valid
      const err = refusal(batch)
      expect(err.code).toBe(ErrorCode.INVALID_RECORD)
      expect(err).not.toBeInstanceOf(RecordsRejected)
    })

  it('accepts the well-formed records the cases are built from', () => {
    const batch = rawBatch(Buffer.concat(ok), 2)
    expect(validateProduceRecords(batch, options()).recordsCount).toBe(2)
  })

  it('walks the records of every compressed batch as strictly, as LogValidator iterates them', () => {
    const region = gzipSync(Buffer.concat(ok))
    // Three records declared, two inside: refused on any topic, not only where the header cannot decide.
    const batch = rawBatch(region, 3, { attributes: Compression.Gzip })
    expect(refusal(batch).code).toBe(ErrorCode.INVALID_RECORD)
    expect(refusal(batch, options({ compacted: true })).code).toBe(ErrorCode.INVALID_RECORD)
    const good = rawBatch(
      gzipSync(Buffer.concat([record({ key: 'a' }), record({ key: 'b', offset: 1 })])),
      2,
      { attributes: Compression.Gzip },
    )
    expect(validateProduceRecords(good, options({ compacted: true })).recordsCount).toBe(2)
    expect(validateProduceRecords(good, options()).recordsCount).toBe(2)
  })

  it('refuses a compressed batch whose payload does not decode, with CORRUPT_MESSAGE', () => {
    // A valid CRC around bytes that are not a gzip stream (an encoder that mislabels its codec).
    const err = refusal(rawBatch(Buffer.concat(ok), 2, { attributes: Compression.Gzip }))
    expect(err.code).toBe(ErrorCode.CORRUPT_MESSAGE)
    expect(err.message).toMatch(/cannot be read/)
  })

  it('rebuilds a compressed batch whose inner offsets are not sequential, in its own codec', () => {
    // Offset deltas 0, 5: Kafka gives up in-place assignment and rebuilds with 0, 1.
    const inner = Buffer.concat([
      record({ key: 'a', value: 'x' }),
      record({ key: 'b', value: 'y', offset: 5 }),
    ])
    const v = validateProduceRecords(
      rawBatch(gzipSync(inner), 2, { attributes: Compression.Gzip }),
      options(),
    )
    expect(v.recordsCount).toBe(2)
    expect(v.records.readInt16BE(OFF_ATTRIBUTES) & 7).toBe(Compression.Gzip)
    expect(scanBatches(v.records, 0, v.records.length, true).problem).toBeUndefined()
    const rebuilt = readRecords(v.records)
    expect(rebuilt.map((r) => [r.offsetDelta, r.key?.toString(), r.value?.toString()])).toEqual([
      [0, 'a', 'x'],
      [1, 'b', 'y'],
    ])
    // Sequential offsets keep the batch as sent.
    const seq = rawBatch(gzipSync(Buffer.concat(ok)), 2, { attributes: Compression.Gzip })
    const copy = Buffer.from(seq)
    expect(validateProduceRecords(seq, options()).records).toBe(seq)
    expect(seq).toEqual(copy)
  })

  it('rewrites a compressed batch’s maxTimestamp to its records’ true maximum', () => {
    const inner = Buffer.concat([record({ ts: 7 }), record({ ts: 3, offset: 1 })])
    const batch = rawBatch(gzipSync(inner), 2, { attributes: Compression.Gzip, maxTs: BASE_TS })
    validateProduceRecords(batch, options())
    expect(batch.readBigInt64BE(OFF_MAX_TIMESTAMP)).toBe(BigInt(BASE_TS + 7))
    expect(scanBatches(batch, 0, batch.length, true).problem).toBeUndefined()
  })
})

describe('record timestamps and keys (LogValidator.validateRecord)', () => {
  it('refuses a record above now + after.max.ms even when the header maxTimestamp is in range', () => {
    const future = NOW + 3_600_001 - BASE_TS
    const batch = rawBatch(Buffer.concat([record(), record({ offset: 1, ts: future })]), 2, {
      maxTs: BASE_TS,
    })
    const err = refusal(batch)
    expect(err.code).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(recordErrors(err)).toEqual([1])
  })

  it('reports one error per record, the missing key first, as INVALID_TIMESTAMP when any timestamp fails', () => {
    const far = 10 * 3_600_000
    const region = Buffer.concat([
      record({ key: null, ts: far }), // key error only
      record({ key: 'k', offset: 1 }),
      record({ key: 'k', offset: 2, ts: far }), // timestamp error
      record({ key: null, offset: 3 }), // key error
    ])
    const err = refusal(rawBatch(region, 4, { maxTs: BASE_TS + far }), options({ compacted: true }))
    expect(err.code).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(recordErrors(err)).toEqual([0, 2, 3])
    const rejected = err as RecordsRejected
    expect(rejected.recordErrors[0]!.batchIndexErrorMessage).toContain('without key')
    expect(rejected.recordErrors[1]!.batchIndexErrorMessage).toContain('out of range')
    // Keys alone: INVALID_RECORD with the indexes.
    const keys = refusal(
      rawBatch(Buffer.concat([record({ key: 'k' }), record({ offset: 1 })]), 2),
      options({ compacted: true }),
    )
    expect(keys.code).toBe(ErrorCode.INVALID_RECORD)
    expect(recordErrors(keys)).toEqual([1])
  })

  it('exempts records without a timestamp (-1) from the range check', () => {
    const region = Buffer.concat([record({ ts: 0 }), record({ offset: 1, ts: NOW })])
    const batch = rawBatch(region, 2, { baseTs: -1, maxTs: NOW - 1 })
    validateProduceRecords(batch, options({ timestampBeforeMaxMs: 1000 }))
    expect(batch.readBigInt64BE(OFF_MAX_TIMESTAMP)).toBe(BigInt(NOW - 1))
    // Without the exemption's partner the check still bites.
    const old = rawBatch(Buffer.concat([record({ ts: 0 }), record({ offset: 1, ts: 5 })]), 2, {
      baseTs: -1,
      maxTs: 4,
    })
    expect(recordErrors(refusal(old, options({ timestampBeforeMaxMs: 1000 })))).toEqual([1])
  })

  it('rewrites maxTimestamp to the records’ true maximum, with the CRC', () => {
    for (const sent of [BASE_TS, BASE_TS + 999, -1]) {
      const batch = rawBatch(Buffer.concat([record({ ts: 7 }), record({ offset: 1, ts: 3 })]), 2, {
        maxTs: sent,
      })
      validateProduceRecords(batch, options())
      expect(batch.readBigInt64BE(OFF_MAX_TIMESTAMP)).toBe(BigInt(BASE_TS + 7))
      expect(scanBatches(batch, 0, batch.length, true).problem).toBeUndefined()
    }
    // Unchanged when right (no CRC work).
    const right = rawBatch(record({ ts: 2 }), 1, { maxTs: BASE_TS + 2 })
    const before = Buffer.from(right)
    validateProduceRecords(right, options())
    expect(right.equals(before)).toBe(true)
  })

  it('treats a producer’s LogAppendTime batch as Kafka does', () => {
    const region = Buffer.concat([record(), record({ offset: 1 })])
    // maxTimestamp -1: invalid timestamp type on every record.
    const none = refusal(rawBatch(region, 2, { attributes: ATTR_LOG_APPEND_TIME, maxTs: -1 }))
    expect(none.code).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(recordErrors(none)).toEqual([0, 1])
    // Out of range: every record carries it.
    const far = refusal(rawBatch(region, 2, { attributes: ATTR_LOG_APPEND_TIME, maxTs: NOW + 4_000_000 }))
    expect(recordErrors(far)).toEqual([0, 1])
    // A LogAppendTime topic refuses it whatever its timestamp.
    const latTopic = refusal(
      rawBatch(region, 2, { attributes: ATTR_LOG_APPEND_TIME, maxTs: NOW }),
      options({ logAppendTime: true }),
    )
    expect(latTopic.code).toBe(ErrorCode.INVALID_TIMESTAMP)
    // In range on a CreateTime topic: stored as CreateTime with that maxTimestamp.
    const batch = rawBatch(region, 2, { attributes: ATTR_LOG_APPEND_TIME, maxTs: NOW - 5 })
    validateProduceRecords(batch, options())
    expect(batch.readInt16BE(OFF_ATTRIBUTES) & ATTR_LOG_APPEND_TIME).toBe(0)
    expect(batch.readBigInt64BE(OFF_MAX_TIMESTAMP)).toBe(BigInt(NOW - 5))
    expect(scanBatches(batch, 0, batch.length, true).problem).toBeUndefined()
  })
})
