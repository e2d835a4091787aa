// The broker runs log maintenance every log.retention.check.interval.ms: segments past a topic's
// retention.ms are deleted and the log start offset moves, as clients see through ListOffsets.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClientsHarness, startWithClients } from './helpers.ts'

describe('scheduled retention', () => {
  let h: ClientsHarness

  beforeAll(async () => {
    h = await startWithClients({ config: { 'log.retention.check.interval.ms': 100 } })
  })

  afterAll(async () => {
    await h?.close()
  })

  it('deletes segments older than retention.ms and advances the log start offset', async () => {
    const { admin, producer } = h
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
  })
})

describe('in-memory retention.bytes as segments roll', () => {
  let h: ClientsHarness

  beforeAll(async () => {
    // The default check interval (5 minutes) never runs during the test: only the roll applies it.
    h = await startWithClients()
  })

  afterAll(async () => {
    await h?.close()
  })

  it('keeps a partition near retention.bytes while producing, without the periodic check', async () => {
    const { kafka, admin, producer } = h
    await admin.createTopics({
      topics: [
        {
          topic: 'bounded',
          numPartitions: 1,
          configEntries: [
            { name: 'segment.bytes', value: '16384' },
            { name: 'retention.bytes', value: '65536' },
          ],
        },
      ],
    })
    // 2 MB in 1 KiB records; each send is one batch of 10 records (~10.3 KB).
    const value = Buffer.alloc(1024, 7)
    let maxKept = 0
    for (let i = 0; i < 200; i++) {
      await producer.send({
        topic: 'bounded',
        messages: Array.from({ length: 10 }, () => ({ value })),
      })
      const [p] = await admin.fetchTopicOffsets('bounded')
      maxKept = Math.max(maxKept, Number(p!.high) - Number(p!.low))
    }
    const [p] = await admin.fetchTopicOffsets('bounded')
    expect(p!.high).toBe('2000')
    expect(Number(p!.low)).toBeGreaterThan(1800)
    // retention.bytes + two segments (96 KiB) hold at most ~95 of these records.
    expect(maxKept).toBeLessThan(100)
    expect(maxKept).toBeGreaterThan(60)
    // What is kept is still readable from the new log start.
    const consumer = kafka.consumer({ groupId: 'bounded-reader' })
    await consumer.connect()
    try {
      await consumer.subscribe({ topic: 'bounded', fromBeginning: true })
      const seen: string[] = []
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`read ${seen.length} records`)), 10_000)
        void consumer.run({
          eachMessage: ({ message }) => {
            seen.push(message.offset)
            if (message.offset === '1999') {
              clearTimeout(t)
              resolve()
            }
            return Promise.resolve()
          },
        })
      })
      expect(seen[0]).toBe(p!.low)
    } finally {
      await consumer.disconnect()
    }
  })
})
