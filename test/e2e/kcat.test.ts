// librdkafka's view through kcat -L (metadata listing), when kcat is installed.

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import { kafkaFor, testBroker } from './helpers.ts'

const run = promisify(execFile)

async function kcatAvailable(): Promise<boolean> {
  try {
    await run('kcat', ['-V'])
    return true
  } catch {
    return false
  }
}

const hasKcat = await kcatAvailable()
if (!hasKcat) console.warn('kcat is not installed (apt-get install kcat): skipping the kcat metadata test')

describe.skipIf(!hasKcat)('kcat -L', () => {
  let broker: RunningBroker

  beforeAll(async () => {
    broker = await testBroker()
    const admin = kafkaFor(broker).admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'kcat-topic', numPartitions: 3 }] })
    await admin.disconnect()
  })

  afterAll(async () => {
    await broker?.close()
  })

  it('lists the broker, the topic and its partitions as JSON', async () => {
    const { stdout } = await run('kcat', ['-b', broker.bootstrap, '-L', '-J', '-m', '10'], {
      timeout: 20_000,
    })
    const md = JSON.parse(stdout) as {
      brokers: Array<{ id: number; name: string }>
      topics: Array<{
        topic: string
        partitions: Array<{ partition: number; leader: number; replicas: unknown[] }>
      }>
    }
    expect(md.brokers).toEqual([{ id: 1, name: broker.bootstrap }])
    const t = md.topics.find((x) => x.topic === 'kcat-topic')
    expect(t?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2])
    expect(t?.partitions.every((p) => p.leader === 1)).toBe(true)
  })

  it('reports a topic that does not exist when auto-creation is off', async () => {
    const off = await testBroker({ config: { 'auto.create.topics.enable': false } })
    try {
      const { stdout } = await run('kcat', ['-b', off.bootstrap, '-L', '-J', '-t', 'nope', '-m', '10'], {
        timeout: 20_000,
      })
      const md = JSON.parse(stdout) as { topics: Array<{ topic: string; error?: string }> }
      expect(md.topics[0]).toMatchObject({ topic: 'nope', error: expect.stringContaining('Unknown topic') })
    } finally {
      await off.close()
    }
  })
})
