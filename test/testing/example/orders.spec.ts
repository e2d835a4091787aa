// Example: a test file using the shared broker, a unique topic per test, and cleanup.
import { Kafka, logLevel } from 'kafkajs'
import { afterEach, beforeEach, expect, inject, test } from 'vitest'
import { TopicScope } from '../../../src/testing/index.ts' // 'samsa/testing' in your project

const bootstrap = inject('samsaBootstrap')
const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING })
let topics: TopicScope

beforeEach(() => {
  topics = new TopicScope(bootstrap)
})
afterEach(async () => {
  await topics.cleanup()
})

test('a produced order can be read back', async () => {
  const topic = await topics.create('orders')
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ key: 'o-1', value: 'pizza' }] })
  await producer.disconnect()

  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  // num.partitions=2 came from `provide.samsaBroker` in vitest.config.ts.
  expect(offsets).toHaveLength(2)
  expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(1)
})

test('each test gets its own topic', async () => {
  const a = await topics.create('orders')
  const b = await topics.create('orders')
  expect(a).not.toBe(b)
  const admin = kafka.admin()
  await admin.connect()
  const all = await admin.listTopics()
  await admin.disconnect()
  expect(all).toEqual(expect.arrayContaining([a, b]))
})
