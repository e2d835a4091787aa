// Compaction through the broker: a disk-mode broker whose maintenance runs every 100 ms
// (log.retention.check.interval.ms), a topic with cleanup.policy=compact and small segments,
// KafkaJS producing keyed updates; once the cleaner has passed the updates, a consumer reading
// from the earliest offset sees exactly one record per key, its latest value (a tombstone as a
// null value), at the offset it was produced at.

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, type Consumer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBroker, type RunningBroker } from '../../../src/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'

const TOPIC = 'compacted-e2e'
const KEYS = 8
const ROUNDS = 12

/** Waits (≤ 15 s) until the cleaner's checkpoint (`<topic> <partition> <offset>` lines) reaches `end`; returns it. */
async function cleanedOffset(dir: string, topic: string, end: bigint): Promise<bigint> {
  const deadline = Date.now() + 15_000
  let cleanedTo = -1n
  while (Date.now() < deadline && cleanedTo < end) {
    await new Promise((r) => setTimeout(r, 100))
    const text = await readFile(join(dir, 'cleaner-offset-checkpoint'), 'utf8').catch(() => '')
    const line = text.split('\n').find((l) => l.startsWith(`${topic} 0 `))
    if (line !== undefined) cleanedTo = BigInt(line.split(' ')[2]!)
  }
  return cleanedTo
}

/**
 * A consumer that crashes without restarting (a non-retriable error, e.g. UNKNOWN_SERVER_ERROR on
 * Fetch) never consumes again: fail with its error rather than the timeout's "consumed 0 records".
 */
function failOnCrash(consumer: Consumer, timer: NodeJS.Timeout, reject: (err: Error) => void): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return
    clearTimeout(timer)
    reject(new Error(`consumer crashed: ${payload.error.message}`, { cause: payload.error }))
  })
}

describe('compaction end to end (disk broker, KafkaJS)', () => {
  let broker: RunningBroker
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-compact-'))
    broker = await startBroker({
      port: 0,
      memory: false,
      dataDir: dir,
      logger: silentLogger(),
      config: { 'log.retention.check.interval.ms': 100 },
    })
  })

  afterAll(async () => {
    await broker?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('a consumer from earliest sees only the latest value per key, at its original offset', async () => {
    const kafka = new Kafka({
      clientId: 'samsa-compaction',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 50 },
    })
    const admin = kafka.admin()
    const producer = kafka.producer()
    await admin.connect()
    await producer.connect()
    const latest = new Map<string, { offset: string; value: string | null }>()
    let updatesEnd = 0n
    try {
      await admin.createTopics({
        topics: [
          {
            topic: TOPIC,
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'segment.bytes', value: '1024' },
              { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            ],
          },
        ],
      })
      for (let round = 0; round < ROUNDS; round++) {
        const messages = []
        for (let k = 0; k < KEYS; k++) {
          // The last round deletes key 0 (a tombstone, kept for delete.retention.ms).
          const value = round === ROUNDS - 1 && k === 0 ? null : `key${k}-round${round}-`.padEnd(60, 'x')
          messages.push({ key: `key${k}`, value })
        }
        const [meta] = await producer.send({ topic: TOPIC, messages })
        const base = BigInt(meta!.baseOffset!)
        messages.forEach((m, i) => latest.set(m.key, { offset: String(base + BigInt(i)), value: m.value }))
        updatesEnd = base + BigInt(messages.length)
      }
      // Fillers with fresh keys roll the segment holding the last updates, making it cleanable.
      for (let i = 0; i < 4; i++) {
        const [meta] = await producer.send({
          topic: TOPIC,
          messages: [{ key: `filler${i}`, value: 'f'.repeat(600) }],
        })
        latest.set(`filler${i}`, { offset: meta!.baseOffset!, value: 'f'.repeat(600) })
      }

      // Wait for the cleaner to pass the updates.
      const cleanedTo = await cleanedOffset(dir, TOPIC, updatesEnd)
      expect(cleanedTo >= updatesEnd, `cleaner reached ${cleanedTo}, updates end at ${updatesEnd}`).toBe(true)

      const [offsets] = await admin.fetchTopicOffsets(TOPIC)
      expect(offsets!.low).toBe('0')
      const high = BigInt(offsets!.high)
      const seen: { key: string; offset: string; value: string | null }[] = []
      const consumer = kafka.consumer({ groupId: 'compaction-reader' })
      await consumer.connect()
      try {
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} records only`)), 15_000)
          failOnCrash(consumer, timer, reject)
          void consumer.run({
            eachMessage: ({ message }) => {
              seen.push({
                key: message.key!.toString(),
                offset: message.offset,
                value: message.value === null ? null : message.value.toString(),
              })
              if (BigInt(message.offset) + 1n >= high) {
                clearTimeout(timer)
                resolve()
              }
              return Promise.resolve()
            },
          })
        })
      } finally {
        await consumer.disconnect()
      }
      const expected = [...latest]
        .map(([key, v]) => ({ key, ...v }))
        .sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1))
      expect(seen).toEqual(expected)
      // The compacted log is much smaller than what was produced.
      expect(seen.length).toBe(KEYS + 4)
      expect(high).toBe(updatesEnd + 4n)
    } finally {
      await producer.disconnect()
      await admin.disconnect()
    }
  }, 60_000)

  it('transactions: aborted records are cleaned away, committed ones compacted, for both isolation levels', async () => {
    const topic = 'compacted-txn-e2e'
    const kafka = new Kafka({
      clientId: 'samsa-compaction-txn',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 50 },
    })
    const admin = kafka.admin()
    const plain = kafka.producer()
    const txnal = kafka.producer({
      transactionalId: 'compaction-txn',
      idempotent: true,
      maxInFlightRequests: 1,
    })
    await Promise.all([admin.connect(), plain.connect(), txnal.connect()])
    try {
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'segment.bytes', value: '1024' },
              { name: 'min.cleanable.dirty.ratio', value: '0.01' },
              { name: 'delete.retention.ms', value: '0' },
            ],
          },
        ],
      })
      const latest = new Map<string, string>()
      for (let round = 0; round < 6; round++) {
        const abort = round % 2 === 1
        const txn = await txnal.transaction()
        const messages = [0, 1, 2].map((k) => ({
          key: `k${k}`,
          value: `${abort ? 'aborted' : 'committed'}-${round}-`.padEnd(80, 'x'),
        }))
        await txn.send({ topic, messages })
        if (abort) await txn.abort()
        else {
          await txn.commit()
          for (const m of messages) latest.set(m.key, m.value)
        }
      }
      const [before] = await admin.fetchTopicOffsets(topic)
      const txnsEnd = BigInt(before!.high)
      for (let i = 0; i < 4; i++) {
        const value = 'f'.repeat(600)
        await plain.send({ topic, messages: [{ key: `filler${i}`, value }] })
        latest.set(`filler${i}`, value)
      }
      const cleanedTo = await cleanedOffset(dir, topic, txnsEnd)
      expect(cleanedTo >= txnsEnd, `cleaner reached ${cleanedTo}, transactions end at ${txnsEnd}`).toBe(true)
      const [offsets] = await admin.fetchTopicOffsets(topic)
      const high = BigInt(offsets!.high)
      for (const readUncommitted of [false, true]) {
        const seen = new Map<string, string>()
        const values: string[] = []
        const consumer = kafka.consumer({ groupId: `compaction-txn-${readUncommitted}`, readUncommitted })
        await consumer.connect()
        try {
          await consumer.subscribe({ topic, fromBeginning: true })
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`consumed ${values.length} records only`)),
              15_000,
            )
            failOnCrash(consumer, timer, reject)
            void consumer.run({
              eachMessage: ({ message }) => {
                const value = message.value!.toString()
                values.push(value)
                seen.set(message.key!.toString(), value)
                if (BigInt(message.offset) + 1n >= high) {
                  clearTimeout(timer)
                  resolve()
                }
                return Promise.resolve()
              },
            })
          })
        } finally {
          await consumer.disconnect()
        }
        // Even read_uncommitted sees no aborted record: the cleaner removed them.
        expect(values.filter((v) => v.startsWith('aborted'))).toEqual([])
        expect(seen).toEqual(latest)
        expect(values.length).toBe(latest.size)
      }
    } finally {
      await Promise.all([plain.disconnect(), txnal.disconnect(), admin.disconnect()])
    }
  }, 60_000)
})
