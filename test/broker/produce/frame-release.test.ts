// Produce gives its request frame's receive buffer back (FrameLease) only once no view of the
// frame can be used any more. The request here is decoded from a standard receive buffer of a
// poisoning pool, as the connection does, so a release while a log (or anything) still reads the
// frame turns the stored bytes into POISON_BYTE and the checks below fail.

import { describe, expect, it } from 'vitest'
import produce from '../../../src/broker/handlers/00-produce.ts'
import { CloseConnection, NO_RESPONSE } from '../../../src/broker/registry.ts'
import type { RequestContext } from '../../../src/broker/request-context.ts'
import { KafkaError } from '../../../src/protocol/errors.ts'
import {
  ApiKey,
  CODEC_BY_KEY,
  type ProduceRequest,
  type ProduceResponse,
} from '../../../src/protocol/generated/index.ts'
import { Reader } from '../../../src/protocol/primitives/reader.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import { FrameLease, POISON_BYTE, ReceiveBufferPool } from '../../../src/protocol/receive-buffers.ts'
import type { AppendOptions, AppendResult, PartitionLog } from '../../../src/storage/log-store.ts'
import { batch, harness, settle, TEST_CONNECTION, type Harness } from '../handlers/data-path-harness.ts'

const VERSION = 9

function request(acks: number, partitions: Array<{ topic: string; index: number; records: Buffer }>): object {
  const topics = new Map<string, Array<{ index: number; records: Buffer }>>()
  for (const p of partitions) {
    const list = topics.get(p.topic) ?? []
    list.push({ index: p.index, records: p.records })
    topics.set(p.topic, list)
  }
  return {
    transactionalId: null,
    acks,
    timeoutMs: 30_000,
    topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
  }
}

/** Calls Produce on `req` decoded from a standard receive buffer of a poisoning pool. */
function call(h: Harness, req: object): { lease: FrameLease; outcome: Promise<unknown>; frame: Buffer } {
  const codec = CODEC_BY_KEY[ApiKey.Produce]!
  const w = new Writer()
  codec.encodeRequest(w, VERSION, req)
  const bytes = w.toBuffer()
  const pool = new ReceiveBufferPool(1 << 20, 4 << 20, true)
  const buf = pool.take()
  bytes.copy(buf)
  const frame = buf.subarray(0, bytes.length)
  const decoded = codec.decodeRequest(new Reader(frame), VERSION) as ProduceRequest
  const lease = new FrameLease(buf, pool)
  const ctx: RequestContext = {
    services: h.services,
    connection: TEST_CONNECTION,
    apiKey: ApiKey.Produce,
    apiVersion: VERSION,
    correlationId: 1,
    clientId: 'test',
    frameBytes: frame.length,
    receivedAt: 0,
    clock: h.services.clock,
    logger: h.services.logger,
    frameLease: lease,
  }
  let outcome: Promise<unknown>
  try {
    outcome = Promise.resolve(produce.handle(ctx, decoded))
  } catch (err) {
    outcome = Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
  return { lease, outcome, frame }
}

async function values(h: Harness, topic: string, partition = 0): Promise<string[]> {
  const log = h.services.topics.partition(topic, partition)!
  const r = await log.read(log.logStartOffset(), 1 << 30)
  return r.records.flatMap((b) => readRecords(b).map((rec) => rec.value!.toString()))
}

/**
 * A log whose append completes later and reads the caller's buffer only then (as a disk write
 * does), storing what it read in the memory log behind it.
 */
function slowLog(inner: PartitionLog, delayMs: number, retainsAppended: boolean | undefined): PartitionLog {
  const own: Partial<Record<keyof PartitionLog, unknown>> = {
    retainsAppended,
    appendNow: undefined,
    append: (records: Buffer, options: AppendOptions) =>
      new Promise<AppendResult>((resolve, reject) =>
        setTimeout(() => {
          try {
            resolve(inner.appendNow!(records, options))
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)))
          }
        }, delayMs),
      ),
  }
  // A proxy, not a subclass: the memory log's private fields need the real object as `this`.
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (Object.hasOwn(own, prop)) return own[prop as keyof PartitionLog]
      const v: unknown = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
    set(_target, prop, value) {
      own[prop as keyof PartitionLog] = value
      return true
    },
  })
}

async function withLog(
  h: Harness,
  topic: string,
  wrap: (inner: PartitionLog) => PartitionLog,
): Promise<void> {
  await h.createTopic(topic)
  const topics = h.services.topics
  const inner = topics.partition(topic, 0)!
  const wrapped = wrap(inner)
  const partition = topics.partition.bind(topics)
  topics.partition = (name, index) => (name === topic && index === 0 ? wrapped : partition(name, index))
}

describe('Produce releases its frame', () => {
  it('at once into the memory log, which copied the records first', async () => {
    const h = await harness()
    await h.createTopic('t', 2)
    const { lease, outcome, frame } = call(
      h,
      request(-1, [
        { topic: 't', index: 0, records: batch(['a', 'b']) },
        { topic: 't', index: 1, records: batch(['c']) },
      ]),
    )
    expect(lease.released).toBe(true)
    expect(frame.every((b) => b === POISON_BYTE)).toBe(true)
    const res = (await outcome) as ProduceResponse
    expect(res.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([0, 0])
    expect(await values(h, 't', 0)).toEqual(['a', 'b'])
    expect(await values(h, 't', 1)).toEqual(['c'])
  })

  it('only after every asynchronous append completed', async () => {
    const h = await harness()
    await withLog(h, 'slow', (inner) => slowLog(inner, 30, false))
    await h.createTopic('fast')
    const { lease, outcome } = call(
      h,
      request(1, [
        { topic: 'fast', index: 0, records: batch(['f']) },
        { topic: 'slow', index: 0, records: batch(['s1', 's2']) },
      ]),
    )
    await new Promise((r) => setTimeout(r, 10))
    expect(lease.released).toBe(false)
    const res = (await outcome) as ProduceResponse
    expect(lease.released).toBe(true)
    expect(res.responses.flatMap((t) => t.partitionResponses.map((p) => p.errorCode))).toEqual([0, 0])
    // The slow log read the frame when its append completed: before the release, so intact.
    expect(await values(h, 'slow')).toEqual(['s1', 's2'])
    expect(await values(h, 'fast')).toEqual(['f'])
  })

  it('for acks=0 once the appends completed', async () => {
    const h = await harness()
    await withLog(h, 'slow', (inner) => slowLog(inner, 20, false))
    const { lease, outcome } = call(h, request(0, [{ topic: 'slow', index: 0, records: batch(['z']) }]))
    expect(lease.released).toBe(false)
    expect(await outcome).toBe(NO_RESPONSE)
    expect(lease.released).toBe(true)
    expect(await values(h, 'slow')).toEqual(['z'])
  })

  it('when nothing was appended: unknown partition, invalid records, bad acks', async () => {
    const h = await harness()
    await h.createTopic('t')
    const corrupt = batch(['x'])
    corrupt.writeUInt32BE(0, 17) // CRC
    for (const req of [
      request(-1, [{ topic: 'nope', index: 0, records: batch(['a']) }]),
      request(-1, [{ topic: 't', index: 0, records: corrupt }]),
      request(5, [{ topic: 't', index: 0, records: batch(['a']) }]),
    ]) {
      const { lease, outcome } = call(h, req)
      const res = (await outcome) as ProduceResponse
      expect(res.responses[0]!.partitionResponses[0]!.errorCode).not.toBe(0)
      expect(lease.released).toBe(true)
    }
  })

  it('never into a log that keeps views of what it appends', async () => {
    const h = await harness()
    // A single 2 MiB receive buffer holding the whole request: no copy (shouldCopyRecords).
    await withLog(h, 'keeps', (inner) => slowLog(inner, 1, undefined))
    const big = batch([{ value: 'v'.repeat(600_000) }])
    const { lease, outcome, frame } = call(h, request(-1, [{ topic: 'keeps', index: 0, records: big }]))
    await outcome
    await settle()
    expect(lease.pinned).toBe(true)
    expect(frame.every((b) => b === POISON_BYTE)).toBe(false)
  })

  it('into the memory log that adopted its batch only once retention dropped that batch', async () => {
    const h = await harness()
    await h.createTopic('adopt', 1, { 'segment.bytes': '700000', 'retention.bytes': '1' })
    const big = (c: string): Buffer => batch([{ value: c.repeat(600_000) }])
    const first = call(h, request(-1, [{ topic: 'adopt', index: 0, records: big('a') }]))
    await first.outcome
    // The log holds its own reference: the request's is gone, the buffer is not.
    expect(first.lease.refs).toBe(1)
    expect(first.frame.every((b) => b === POISON_BYTE)).toBe(false)
    const second = call(h, request(-1, [{ topic: 'adopt', index: 0, records: big('b') }]))
    await second.outcome
    const third = call(h, request(-1, [{ topic: 'adopt', index: 0, records: big('c') }]))
    await third.outcome
    // The third append rolled a segment and retention.bytes dropped the first one.
    expect(h.services.topics.partition('adopt', 0)!.logStartOffset()).toBe(1n)
    expect(first.lease.released).toBe(true)
    expect(first.lease.pinned).toBe(false)
    expect(first.frame.every((b) => b === POISON_BYTE)).toBe(true)
    expect(second.lease.released).toBe(false)
    expect(await values(h, 'adopt')).toEqual(['b'.repeat(600_000), 'c'.repeat(600_000)])
    expect(second.lease.pinned).toBe(true)
  })

  it('never after a failed append, nor when the request fails as a whole', async () => {
    const h = await harness()
    await withLog(h, 'broken', (inner) => {
      const log = slowLog(inner, 1, false)
      log.append = () => Promise.reject(new KafkaError('KAFKA_STORAGE_ERROR', 'disk gone'))
      return log
    })
    const failed = call(h, request(-1, [{ topic: 'broken', index: 0, records: batch(['a']) }]))
    const res = (await failed.outcome) as ProduceResponse
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).not.toBe(0)
    expect(failed.lease.pinned).toBe(true)
    expect(failed.frame.every((b) => b === POISON_BYTE)).toBe(false)

    // acks=0 with a failure closes the connection: still nothing was kept, but an append failed.
    const closing = call(h, request(0, [{ topic: 'broken', index: 0, records: batch(['a']) }]))
    expect(await closing.outcome).toBeInstanceOf(CloseConnection)
    expect(closing.lease.pinned).toBe(true)
    expect(closing.frame.every((b) => b === POISON_BYTE)).toBe(false)
  })
})
