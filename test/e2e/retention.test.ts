// The broker runs log maintenance every log.retention.check.interval.ms: segments past a topic's
// retention.ms are deleted and the log start offset moves, as clients see through ListOffsets.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import { kafkaFor, testBroker } from './helpers.ts'

describe('scheduled retention', () => {
  let broker: RunningBroker

  beforeAll(async () => {
    broker = await testBroker({ config: { 'log.retention.check.interval.ms': 100 } })
  })

  afterAll(async () => {
    await broker?.close()
  })

  it('deletes segments older than retention.ms and advances the log start offset', async () => {
    const kafka = kafkaFor(broker)
    const admin = kafka.admin()
    const producer = kafka.producer()
    await admin.connect()
    await producer.connect()
    try {
      await admin.createTopics({
        topics: [
          {
            topic: 'short-lived',
            numPartitions: 1,
            configEntries: [
              { name: 'segment.bytes', value: '1024' },
              { name: 'retention.ms', value: '300' },
            ],
          },
        ],
      })
      for (let i = 0; i < 20; i++)
        await producer.send({ topic: 'short-lived', messages: [{ value: Buffer.alloc(200, i) }] })
      const before = await admin.fetchTopicOffsets('short-lived')
      expect(before[0]).toMatchObject({ low: '0', high: '20' })

      const deadline = Date.now() + 5000
      let low = '0'
      while (Date.now() < deadline && low === '0') {
        await new Promise((r) => setTimeout(r, 100))
        low = (await admin.fetchTopicOffsets('short-lived'))[0]!.low
      }
      expect(Number(low)).toBeGreaterThan(0)
      expect((await admin.fetchTopicOffsets('short-lived'))[0]!.high).toBe('20')
    } finally {
      await producer.disconnect()
      await admin.disconnect()
    }
  })
})
