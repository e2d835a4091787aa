// The broker survives bad clients: a malformed frame closes that connection only, and everyone
// else keeps being served. Also Metadata auto-creation on and off, as KafkaJS drives it.

import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin } from 'kafkajs'
import type { RunningBroker } from '../../src/index.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { ApiKey } from '../../src/protocol/generated/index.ts'
import { WireClient } from '../broker/wire-client.ts'
import { type AdminHarness, kafkaFor, startWithAdmin, testBroker } from './helpers.ts'

describe('a malformed frame', () => {
  let broker: RunningBroker
  let admin: Admin

  let harness: AdminHarness | undefined

  beforeAll(async () => {
    harness = await startWithAdmin()
    ;({ broker, admin } = harness)
  })

  afterAll(async () => {
    await harness?.close()
  })

  it('closes only the connection that sent it', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: broker.port }, () => {
        // A CreateTopics v2 frame whose topic array claims 2^31-1 entries.
        const frame = Buffer.alloc(4 + 14)
        frame.writeInt32BE(14)
        frame.writeInt16BE(19, 4)
        frame.writeInt16BE(2, 6)
        frame.writeInt32BE(1, 8)
        frame.writeInt16BE(-1, 12)
        frame.writeInt32BE(0x7fffffff, 14)
        s.write(frame)
      })
      s.on('data', () => resolve(false))
      s.on('close', () => resolve(true))
      s.on('error', () => {})
      setTimeout(() => resolve(false), 5000)
    })
    expect(closed).toBe(true)
    // The admin client's own connection is untouched.
    await admin.createTopics({ topics: [{ topic: 'after-bad-frame' }] })
    expect(await admin.listTopics()).toContain('after-bad-frame')
  })
})

describe('random frames', () => {
  it('never take the broker down: each bad connection closes, and clients keep being served', async () => {
    const broker = await testBroker()
    const admin = kafkaFor(broker).admin()
    try {
      await admin.connect()
      // Deterministic pseudo-random frames: a valid size prefix, then a header with a real or
      // random API key and version, then random bytes. Bounded: 150 connections, 2 KiB each.
      let seed = 12345
      const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
      const keys = broker.services.apiVersions.map((a) => a.apiKey)
      for (let i = 0; i < 150; i++) {
        const len = 8 + Math.floor(rand() * 2048)
        const frame = Buffer.alloc(4 + len)
        frame.writeInt32BE(len)
        for (let j = 4; j < frame.length; j++) frame[j] = Math.floor(rand() * 256)
        if (rand() < 0.8) frame.writeInt16BE(keys[Math.floor(rand() * keys.length)]!, 4)
        if (rand() < 0.8) frame.writeInt16BE(Math.floor(rand() * 14), 6)
        await new Promise<void>((resolve) => {
          const s = connect({ host: '127.0.0.1', port: broker.port }, () => s.end(frame))
          s.on('data', () => {})
          s.on('close', () => resolve())
          s.on('error', () => {})
          setTimeout(() => {
            s.destroy()
            resolve()
          }, 2000)
        })
      }
      await admin.createTopics({ topics: [{ topic: 'after-fuzz' }] })
      expect(await admin.listTopics()).toContain('after-fuzz')
      // Nothing is left charged to the request budget by the connections that went away.
      expect(broker.stats().requestBytes).toBe(0)
    } finally {
      await admin.disconnect()
      await broker.close()
    }
  })
})

describe('Metadata auto-creation', () => {
  async function metadataV4(
    broker: RunningBroker,
    topic: string,
  ): Promise<{ errorCode: number; partitions: unknown[] }> {
    const c = await WireClient.open(broker.port)
    try {
      c.send(ApiKey.Metadata, 4, { topics: [{ name: topic }], allowAutoTopicCreation: true })
      await c.waitFor(1)
      return c.response<{ topics: Array<{ errorCode: number; partitions: unknown[] }> }>(0).body.topics[0]!
    } finally {
      c.close()
    }
  }

  it('creates a topic a client names when auto.create.topics.enable and the request allow it', async () => {
    const broker = await testBroker({ config: { 'num.partitions': 3 } })
    try {
      const t = await metadataV4(broker, 'auto-made')
      expect(t.errorCode).toBe(0)
      expect(t.partitions).toHaveLength(3)
      expect(broker.services.topics.get('auto-made')?.partitions).toBe(3)
    } finally {
      await broker.close()
    }
  })

  it("honours the request's AllowAutoTopicCreation=false (KafkaJS admin sends it)", async () => {
    const broker = await testBroker()
    const admin = kafkaFor(broker).admin()
    try {
      await admin.connect()
      await expect(admin.fetchTopicMetadata({ topics: ['not-made'] })).rejects.toMatchObject({
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
      })
      expect(await admin.listTopics()).not.toContain('not-made')
    } finally {
      await admin.disconnect()
      await broker.close()
    }
  })

  it('does not create topics when auto.create.topics.enable is off', async () => {
    const broker = await testBroker({ config: { 'auto.create.topics.enable': false } })
    try {
      const t = await metadataV4(broker, 'not-made')
      expect(t.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      expect(broker.services.topics.get('not-made')).toBeUndefined()
    } finally {
      await broker.close()
    }
  })
})
