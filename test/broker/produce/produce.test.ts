import { describe, expect, it } from 'vitest'
import produce from '../../../src/broker/handlers/00-produce.ts'
import { shouldCopyRecords } from '../../../src/broker/produce/produce.ts'
import { NO_RESPONSE } from '../../../src/broker/registry.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/index.ts'
import {
  ATTR_LOG_APPEND_TIME,
  Compression,
  OFF_ATTRIBUTES,
  OFF_CRC,
  OFF_MAGIC,
  OFF_MAX_TIMESTAMP,
  readBatchHeader,
  rewriteCrc,
  scanBatches,
} from '../../../src/protocol/records/batch-header.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import { batch, ConnectionClosed, harness, settle, type Harness } from '../handlers/data-path-harness.ts'

function req(topic: string, records: Buffer | null, partition = 0, acks = -1) {
  return {
    acks,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  }
}

async function produceOk(h: Harness, version: number, request: object): Promise<ProduceResponse> {
  const res = await h.call(produce, version, request)
  if (res === NO_RESPONSE) throw new Error('no response')
  return res
}

function part(res: ProduceResponse, t = 0, p = 0) {
  return res.responses[t]!.partitionResponses[p]!
}

async function stored(h: Harness, topic: string, partition = 0): Promise<Buffer[]> {
  const log = h.services.topics.partition(topic, partition)!
  const r = await log.read(log.logStartOffset(), 1 << 30)
  return r.records
}

describe('Produce', () => {
  it('appends batches and answers consecutive base offsets (v3-v12)', async () => {
    const h = await harness()
    await h.createTopic('t', 2)
    for (const v of [3, 7, 9, 12]) {
      const res = await produceOk(h, v, req('t', batch(['a', 'b', 'c']), 1))
      expect(part(res).errorCode).toBe(ErrorCode.NONE)
      expect(part(res).logAppendTimeMs).toBe(-1n)
    }
    const log = h.services.topics.partition('t', 1)!
    expect(log.logEndOffset()).toBe(12n)
    const bufs = await stored(h, 't', 1)
    expect(bufs.map((b) => readBatchHeader(b).baseOffset)).toEqual([0n, 3n, 6n, 9n])
    expect(readRecords(bufs[2]!).map((r) => r.value?.toString())).toEqual(['a', 'b', 'c'])
    expect(h.services.topics.partition('t', 0)!.logEndOffset()).toBe(0n)
  })

  it('keeps the order of pipelined requests from one connection', async () => {
    const h = await harness()
    await h.createTopic('t')
    const calls = ['1', '2', '3', '4'].map((v) => h.call(produce, 9, req('t', batch([v]))))
    const res = (await Promise.all(calls)) as ProduceResponse[]
    expect(res.map((r) => part(r).baseOffset)).toEqual([0n, 1n, 2n, 3n])
    const values = (await stored(h, 't')).map((b) => readRecords(b)[0]!.value!.toString())
    expect(values).toEqual(['1', '2', '3', '4'])
  })

  it('acks=0 appends and answers nothing', async () => {
    const h = await harness()
    await h.createTopic('t')
    expect(await h.call(produce, 7, req('t', batch(['x']), 0, 0))).toBe(NO_RESPONSE)
    await settle()
    expect(h.services.topics.partition('t', 0)!.logEndOffset()).toBe(1n)
    // acks=0 errors are not answered either: the connection is closed (Kafka's KafkaApis).
    const failed = await h.call(produce, 7, req('nope', batch(['x']), 0, 0)).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(ConnectionClosed)
    expect((failed as ConnectionClosed).message).toContain(`${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`)
    // One failing partition among good ones closes it too; the good ones are appended.
    const mixed = h.call(produce, 7, {
      acks: 0,
      timeoutMs: 1000,
      topicData: [
        {
          name: 't',
          partitionData: [
            { index: 0, records: batch(['y']) },
            { index: 5, records: batch(['z']) },
          ],
        },
      ],
    })
    await expect(mixed).rejects.toBeInstanceOf(ConnectionClosed)
    expect(h.services.topics.partition('t', 0)!.logEndOffset()).toBe(2n)
  })

  it('rejects acks other than -1, 0, 1 per partition', async () => {
    const h = await harness()
    await h.createTopic('t')
    const res = await produceOk(h, 7, req('t', batch(['x']), 0, 2))
    expect(part(res).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS)
    expect(h.services.topics.partition('t', 0)!.logEndOffset()).toBe(0n)
  })

  it('answers unknown topics and partitions without failing the others (no auto-creation)', async () => {
    const h = await harness()
    await h.createTopic('t')
    const res = await produceOk(h, 9, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [
        { name: 'missing', partitionData: [{ index: 0, records: batch(['a']) }] },
        {
          name: 't',
          partitionData: [
            { index: 5, records: batch(['b']) },
            { index: 0, records: batch(['c']) },
          ],
        },
      ],
    })
    expect(part(res, 0, 0).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(part(res, 1, 0).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(part(res, 1, 1).errorCode).toBe(ErrorCode.NONE)
    expect(h.services.topics.get('missing')).toBeUndefined()
  })

  it('v13 names topics by id; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const h = await harness()
    const id = await h.createTopic('t')
    const res = await produceOk(h, 13, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { topicId: id, partitionData: [{ index: 0, records: batch(['a']) }] },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionData: [{ index: 0, records: batch(['b']) }] },
      ],
    })
    expect(res.responses[0]!.topicId).toBe(id)
    expect(part(res, 0).errorCode).toBe(ErrorCode.NONE)
    expect(part(res, 1).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID)
  })

  it('validates framing, magic, batch count, CRC and header fields', async () => {
    const h = await harness()
    await h.createTopic('t')
    const code = async (records: Buffer | null, v = 9) =>
      part(await produceOk(h, v, req('t', records))).errorCode

    expect(await code(null)).toBe(ErrorCode.INVALID_RECORD)
    expect(await code(Buffer.alloc(0))).toBe(ErrorCode.INVALID_RECORD)
    expect(await code(batch(['a']).subarray(0, 40))).toBe(ErrorCode.CORRUPT_MESSAGE)
    expect(await code(Buffer.concat([batch(['a']), batch(['b'])]))).toBe(ErrorCode.INVALID_RECORD)

    const badCrc = batch(['a'])
    badCrc.writeUInt32BE((badCrc.readUInt32BE(OFF_CRC) + 1) >>> 0, OFF_CRC)
    expect(await code(badCrc)).toBe(ErrorCode.CORRUPT_MESSAGE)

    const magic1 = batch(['a'])
    magic1.writeInt8(1, OFF_MAGIC)
    expect(await code(magic1)).toBe(ErrorCode.INVALID_RECORD)

    expect(await code(batch(['a'], { baseOffset: 5n }))).toBe(ErrorCode.INVALID_RECORD)
    expect(await code(batch(['a'], { control: true }))).toBe(ErrorCode.INVALID_RECORD)
    expect(await code(batch(['a'], { producerId: 7n, producerEpoch: 0, baseSequence: -1 }))).toBe(
      ErrorCode.INVALID_RECORD,
    )
    // Header int64s are read as two halves: either half alone decides.
    for (const baseOffset of [1n, 2n ** 32n, -1n]) {
      const r = part(await produceOk(h, 9, req('t', batch(['a'], { baseOffset }))))
      expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD)
      expect(r.errorMessage).toContain(`should be 0, but it is ${baseOffset}`)
    }
    for (const producerId of [2n ** 32n, 1n, 0n])
      expect(await code(batch(['a'], { producerId, producerEpoch: 0, baseSequence: -1 }))).toBe(
        ErrorCode.INVALID_RECORD,
      )
    // Not an idempotent batch (any negative producer id, as before): no sequence needed.
    expect(await code(batch(['a'], { producerId: -2n, producerEpoch: -1, baseSequence: -1 }))).toBe(
      ErrorCode.NONE,
    )
    expect(await code(batch(['a', 'b'], { lastOffsetDelta: 5 }))).toBe(ErrorCode.INVALID_RECORD)
    expect(await code(batch(['a'], { compression: Compression.Zstd }), 6)).toBe(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    )
    expect(await code(batch(['a'], { compression: Compression.Zstd }), 7)).toBe(ErrorCode.NONE)
    expect(h.services.topics.partition('t', 0)!.logEndOffset()).toBe(2n)
  })

  it('stores compressed batches as sent', async () => {
    const h = await harness()
    await h.createTopic('t')
    const sent = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd].map((c) =>
      batch(['v1', 'v2'], { compression: c }),
    )
    const copies = sent.map((b) => Buffer.from(b))
    for (const b of sent) expect(part(await produceOk(h, 9, req('t', b))).errorCode).toBe(ErrorCode.NONE)
    const bufs = await stored(h, 't')
    for (let i = 0; i < 4; i++) {
      // Only baseOffset and partitionLeaderEpoch (outside the CRC) may differ.
      expect(bufs[i]!.subarray(16)).toEqual(copies[i]!.subarray(16))
      expect(readRecords(bufs[i]!).map((r) => r.value?.toString())).toEqual(['v1', 'v2'])
    }
  })

  it('recomputes a missing batch maxTimestamp from the records, as LogValidator (sarama <= 1.2x)', async () => {
    const h = await harness()
    await h.createTopic('t')
    const now = BigInt(h.clock.now())
    for (const compression of [Compression.None, Compression.Gzip]) {
      const b = batch(
        [
          { value: 'a', timestamp: now - 2000n },
          { value: 'b', timestamp: now - 500n },
          { value: 'c', timestamp: now - 1000n },
        ],
        { compression },
      )
      // What such a producer sends: maxTimestamp -1, CRC computed over that.
      b.writeBigInt64BE(-1n, OFF_MAX_TIMESTAMP)
      const crcOk = Buffer.from(b)
      rewriteCrc(crcOk, 0)
      expect(part(await produceOk(h, 3, req('t', crcOk))).errorCode).toBe(ErrorCode.NONE)
    }
    const bufs = await stored(h, 't')
    for (const b of bufs) {
      expect(readBatchHeader(b).maxTimestamp).toBe(now - 500n)
      expect(scanBatches(b, 0, b.length, true).problem).toBeUndefined()
    }
    const log = h.services.topics.partition('t', 0)!
    expect((await log.offsetForTimestamp(now - 600n))?.offset).toBe(1n)
  })

  it('rejects a batch larger than max.message.bytes with MESSAGE_TOO_LARGE', async () => {
    const h = await harness()
    await h.createTopic('small', 1, { 'max.message.bytes': '1000' })
    const big = batch(['x'.repeat(2000)])
    const r = part(await produceOk(h, 9, req('small', big)))
    expect(r.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE)
    expect(r.errorMessage).toContain('exceeds the maximum configured value of 1000')
    expect(part(await produceOk(h, 9, req('small', batch(['ok']))))).toMatchObject({
      errorCode: 0,
      baseOffset: 0n,
    })
  })

  it('picks up a dynamic broker-level limit within a second (cached topic policy)', async () => {
    const h = await harness()
    await h.createTopic('t')
    const mid = batch(['x'.repeat(3000)])
    expect(part(await produceOk(h, 9, req('t', Buffer.from(mid)))).errorCode).toBe(ErrorCode.NONE)
    h.services.config.setDynamic({ 'message.max.bytes': '2000' })
    expect(part(await produceOk(h, 9, req('t', Buffer.from(mid)))).errorCode).toBe(ErrorCode.NONE)
    h.clock.advance(1000)
    expect(part(await produceOk(h, 9, req('t', Buffer.from(mid)))).errorCode).toBe(
      ErrorCode.MESSAGE_TOO_LARGE,
    )
    // A topic-level change replaces the topic record: effective at once.
    await h.services.topics.setConfigs('t', { 'max.message.bytes': '100000' })
    expect(part(await produceOk(h, 9, req('t', Buffer.from(mid)))).errorCode).toBe(ErrorCode.NONE)
  })

  it('stamps LogAppendTime topics and reports the time', async () => {
    const h = await harness()
    await h.createTopic('lat', 1, { 'message.timestamp.type': 'LogAppendTime' })
    const r = part(await produceOk(h, 9, req('lat', batch([{ value: 'a', timestamp: 5n }]))))
    expect(r.errorCode).toBe(ErrorCode.NONE)
    expect(r.logAppendTimeMs).toBe(BigInt(h.clock.now()))
    const [b] = await stored(h, 'lat')
    expect(b!.readInt16BE(OFF_ATTRIBUTES) & ATTR_LOG_APPEND_TIME).toBe(ATTR_LOG_APPEND_TIME)
    expect(b!.readBigInt64BE(OFF_MAX_TIMESTAMP)).toBe(BigInt(h.clock.now()))
    expect(scanBatches(b!, 0, b!.length, true).problem).toBeUndefined()
  })

  it('rejects timestamps outside message.timestamp.*.max.ms with record errors (v8+)', async () => {
    const h = await harness()
    await h.createTopic('ts', 1, { 'message.timestamp.before.max.ms': '60000' })
    const now = BigInt(h.clock.now())
    const records = batch([
      { value: 'ok', timestamp: now },
      { value: 'future', timestamp: now + 2n * 3_600_000n },
      { value: 'old', timestamp: now - 120_000n },
    ])
    const r8 = part(await produceOk(h, 8, req('ts', Buffer.from(records))))
    expect(r8.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(r8.errorMessage).toBe('One or more records have been rejected due to invalid timestamp')
    expect(r8.recordErrors.map((e) => e.batchIndex)).toEqual([1, 2])
    expect(r8.recordErrors[0]!.batchIndexErrorMessage).toContain('is out of range')
    const r7 = part(await produceOk(h, 7, req('ts', Buffer.from(records))))
    expect(r7.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(r7.recordErrors).toEqual([])
    // The default after.max.ms (1 h) applies without any topic setting, from the header alone.
    await h.createTopic('plain')
    expect(
      part(await produceOk(h, 9, req('plain', batch([{ value: 'f', timestamp: now + 7_200_000n }]))))
        .errorCode,
    ).toBe(ErrorCode.INVALID_TIMESTAMP)
    // A producer's LogAppendTime batch: Kafka reads every record's timestamp as its maxTimestamp,
    // so -1 is refused (invalid timestamp type) ...
    const lat = part(
      await produceOk(h, 9, req('plain', batch(['x', 'y'], { logAppendTime: true, maxTimestamp: -1n }))),
    )
    expect(lat.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(lat.recordErrors.map((e) => e.batchIndex)).toEqual([0, 1])
    expect(lat.recordErrors[0]!.batchIndexErrorMessage).toContain('Invalid timestamp type')
    // ... and so is an out-of-range one.
    expect(
      part(
        await produceOk(
          h,
          9,
          req('plain', batch(['x'], { logAppendTime: true, maxTimestamp: now + 7_200_000n })),
        ),
      ).errorCode,
    ).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(h.services.topics.partition('ts', 0)!.logEndOffset()).toBe(0n)
  })

  it('requires keys on compacted topics', async () => {
    const h = await harness()
    await h.createTopic('c', 1, { 'cleanup.policy': 'compact' })
    const r = part(
      await produceOk(
        h,
        9,
        req(
          'c',
          batch([
            { key: 'k', value: 'v' },
            { key: null, value: 'v' },
          ]),
        ),
      ),
    )
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD)
    expect(r.recordErrors.map((e) => e.batchIndex)).toEqual([1])
    expect(
      part(
        await produceOk(h, 9, req('c', batch([{ key: 'k', value: 'v' }], { compression: Compression.Gzip }))),
      ).errorCode,
    ).toBe(0)
  })

  it('acks=all with min.insync.replicas > 1 is NOT_ENOUGH_REPLICAS on one node; acks=1 is fine', async () => {
    const h = await harness()
    await h.createTopic('isr', 1, { 'min.insync.replicas': '2' })
    expect(part(await produceOk(h, 9, req('isr', batch(['a']), 0, -1))).errorCode).toBe(
      ErrorCode.NOT_ENOUGH_REPLICAS,
    )
    expect(part(await produceOk(h, 9, req('isr', batch(['a']), 0, 1))).errorCode).toBe(ErrorCode.NONE)
  })

  it('refuses appends to internal topics from clients', async () => {
    const h = await harness()
    await h.createTopic('__consumer_offsets')
    expect(part(await produceOk(h, 9, req('__consumer_offsets', batch(['a'])))).errorCode).toBe(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    )
  })

  it('needs a transactional id for transactional batches', async () => {
    const h = await harness()
    await h.createTopic('t')
    const txn = batch(['a'], { transactional: true, producerId: 1n, producerEpoch: 0, baseSequence: 0 })
    // The whole request fails (the dispatcher turns the throw into the error response).
    await expect(h.call(produce, 9, req('t', txn))).rejects.toMatchObject({
      code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    })
    // With acks=0 nothing may be answered, not even the whole-request error: the connection closes.
    await expect(h.call(produce, 9, req('t', Buffer.from(txn), 0, 0))).rejects.toBeInstanceOf(
      ConnectionClosed,
    )
    // Too short to hold attributes: a per-partition CORRUPT_MESSAGE, not a crash.
    const short = Buffer.alloc(22)
    short[16] = 2
    expect(part(await produceOk(h, 9, req('t', short))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE)
    const ok = await produceOk(h, 9, { ...req('t', Buffer.from(txn)), transactionalId: 'tx' })
    expect(part(ok).errorCode).toBe(ErrorCode.NONE)
  })

  it('copies small requests out of a large socket chunk, keeps requests that fill it', () => {
    const chunk = Buffer.alloc(64 * 1024)
    const reqOf = (...parts: Buffer[]) =>
      ({
        transactionalId: null,
        acks: 1,
        timeoutMs: 1,
        topicData: [
          { name: 't', topicId: '', partitionData: parts.map((records, index) => ({ index, records })) },
        ],
      }) as Parameters<typeof shouldCopyRecords>[0]
    expect(shouldCopyRecords(reqOf(chunk.subarray(100, 1100)))).toBe(true)
    // Four partitions of 10 KiB each fill more than half the chunk together: no copies.
    const quarters = [0, 1, 2, 3].map((i) => chunk.subarray(i * 10240, (i + 1) * 10240))
    expect(shouldCopyRecords(reqOf(...quarters))).toBe(false)
    expect(shouldCopyRecords(reqOf(chunk.subarray(0, 40 * 1024)))).toBe(false)
  })
})
