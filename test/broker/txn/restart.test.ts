// Idempotent Produce across a broker restart on the disk log, on the wire: the retried last batch
// of a producer is answered with its original offset (not written again) when the restarted
// broker rebuilt producer state from its snapshots without scanning the log, and when retention
// had deleted every segment that held the producer's batches (Kafka keeps that state in its
// snapshots until the producer expires).

import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/broker/logger.ts'
import type { RunningBroker } from '../../../src/index.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ApiKey } from '../../../src/protocol/generated/index.ts'
import { testBroker } from '../../e2e/helpers.ts'
import { WireClient } from '../wire-client.ts'
import { batchBytes, type BatchSpec } from './helpers.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

interface PartitionResult {
  index: number
  errorCode: number
  baseOffset: bigint
  logStartOffset: bigint
}

/** A broker on `dir` with a wire client; `lines` collects its info-level log records. */
async function start(dir: string, config: Record<string, string | number> = {}) {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n'))
        if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>)
      done()
    },
  })
  const broker = await testBroker({
    memory: false,
    dataDir: dir,
    config,
    logger: createLogger({ level: 'info', destination }),
  })
  const client = await WireClient.open(broker.port)
  const call = async <T>(apiKey: number, version: number, body: object): Promise<T> => {
    const n = client.responseCount
    client.send(apiKey, version, body)
    await client.waitFor(n + 1)
    return client.response<T>(n).body
  }
  const produce = async (topic: string, partition: number, spec: BatchSpec | Buffer) => {
    const records = Buffer.isBuffer(spec) ? spec : batchBytes(spec)
    const r = await call<{ responses: Array<{ partitionResponses: PartitionResult[] }> }>(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    })
    return r.responses[0]!.partitionResponses[0]!
  }
  const stop = async (): Promise<void> => {
    client.close()
    await broker.close()
  }
  return { broker, call, produce, stop, lines }
}

async function createTopic(
  call: <T>(apiKey: number, version: number, body: object) => Promise<T>,
  name: string,
  partitions: number,
  configs: Record<string, string>,
) {
  await call(ApiKey.CreateTopics, 4, {
    topics: [
      {
        name,
        numPartitions: partitions,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
      },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  })
}

async function initProducerId(call: <T>(apiKey: number, version: number, body: object) => Promise<T>) {
  return call<{ errorCode: number; producerId: bigint; producerEpoch: number }>(ApiKey.InitProducerId, 4, {
    transactionalId: null,
    transactionTimeoutMs: 60_000,
    producerId: -1n,
    producerEpoch: -1,
  })
}

function loadLine(lines: Array<Record<string, unknown>>) {
  return lines.find((l) => l.msg === 'producer state loaded')
}

function logOf(broker: RunningBroker, topic: string, partition: number) {
  return broker.services.topics.partition(topic, partition)!
}

describe('idempotent Produce across a restart on the disk log', () => {
  it('answers the retried batch with its original offset from the snapshot, scanning nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-pid-restart-'))
    dirs.push(dir)
    let b = await start(dir)
    await createTopic(b.call, 'idem', 2, { 'segment.bytes': '512' })
    const { producerId, producerEpoch } = await initProducerId(b.call)
    const last = new Map<number, { seq: number; offset: bigint }>()
    for (let i = 0; i < 30; i++)
      for (const p of [0, 1]) {
        const r = await b.produce('idem', p, { producerId, epoch: producerEpoch, seq: i * 3, count: 3 })
        expect(r.errorCode).toBe(ErrorCode.NONE)
        last.set(p, { seq: i * 3, offset: r.baseOffset })
      }
    const ends = [0, 1].map((p) => logOf(b.broker, 'idem', p).logEndOffset())
    expect((await readdir(join(dir, 'idem-0'))).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(3)
    await b.stop()

    b = await start(dir)
    try {
      // Every partition (idem-0, idem-1, the internal topics) came from a snapshot; nothing was scanned.
      const loaded = loadLine(b.lines)
      expect(loaded).toMatchObject({ batchesScanned: 0 })
      expect(loaded?.fromSnapshot).toBeGreaterThanOrEqual(2)
      for (const p of [0, 1]) {
        const { seq, offset } = last.get(p)!
        const retry = await b.produce('idem', p, { producerId, epoch: producerEpoch, seq, count: 3 })
        expect(retry).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: offset })
        expect(logOf(b.broker, 'idem', p).logEndOffset()).toBe(ends[p])
        const gap = await b.produce('idem', p, { producerId, epoch: producerEpoch, seq: seq + 6, count: 1 })
        expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
        const next = await b.produce('idem', p, { producerId, epoch: producerEpoch, seq: seq + 3, count: 1 })
        expect(next).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: ends[p] })
      }
    } finally {
      await b.stop()
    }
  }, 60_000)

  it('still knows the producer after retention deleted every segment it wrote to', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-pid-retention-'))
    dirs.push(dir)
    const config = { 'log.retention.check.interval.ms': 100 }
    let b = await start(dir, config)
    await createTopic(b.call, 'ret', 1, { 'segment.bytes': '1024', 'retention.ms': '1000' })
    const { producerId, producerEpoch } = await initProducerId(b.call)
    let lastBatch = { seq: 0, offset: -1n }
    for (let i = 0; i < 10; i++) {
      const r = await b.produce('ret', 0, { producerId, epoch: producerEpoch, seq: i * 2, count: 2 })
      lastBatch = { seq: i * 2, offset: r.baseOffset }
    }
    // Let those records age past retention.ms, then write newer ones (no producer id) so the old
    // segments are no longer active and retention deletes them.
    await new Promise((r) => setTimeout(r, 1200))
    const log = logOf(b.broker, 'ret', 0)
    const plain = (): BatchSpec => ({ producerId: -1n, epoch: -1, seq: -1, count: 4 })
    for (let i = 0; i < 100 && log.logStartOffset() <= lastBatch.offset; i++) {
      expect((await b.produce('ret', 0, plain())).errorCode).toBe(ErrorCode.NONE)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(log.logStartOffset()).toBeGreaterThan(lastBatch.offset)
    const end = log.logEndOffset()
    await b.stop()

    b = await start(dir, config)
    try {
      const retry = await b.produce('ret', 0, {
        producerId,
        epoch: producerEpoch,
        seq: lastBatch.seq,
        count: 2,
      })
      expect(retry).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: lastBatch.offset })
      expect(logOf(b.broker, 'ret', 0).logEndOffset()).toBe(end)
      const next = await b.produce('ret', 0, {
        producerId,
        epoch: producerEpoch,
        seq: lastBatch.seq + 3,
        count: 1,
      })
      expect(next.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    } finally {
      await b.stop()
    }
  }, 60_000)
})
