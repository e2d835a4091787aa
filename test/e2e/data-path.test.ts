// The data path with KafkaJS against a running broker: keyed produce lands on one partition per
// key, a consumer reads every partition, gzip (built in) and snappy (kafkajs-snappy) batches round
// trip, oversize batches are refused, ListOffsets by timestamp, DeleteRecords, and a long-polling
// fetch woken by an append (its wake latency measured with our own client, which issues the Fetch
// itself).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompressionCodecs, CompressionTypes, type Admin, type Kafka, type Producer } from 'kafkajs'
import SnappyCodec from 'kafkajs-snappy'
import type { RunningBroker } from '../../src/index.ts'
import { type ClientsHarness, startWithClients } from './helpers.ts'
import { Connection } from '../../src/client/connection.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec

async function consumeAll(kafka: Kafka, topic: string, expected: number, groupId: string) {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: Array<{ partition: number; key: string | null; value: string }> = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${expected}`)), 20_000)
    void consumer.run({
      eachMessage: ({ partition, message }) => {
        seen.push({ partition, key: message.key?.toString() ?? null, value: message.value!.toString() })
        if (seen.length >= expected) {
          clearTimeout(timer)
          resolve()
        }
        return Promise.resolve()
      },
    })
  })
  await consumer.disconnect()
  return seen
}

describe('data path with KafkaJS', () => {
  let broker: RunningBroker
  let kafka: Kafka
  let admin: Admin
  let producer: Producer

  let harness: ClientsHarness | undefined

  beforeAll(async () => {
    harness = await startWithClients({ config: { 'message.max.bytes': 100_000 } })
    ;({ broker, kafka, admin, producer } = harness)
  })

  afterAll(async () => {
    await harness?.close()
  })

  it('sends keyed messages to one partition per key and consumes them all', async () => {
    await admin.createTopics({ topics: [{ topic: 'keys', numPartitions: 4 }] })
    const messages = []
    for (let i = 0; i < 200; i++) messages.push({ key: `k${i % 10}`, value: `v${i}` })
    const acks = await producer.send({ topic: 'keys', messages, acks: -1 })
    expect(acks.every((a) => a.errorCode === 0)).toBe(true)
    const seen = await consumeAll(kafka, 'keys', 200, 'keys-group')
    expect(new Set(seen.map((s) => s.value)).size).toBe(200)
    const partitionOfKey = new Map<string, Set<number>>()
    for (const s of seen) {
      const set = partitionOfKey.get(s.key!) ?? new Set()
      set.add(s.partition)
      partitionOfKey.set(s.key!, set)
    }
    for (const set of partitionOfKey.values()) expect(set.size).toBe(1)
    expect(new Set(seen.map((s) => s.partition)).size).toBeGreaterThan(1)
    // Order within a key is the order sent.
    const k3 = seen.filter((s) => s.key === 'k3').map((s) => Number(s.value.slice(1)))
    expect(k3).toEqual([...k3].sort((a, b) => a - b))
  })

  it('round-trips gzip and snappy batches', async () => {
    await admin.createTopics({ topics: [{ topic: 'codecs', numPartitions: 1 }] })
    const big = 'compressible '.repeat(200)
    await producer.send({
      topic: 'codecs',
      compression: CompressionTypes.GZIP,
      messages: [{ value: `gzip-1 ${big}` }, { value: 'gzip-2' }],
    })
    await producer.send({
      topic: 'codecs',
      compression: CompressionTypes.Snappy,
      messages: [{ value: `snappy-1 ${big}` }, { value: 'snappy-2' }],
    })
    const seen = await consumeAll(kafka, 'codecs', 4, 'codecs-group')
    expect(seen.map((s) => s.value.split(' ')[0])).toEqual(['gzip-1', 'gzip-2', 'snappy-1', 'snappy-2'])
  })

  it('refuses a batch larger than message.max.bytes', async () => {
    await admin.createTopics({ topics: [{ topic: 'big', numPartitions: 1 }] })
    const strict = kafka.producer({ retry: { retries: 0 } })
    await strict.connect()
    await expect(strict.send({ topic: 'big', messages: [{ value: 'x'.repeat(200_000) }] })).rejects.toThrow(
      /larger than|too large|MESSAGE_TOO_LARGE/i,
    )
    await strict.send({ topic: 'big', messages: [{ value: 'small' }] })
    await strict.disconnect()
    const offsets = await admin.fetchTopicOffsets('big')
    expect(offsets[0]!.high).toBe('1')
  })

  it('answers ListOffsets by timestamp and DeleteRecords', async () => {
    await admin.createTopics({ topics: [{ topic: 'times', numPartitions: 1 }] })
    const base = Date.now() - 60_000
    await producer.send({
      topic: 'times',
      messages: [0, 1, 2, 3, 4].map((i) => ({ value: `t${i}`, timestamp: String(base + i * 1000) })),
    })
    const at = await admin.fetchTopicOffsetsByTimestamp('times', base + 2500)
    expect(at[0]!.offset).toBe('3')
    const after = await admin.fetchTopicOffsetsByTimestamp('times', Date.now() + 10_000)
    // Past the last record: Kafka answers -1, which KafkaJS turns into the latest offset.
    expect(['5', '-1']).toContain(after[0]!.offset)
    await admin.deleteTopicRecords({ topic: 'times', partitions: [{ partition: 0, offset: '3' }] })
    const offsets = await admin.fetchTopicOffsets('times')
    expect(offsets[0]).toMatchObject({ low: '3', high: '5' })
    const rest = await consumeAll(kafka, 'times', 2, 'times-group')
    expect(rest.map((s) => s.value)).toEqual(['t3', 't4'])
  })

  it('wakes a long-polling fetch on append (wake latency measured)', async () => {
    await admin.createTopics({ topics: [{ topic: 'poll', numPartitions: 1 }] })
    const topicId = broker.services.topics.get('poll')!.topicId
    const conn = await Connection.open({ host: broker.host, port: broker.port, clientId: 'poll-test' })
    try {
      const latencies: number[] = []
      for (let round = 0; round < 20; round++) {
        const fetchStart = performance.now()
        const pending = conn.send('Fetch', (v) => ({
          maxWaitMs: 5000,
          minBytes: 1,
          maxBytes: 1 << 20,
          topics: [
            {
              ...(v >= 13 ? { topicId } : { topic: 'poll' }),
              partitions: [{ partition: 0, fetchOffset: BigInt(round), partitionMaxBytes: 1 << 20 }],
            },
          ],
        }))
        await new Promise((r) => setTimeout(r, 20))
        const sent = performance.now()
        const ack = await conn.send('Produce', (v) => ({
          acks: 1,
          timeoutMs: 1000,
          topicData: [
            {
              ...(v >= 13 ? { topicId } : { name: 'poll' }),
              partitionData: [
                { index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from(`m${round}`) }] }) },
              ],
            },
          ],
        }))
        expect(ack.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(0)
        const res = (await pending).body
        const woke = performance.now()
        expect(woke - fetchStart).toBeLessThan(4000)
        expect(res.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0)
        latencies.push(woke - sent)
      }
      latencies.sort((a, b) => a - b)
      const p50 = latencies[Math.floor(latencies.length / 2)]!
      console.log(
        `long-poll wake latency (produce sent → fetch answered): p50 ${p50.toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`,
      )
      expect(p50).toBeLessThan(100)
    } finally {
      conn.close()
    }
  })
})
