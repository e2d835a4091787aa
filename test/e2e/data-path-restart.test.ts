// The data path on the disk log: what KafkaJS produced (plain and gzip, several partitions) is
// there after a restart — same offsets, same records, same log start after DeleteRecords, same
// answers to ListOffsets by timestamp — and producing continues at the next offset.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CompressionTypes, type Kafka } from 'kafkajs'
import { kafkaFor, testBroker } from './helpers.ts'

async function readAll(kafka: Kafka, topic: string, expected: number, groupId: string) {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: Array<{ partition: number; offset: string; value: string }> = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${expected}`)), 20_000)
    void consumer.run({
      eachMessage: ({ partition, message }) => {
        seen.push({ partition, offset: message.offset, value: message.value!.toString() })
        if (seen.length >= expected) {
          clearTimeout(timer)
          resolve()
        }
        return Promise.resolve()
      },
    })
  })
  await consumer.disconnect()
  return seen.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset))
}

describe('data path across a restart on the disk log', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('keeps records, offsets, the log start offset and timestamps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-data-path-'))
    dirs.push(dir)
    const base = Date.now() - 60_000

    let broker = await testBroker({ memory: false, dataDir: dir })
    let kafka = kafkaFor(broker)
    let admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 2 }] })
    const producer = kafka.producer()
    await producer.connect()
    for (let i = 0; i < 10; i++)
      await producer.send({
        topic: 'durable',
        compression: i % 2 === 0 ? CompressionTypes.None : CompressionTypes.GZIP,
        messages: [
          { partition: 0, value: `p0-${i}`, timestamp: String(base + i * 1000) },
          { partition: 1, value: `p1-${i}`, timestamp: String(base + i * 1000) },
        ],
      })
    // KafkaJS finds partition leaders from its cached metadata: load it first.
    await admin.fetchTopicOffsets('durable')
    await admin.deleteTopicRecords({ topic: 'durable', partitions: [{ partition: 1, offset: '4' }] })
    const before = await readAll(kafka, 'durable', 16, 'before')
    const byTimeBefore = await admin.fetchTopicOffsetsByTimestamp('durable', base + 5500)
    await producer.disconnect()
    await admin.disconnect()
    await broker.close()

    broker = await testBroker({ memory: false, dataDir: dir })
    kafka = kafkaFor(broker)
    admin = kafka.admin()
    await admin.connect()
    try {
      const offsets = await admin.fetchTopicOffsets('durable')
      expect(offsets.sort((a, b) => a.partition - b.partition)).toMatchObject([
        { partition: 0, low: '0', high: '10' },
        { partition: 1, low: '4', high: '10' },
      ])
      const after = await readAll(kafka, 'durable', 16, 'after')
      expect(after).toEqual(before)
      expect(await admin.fetchTopicOffsetsByTimestamp('durable', base + 5500)).toEqual(byTimeBefore)
      const p = kafka.producer()
      await p.connect()
      const [ack] = await p.send({ topic: 'durable', messages: [{ partition: 0, value: 'next' }] })
      expect(ack!.baseOffset).toBe('10')
      await p.disconnect()
    } finally {
      await admin.disconnect()
      await broker.close()
    }
  })
})
