// Topic (and broker) compression.type other than `producer`: batches in another codec are
// re-encoded in the topic's codec, as Kafka's LogValidator does, keeping producer id, epoch,
// sequence, the transactional flag, timestamps, keys and headers; offsets are assigned as usual,
// the CRC is recomputed, compression levels apply (KIP-390), the re-encoded size is checked against
// max.message.bytes, and every record-level rule runs. Batches already in the topic's codec, and
// every batch on `producer` topics, are stored as sent.

import { describe, expect, it } from 'vitest'
import produce from '../../../src/broker/handlers/00-produce.ts'
import { NO_RESPONSE } from '../../../src/broker/registry.ts'
import { validateTopicConfig } from '../../../src/broker/config/topic-config.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import {
  ATTR_LOG_APPEND_TIME,
  ATTR_TRANSACTIONAL,
  BATCH_OVERHEAD,
  batchCompression,
  Compression,
  readBatchHeader,
  scanBatches,
  type BatchHeader,
} from '../../../src/protocol/records/batch-header.ts'
import { buildRecordBatch, type RecordInput } from '../../../src/protocol/records/batch-builder.ts'
import { readRecords, recordTimestamp } from '../../../src/protocol/records/records.ts'
import { harness, type Harness } from '../handlers/data-path-harness.ts'

const NOW = BigInt(Date.now())

function records(n: number, extra: Partial<RecordInput> = {}): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`key-${i}`),
    value: Buffer.from(`value-${i} ${'compressible '.repeat(20)}`),
    headers: [
      { key: 'h1', value: Buffer.from(`hv-${i}`) },
      { key: 'ключ', value: null },
    ],
    timestamp: NOW + BigInt(i * 10),
    ...extra,
  }))
}

function req(topic: string, batch: Buffer, transactionalId: string | null = null) {
  return {
    transactionalId,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  }
}

async function send(h: Harness, topic: string, batch: Buffer, version = 9, txn: string | null = null) {
  const res = await h.call(produce, version, req(topic, batch, txn))
  if (res === NO_RESPONSE) throw new Error('no response')
  return res.responses[0]!.partitionResponses[0]!
}

async function stored(h: Harness, topic: string): Promise<Buffer[]> {
  const log = h.services.topics.partition(topic, 0)!
  return (await log.read(log.logStartOffset(), 1 << 30)).records
}

/** What a consumer sees of a stored batch. */
function view(buf: Buffer) {
  const header = readBatchHeader(buf)
  return readRecords(buf).map((r) => ({
    key: r.key?.toString() ?? null,
    value: r.value?.toString() ?? null,
    headers: r.headers.map((x) => [x.key, x.value?.toString() ?? null]),
    timestamp: recordTimestamp(header, r.timestampDelta),
    offsetDelta: r.offsetDelta,
  }))
}

function sent(input: RecordInput[]) {
  return input.map((r, i) => ({
    key: r.key?.toString() ?? null,
    value: r.value?.toString() ?? null,
    headers: (r.headers ?? []).map((x) => [x.key, x.value?.toString() ?? null]),
    timestamp: r.timestamp,
    offsetDelta: i,
  }))
}

function crcOk(buf: Buffer): boolean {
  return scanBatches(buf, 0, buf.length, true).problem === undefined
}

function producerFields(h: BatchHeader) {
  return {
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    transactional: (h.attributes & ATTR_TRANSACTIONAL) !== 0,
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    recordsCount: h.recordsCount,
    lastOffsetDelta: h.lastOffsetDelta,
  }
}

describe('Produce to topics with a compression.type', () => {
  it('re-encodes uncompressed and gzip batches in zstd, keeping producer fields, keys, headers, timestamps', async () => {
    const h = await harness()
    await h.createTopic('z', 1, { 'compression.type': 'zstd' })
    const input = records(20)
    const plain = buildRecordBatch({ records: input, producerId: 42n, producerEpoch: 3, baseSequence: 0 })
    const gz = buildRecordBatch({
      records: input,
      compression: Compression.Gzip,
      producerId: 42n,
      producerEpoch: 3,
      baseSequence: 20,
    })
    expect((await send(h, 'z', plain)).baseOffset).toBe(0n)
    expect((await send(h, 'z', gz)).baseOffset).toBe(20n)
    const [a, b] = await stored(h, 'z')
    for (const [buf, original, base] of [
      [a!, plain, 0n],
      [b!, gz, 20n],
    ] as const) {
      const header = readBatchHeader(buf)
      expect(batchCompression(header.attributes)).toBe(Compression.Zstd)
      expect(header.baseOffset).toBe(base)
      expect(crcOk(buf)).toBe(true)
      expect(producerFields(header)).toEqual(producerFields(readBatchHeader(original)))
      expect(view(buf)).toEqual(sent(input))
      // Compressible values: the zstd batch is smaller than the uncompressed one.
      expect(buf.length).toBeLessThan(plain.length)
    }
  })

  it('decompresses into uncompressed topics', async () => {
    const h = await harness()
    await h.createTopic('u', 1, { 'compression.type': 'uncompressed' })
    const input = records(5)
    for (const codec of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
      const r = await send(h, 'u', buildRecordBatch({ records: input, compression: codec }))
      expect(r.errorCode).toBe(ErrorCode.NONE)
    }
    const bufs = await stored(h, 'u')
    expect(bufs).toHaveLength(4)
    for (const buf of bufs) {
      expect(batchCompression(readBatchHeader(buf).attributes)).toBe(Compression.None)
      expect(crcOk(buf)).toBe(true)
      expect(view(buf)).toEqual(sent(input))
    }
  })

  it('stores batches already in the topic codec, and every batch of producer topics, as sent', async () => {
    const h = await harness()
    await h.createTopic('g', 1, { 'compression.type': 'gzip' })
    await h.createTopic('p')
    const gz = buildRecordBatch({ records: records(3), compression: Compression.Gzip })
    const lz = buildRecordBatch({ records: records(3), compression: Compression.Lz4 })
    await send(h, 'g', Buffer.from(gz))
    await send(h, 'p', Buffer.from(lz))
    // Identical from the attributes on (baseOffset and leader epoch are the broker's).
    expect((await stored(h, 'g'))[0]!.subarray(16)).toEqual(gz.subarray(16))
    expect((await stored(h, 'p'))[0]!.subarray(16)).toEqual(lz.subarray(16))
  })

  it('follows the broker compression.type unless the topic overrides it', async () => {
    const h = await harness({ 'compression.type': 'snappy' })
    await h.createTopic('inherits')
    await h.createTopic('own', 1, { 'compression.type': 'producer' })
    const plain = buildRecordBatch({ records: records(4) })
    await send(h, 'inherits', Buffer.from(plain))
    await send(h, 'own', Buffer.from(plain))
    expect(batchCompression(readBatchHeader((await stored(h, 'inherits'))[0]!).attributes)).toBe(
      Compression.Snappy,
    )
    expect(batchCompression(readBatchHeader((await stored(h, 'own'))[0]!).attributes)).toBe(Compression.None)
  })

  it('applies compression.gzip.level and compression.zstd.level (topic, then broker)', async () => {
    const h = await harness({ 'compression.zstd.level': '1' })
    const values: RecordInput[] = Array.from({ length: 200 }, (_, i) => ({
      key: null,
      value: Buffer.from(
        `{"id":${i},"name":"user-${i * 7919}","tags":["a${i % 13}","b${i % 7}"],"n":${(i * 2654435761) % 1000}}`,
      ),
    }))
    const plain = buildRecordBatch({ records: values })
    const sizes: Record<string, number> = {}
    for (const [topic, configs] of [
      ['gz1', { 'compression.type': 'gzip', 'compression.gzip.level': '1' }],
      ['gz9', { 'compression.type': 'gzip', 'compression.gzip.level': '9' }],
      ['zs-broker1', { 'compression.type': 'zstd' }],
      ['zs19', { 'compression.type': 'zstd', 'compression.zstd.level': '19' }],
    ] as const) {
      await h.createTopic(topic, 1, configs)
      await send(h, topic, Buffer.from(plain))
      const buf = (await stored(h, topic))[0]!
      expect(readRecords(buf).map((r) => r.value!.toString())).toEqual(values.map((v) => v.value!.toString()))
      sizes[topic] = buf.length
    }
    expect(sizes['gz9']).toBeLessThan(sizes['gz1']!)
    expect(sizes['zs19']).toBeLessThan(sizes['zs-broker1']!)
  })

  it('validates the level configs as Kafka does', () => {
    expect(validateTopicConfig('compression.gzip.level', '-1')).toBeUndefined()
    expect(validateTopicConfig('compression.gzip.level', '9')).toBeUndefined()
    expect(validateTopicConfig('compression.gzip.level', '0')).toMatch(/between 1 and 9 or equal to -1/)
    expect(validateTopicConfig('compression.gzip.level', '10')).toMatch(/between 1 and 9 or equal to -1/)
    expect(validateTopicConfig('compression.zstd.level', '-131072')).toBeUndefined()
    expect(validateTopicConfig('compression.zstd.level', '23')).toMatch(/at most 22/)
    expect(validateTopicConfig('compression.lz4.level', '17')).toBeUndefined()
    expect(validateTopicConfig('compression.lz4.level', '0')).toMatch(/at least 1/)
  })

  it('keeps the transactional flag', async () => {
    const h = await harness()
    await h.createTopic('tz', 1, { 'compression.type': 'lz4' })
    const txn = buildRecordBatch({
      records: records(2),
      transactional: true,
      producerId: 7n,
      producerEpoch: 0,
      baseSequence: 0,
    })
    expect((await send(h, 'tz', txn, 9, 'tx')).errorCode).toBe(ErrorCode.NONE)
    const header = readBatchHeader((await stored(h, 'tz'))[0]!)
    expect(batchCompression(header.attributes)).toBe(Compression.Lz4)
    expect(producerFields(header)).toEqual(producerFields(readBatchHeader(txn)))
  })

  it('stamps LogAppendTime on re-encoded batches', async () => {
    const h = await harness()
    await h.createTopic('lat', 1, { 'compression.type': 'zstd', 'message.timestamp.type': 'LogAppendTime' })
    const r = await send(h, 'lat', buildRecordBatch({ records: records(3) }))
    expect(r.logAppendTimeMs).toBe(BigInt(h.clock.now()))
    const buf = (await stored(h, 'lat'))[0]!
    const header = readBatchHeader(buf)
    expect(batchCompression(header.attributes)).toBe(Compression.Zstd)
    expect(header.attributes & ATTR_LOG_APPEND_TIME).not.toBe(0)
    expect(crcOk(buf)).toBe(true)
    expect(view(buf).map((x) => x.timestamp)).toEqual([
      r.logAppendTimeMs,
      r.logAppendTimeMs,
      r.logAppendTimeMs,
    ])
  })

  it('renumbers non-consecutive inner offsets, as Kafka rebuilds such batches', async () => {
    const h = await harness()
    await h.createTopic('z', 1, { 'compression.type': 'zstd' })
    const input = records(3).map((r) => ({ ...r, offsetDelta: 2 }))
    const res = await send(h, 'z', buildRecordBatch({ records: input }))
    expect(res.errorCode).toBe(ErrorCode.NONE)
    const buf = (await stored(h, 'z'))[0]!
    expect(view(buf)).toEqual(sent(input))
    expect(crcOk(buf)).toBe(true)
  })

  it('runs record-level checks on the re-encode path: compacted topics need keys', async () => {
    const h = await harness()
    await h.createTopic('cz', 1, { 'compression.type': 'zstd', 'cleanup.policy': 'compact' })
    const input = records(3)
    input[1] = { ...input[1]!, key: null }
    const r = await send(h, 'cz', buildRecordBatch({ records: input }))
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD)
    expect(r.recordErrors.map((e) => e.batchIndex)).toEqual([1])
    expect(h.services.topics.partition('cz', 0)!.logEndOffset()).toBe(0n)
    // Out-of-range timestamps are found on the same pass.
    await h.createTopic('tz', 1, { 'compression.type': 'gzip', 'message.timestamp.after.max.ms': '1000' })
    const future = records(2)
    future[1] = { ...future[1]!, timestamp: BigInt(h.clock.now()) + 60_000n }
    const t = await send(h, 'tz', buildRecordBatch({ records: future, maxTimestamp: NOW }))
    expect(t.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(t.recordErrors.map((e) => e.batchIndex)).toEqual([1])
  })

  it('refuses a batch whose re-encoded size exceeds max.message.bytes', async () => {
    const h = await harness()
    await h.createTopic('small', 1, { 'compression.type': 'uncompressed', 'max.message.bytes': '4000' })
    const zeros = buildRecordBatch({
      records: [{ key: null, value: Buffer.alloc(20_000) }],
      compression: Compression.Gzip,
    })
    expect(zeros.length).toBeLessThan(4000)
    const r = await send(h, 'small', zeros)
    expect(r.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE)
    expect(r.errorMessage).toMatch(/exceeds the maximum configured size of 4000/)
    expect(h.services.topics.partition('small', 0)!.logEndOffset()).toBe(0n)
  })

  it('answers CORRUPT_MESSAGE for a compressed batch that does not decompress', async () => {
    const h = await harness()
    await h.createTopic('u', 1, { 'compression.type': 'uncompressed' })
    const gz = buildRecordBatch({ records: records(2), compression: Compression.Gzip })
    gz.fill(0x55, BATCH_OVERHEAD + 12, BATCH_OVERHEAD + 20) // garble the deflate stream
    const { rewriteCrc } = await import('../../../src/protocol/records/batch-header.ts')
    rewriteCrc(gz, 0)
    expect((await send(h, 'u', gz)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE)
  })
})
