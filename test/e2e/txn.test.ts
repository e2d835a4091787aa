// Exactly-once with real KafkaJS clients against a running broker: transactional commit and abort
// seen through read_committed and read_uncommitted consumers, consume-transform-produce with
// sendOffsets, a zombie producer fenced by its successor, an idempotent producer whose responses
// are lost (a proxy cuts the connection before the answer reaches it) writing every record once,
// and a broker restart in the middle of a transaction (stores kept across the restart).

import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs'
import { Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka'
import type { LogStore } from '../../src/storage/log-store.ts'
import type { MetadataStore } from '../../src/storage/metadata-store.ts'
import { createMemoryLogStore } from '../../src/storage/index.ts'
import { createMemoryMetadataStore } from '../../src/storage/metadata/index.ts'
import { TopicTxnLog, TRANSACTION_STATE_TOPIC } from '../../src/broker/txn/txn-log.ts'
import { TxnState } from '../../src/broker/txn/txn-state.ts'
import { type AdminHarness, kafkaFor, startWithAdmin, testBroker, until } from './helpers.ts'

/** Reads a topic from the beginning with a fresh group until `expected` values arrived (+ a grace). */
async function readAll(
  kafka: Kafka,
  topic: string,
  readCommitted: boolean,
  expected: number,
): Promise<string[]> {
  const c = kafka.consumer({
    groupId: `reader-${topic}-${readCommitted}-${Math.random()}`,
    readUncommitted: !readCommitted,
    maxWaitTimeInMs: 100,
  })
  const seen: string[] = []
  try {
    await c.connect()
    await c.subscribe({ topic, fromBeginning: true })
    await c.run({
      eachMessage: ({ message }) => {
        seen.push(String(message.value))
        return Promise.resolve()
      },
    })
    await until(() => seen.length >= expected, 20_000, `${expected} records from ${topic}`)
    await new Promise((r) => setTimeout(r, 300))
  } finally {
    await c.disconnect()
  }
  return seen.sort()
}

describe('KafkaJS transactions', () => {
  let kafka: Kafka
  let admin: Admin
  const closers: Array<Producer | Consumer> = []

  let harness: AdminHarness | undefined

  beforeAll(async () => {
    harness = await startWithAdmin({ config: { 'group.min.session.timeout.ms': 1000 } })
    ;({ kafka, admin } = harness)
  })

  afterAll(async () => {
    for (const c of closers) await c.disconnect().catch(() => {})
    await harness?.close()
  })

  function txProducer(transactionalId: string): Producer {
    const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 })
    closers.push(p)
    return p
  }

  it('read_committed sees committed records only; read_uncommitted sees aborted ones too', async () => {
    const topic = 'txn-visibility'
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
    const producer = txProducer('vis-1')
    await producer.connect()
    let tx = await producer.transaction()
    await tx.send({
      topic,
      messages: [
        { value: 'c1', partition: 0 },
        { value: 'c2', partition: 1 },
      ],
    })
    await tx.commit()
    tx = await producer.transaction()
    await tx.send({
      topic,
      messages: [
        { value: 'a1', partition: 0 },
        { value: 'a2', partition: 1 },
      ],
    })
    await tx.abort()
    tx = await producer.transaction()
    await tx.send({ topic, messages: [{ value: 'c3', partition: 0 }] })
    await tx.commit()
    // An open transaction holds back read_committed readers at its first offset.
    tx = await producer.transaction()
    await tx.send({ topic, messages: [{ value: 'open', partition: 0 }] })

    expect(await readAll(kafka, topic, true, 3)).toEqual(['c1', 'c2', 'c3'])
    expect(await readAll(kafka, topic, false, 6)).toEqual(['a1', 'a2', 'c1', 'c2', 'c3', 'open'])
    await tx.commit()
    expect(await readAll(kafka, topic, true, 4)).toEqual(['c1', 'c2', 'c3', 'open'])
  }, 60_000)

  it('consume-transform-produce with sendOffsets commits output and offsets atomically', async () => {
    const input = 'ctp-in'
    const output = 'ctp-out'
    const groupId = 'ctp-group'
    await admin.createTopics({ topics: [{ topic: input }, { topic: output }], waitForLeaders: true })
    const plain = kafka.producer()
    closers.push(plain)
    await plain.connect()
    await plain.send({ topic: input, messages: [1, 2, 3, 4, 5, 6].map((i) => ({ value: `m${i}` })) })

    const producer = txProducer('ctp-1')
    await producer.connect()
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false })
    closers.push(consumer)
    await consumer.connect()
    await consumer.subscribe({ topic: input, fromBeginning: true })
    let batches = 0
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const tx = await producer.transaction()
        await tx.send({ topic: output, messages: [{ value: String(message.value).toUpperCase() }] })
        await tx.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }],
        })
        // Every third record's transaction is aborted: neither its output nor its offset survives.
        if (Number(message.offset) === 2) await tx.abort()
        else await tx.commit()
        batches++
      },
    })
    await until(() => batches >= 6, 20_000, 'six transactions')
    await consumer.disconnect()

    expect(await readAll(kafka, output, true, 5)).toEqual(['M1', 'M2', 'M4', 'M5', 'M6'])
    const offsets = await admin.fetchOffsets({ groupId, topics: [input] })
    expect(offsets[0]?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '6' })])
  }, 60_000)

  it('fences a zombie producer when a new one initialises the same transactional id', async () => {
    const topic = 'txn-zombie'
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })
    const zombie = txProducer('zombie-1')
    await zombie.connect()
    const ztx = await zombie.transaction()
    await ztx.send({ topic, messages: [{ value: 'zombie' }] })

    const successor = txProducer('zombie-1')
    await successor.connect()
    const stx = await successor.transaction()
    await stx.send({ topic, messages: [{ value: 'successor' }] })
    await stx.commit()

    await expect(ztx.commit()).rejects.toThrow(/fenced|epoch/i)
    expect(await readAll(kafka, topic, true, 1)).toEqual(['successor'])
  }, 60_000)
})

/**
 * A TCP proxy between client and broker that cuts both connections instead of forwarding the
 * response to selected Produce requests: the broker has appended, the client never hears of it.
 */
class LossyProxy {
  readonly server: Server
  port = 0
  target = 0
  /** Produce requests seen so far (1-based) whose responses are to be lost. */
  readonly lose: Set<number>
  produceSeen = 0
  lost = 0

  constructor(lose: number[]) {
    this.lose = new Set(lose)
    this.server = createServer((client) => this.pipe(client))
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    const addr = this.server.address()
    this.port = typeof addr === 'object' && addr !== null ? addr.port : 0
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target, '127.0.0.1')
    const doomed = new Set<number>()
    let fromClient = Buffer.alloc(0)
    let fromBroker = Buffer.alloc(0)
    const kill = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', kill)
    upstream.on('error', kill)
    client.on('close', kill)
    upstream.on('close', kill)
    client.on('data', (chunk: Buffer) => {
      fromClient = Buffer.concat([fromClient, chunk])
      while (fromClient.length >= 4 && fromClient.length >= 4 + fromClient.readInt32BE(0)) {
        const size = fromClient.readInt32BE(0)
        const apiKey = fromClient.readInt16BE(4)
        const correlationId = fromClient.readInt32BE(8)
        if (apiKey === 0 && this.lose.has(++this.produceSeen)) doomed.add(correlationId)
        fromClient = fromClient.subarray(4 + size)
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      fromBroker = Buffer.concat([fromBroker, chunk])
      while (fromBroker.length >= 4 && fromBroker.length >= 4 + fromBroker.readInt32BE(0)) {
        const size = fromBroker.readInt32BE(0)
        const frame = fromBroker.subarray(0, 4 + size)
        fromBroker = fromBroker.subarray(4 + size)
        if (doomed.has(frame.readInt32BE(4))) {
          this.lost++
          kill()
          return
        }
        client.write(frame)
      }
    })
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

describe('idempotent producer with lost responses', () => {
  it('writes every record exactly once although the client retries', async () => {
    const proxy = new LossyProxy([2, 4, 5])
    await proxy.listen()
    const broker = await testBroker({
      config: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` },
    })
    proxy.target = broker.port
    const kafka = new Kafka({
      clientId: 'lossy',
      brokers: [`127.0.0.1:${proxy.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 50 },
    })
    const admin = kafka.admin()
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    try {
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: 'lossy' }], waitForLeaders: true })
      await producer.connect()
      for (let i = 0; i < 8; i++)
        await producer.send({ topic: 'lossy', acks: -1, messages: [{ value: `r${i}` }] })
      expect(proxy.lost).toBe(3)
      const log = broker.services.topics.partition('lossy', 0)!
      // Eight single-record batches, no duplicates.
      expect(log.logEndOffset()).toBe(8n)
      const values = await readAll(kafkaFor(broker), 'lossy', false, 8)
      expect(values).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'])
    } finally {
      await producer.disconnect().catch(() => {})
      await admin.disconnect().catch(() => {})
      await broker.close()
      await proxy.close()
    }
  }, 60_000)
})

/** Stores that outlive a broker: close() is a no-op, so a second broker opens the same data. */
function keepOpen<T extends LogStore | MetadataStore>(store: T): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'close') return () => Promise.resolve()
      const v: unknown = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

describe('broker restart in the middle of a transaction', () => {
  it('keeps the open transaction, which the producer then commits; ids are not reused', async () => {
    const logStore = keepOpen(createMemoryLogStore())
    const metadataStore = keepOpen(createMemoryMetadataStore())
    let broker = await testBroker({ logStore, metadataStore })
    const port = broker.port
    const kafka = new Kafka({
      clientId: 'restart',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100 },
    })
    const admin = kafka.admin()
    const producer = kafka.producer({
      transactionalId: 'restart-1',
      idempotent: true,
      maxInFlightRequests: 1,
    })
    try {
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: 'restart', numPartitions: 2 }], waitForLeaders: true })
      await producer.connect()
      const tx = await producer.transaction()
      await tx.send({
        topic: 'restart',
        messages: [
          { value: 'x1', partition: 0 },
          { value: 'x2', partition: 1 },
        ],
      })
      const before = broker.services.transactions!.coordinator.describe(['restart-1'])[0]!
      expect(before.transactionState).toBe('Ongoing')

      await broker.close()
      broker = await testBroker({ logStore, metadataStore, port })
      const after = broker.services.transactions!.coordinator.describe(['restart-1'])[0]!
      expect(after).toMatchObject({ transactionState: 'Ongoing', producerId: before.producerId })
      // The restarted broker still holds read_committed readers before the open transaction.
      expect(broker.services.topics.partition('restart', 0)!.lastStableOffset()).toBe(0n)

      await tx.send({ topic: 'restart', messages: [{ value: 'x3', partition: 0 }] })
      await tx.commit()
      expect(await readAll(kafka, 'restart', true, 3)).toEqual(['x1', 'x2', 'x3'])
      // Producer ids allocated after the restart come from a fresh block.
      const next = await broker.services.transactions!.coordinator.initProducerId(null, 0, -1n, -1)
      expect(next.producerId).toBeGreaterThan(before.producerId)
    } finally {
      await producer.disconnect().catch(() => {})
      await admin.disconnect().catch(() => {})
      await broker.close()
    }
  }, 60_000)
})

describe('broker restart on the disk log', () => {
  it('recovers transactions, aborted ranges, the LSO and producer sequences from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-txn-'))
    let broker = await testBroker({ memory: false, dataDir: dir })
    const port = broker.port
    const kafka = new Kafka({
      clientId: 'disk-restart',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100 },
    })
    const admin = kafka.admin()
    const producer = kafka.producer({ transactionalId: 'disk-1', idempotent: true, maxInFlightRequests: 1 })
    const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    try {
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: 'disk-txn' }], waitForLeaders: true })
      await producer.connect()
      await idempotent.connect()
      await idempotent.send({ topic: 'disk-txn', messages: [{ value: 'i1' }, { value: 'i2' }] }) // offsets 0-1
      let tx = await producer.transaction()
      await tx.send({ topic: 'disk-txn', messages: [{ value: 'aborted' }] }) // offset 2
      await tx.abort() // marker at 3
      tx = await producer.transaction()
      await tx.send({ topic: 'disk-txn', messages: [{ value: 'open' }] }) // offset 4, left open
      const log = broker.services.topics.partition('disk-txn', 0)!
      const producersBefore = broker.services.transactions!.producers.describe(log)

      await broker.close()
      broker = await testBroker({ memory: false, dataDir: dir, port })
      const reopened = broker.services.topics.partition('disk-txn', 0)!
      expect(broker.services.transactions!.coordinator.describe(['disk-1'])[0]).toMatchObject({
        transactionState: 'Ongoing',
      })
      expect(reopened.lastStableOffset()).toBe(4n)
      expect(reopened.abortedTransactions(0n, 10n)).toEqual([
        expect.objectContaining({ firstOffset: 2n, lastOffset: 3n }),
      ])
      // Producer state (epochs, last sequences, open transaction) is rebuilt from the log.
      expect(
        broker.services
          .transactions!.producers.describe(reopened)
          .map((p) => [p.producerId, p.lastSequence, p.currentTxnStartOffset]),
      ).toEqual(producersBefore.map((p) => [p.producerId, p.lastSequence, p.currentTxnStartOffset]))

      await tx.send({ topic: 'disk-txn', messages: [{ value: 'after-restart' }] })
      await tx.commit()
      await idempotent.send({ topic: 'disk-txn', messages: [{ value: 'i3' }] })
      expect(await readAll(kafka, 'disk-txn', true, 5)).toEqual(['after-restart', 'i1', 'i2', 'i3', 'open'])
    } finally {
      await idempotent.disconnect().catch(() => {})
      await producer.disconnect().catch(() => {})
      await admin.disconnect().catch(() => {})
      await broker.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('@platformatic/kafka transactions', () => {
  it('commits and aborts with the modern request versions; read_committed sees the committed record', async () => {
    const broker = await testBroker()
    const producer = new PlatformaticProducer({
      clientId: 'plat-txn',
      bootstrapBrokers: [broker.bootstrap],
      serializers: stringSerializers,
      idempotent: true,
      transactionalId: 'plat-1',
    })
    const admin = kafkaFor(broker).admin()
    try {
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: 'plat-txn' }], waitForLeaders: true })
      const commit = await producer.beginTransaction()
      await commit.send({ messages: [{ topic: 'plat-txn', value: 'committed' }] })
      await commit.commit()
      const abort = await producer.beginTransaction()
      await abort.send({ messages: [{ topic: 'plat-txn', value: 'aborted' }] })
      await abort.abort()
      expect(broker.services.topics.partition('plat-txn', 0)!.abortedTransactions(0n, 10n)).toHaveLength(1)
      expect(await readAll(kafkaFor(broker), 'plat-txn', true, 1)).toEqual(['committed'])
      expect(await readAll(kafkaFor(broker), 'plat-txn', false, 2)).toEqual(['aborted', 'committed'])
    } finally {
      await producer.close().catch(() => {})
      await admin.disconnect().catch(() => {})
      await broker.close()
    }
  }, 60_000)
})

describe('transactional offsets across a restart (disk log)', () => {
  it('offsets sent in an open transaction stay pending through a restart and commit with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-txn-offsets-'))
    let broker = await testBroker({ memory: false, dataDir: dir })
    const port = broker.port
    const kafka = new Kafka({
      clientId: 'offsets-restart',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100 },
    })
    const admin = kafka.admin()
    const producer = kafka.producer({
      transactionalId: 'offsets-1',
      idempotent: true,
      maxInFlightRequests: 1,
    })
    try {
      await admin.connect()
      await admin.createTopics({
        topics: [{ topic: 'offsets-in' }, { topic: 'offsets-out' }],
        waitForLeaders: true,
      })
      await producer.connect()
      // First transaction: committed before the restart.
      let tx = await producer.transaction()
      await tx.send({ topic: 'offsets-out', messages: [{ value: 'o1' }] })
      await tx.sendOffsets({
        consumerGroupId: 'og',
        topics: [{ topic: 'offsets-in', partitions: [{ partition: 0, offset: '1' }] }],
      })
      await tx.commit()
      // Second transaction: offsets sent, then the broker restarts before the commit.
      tx = await producer.transaction()
      await tx.send({ topic: 'offsets-out', messages: [{ value: 'o2' }] })
      await tx.sendOffsets({
        consumerGroupId: 'og',
        topics: [{ topic: 'offsets-in', partitions: [{ partition: 0, offset: '2' }] }],
      })

      await broker.close()
      broker = await testBroker({ memory: false, dataDir: dir, port })
      const fetched = async (): Promise<string | undefined> =>
        (await admin.fetchOffsets({ groupId: 'og', topics: ['offsets-in'] }))[0]?.partitions[0]?.offset
      expect(await fetched()).toBe('1')
      await tx.commit()
      expect(await fetched()).toBe('2')
      expect(await readAll(kafka, 'offsets-out', true, 2)).toEqual(['o1', 'o2'])

      // And once more after a second restart: the committed offset was made durable by the marker.
      await broker.close()
      broker = await testBroker({ memory: false, dataDir: dir, port })
      expect(await fetched()).toBe('2')
    } finally {
      await producer.disconnect().catch(() => {})
      await admin.disconnect().catch(() => {})
      await broker.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('crash after PrepareCommit', () => {
  it('the restarted coordinator writes the markers: output and offsets both become visible', async () => {
    const logStore = keepOpen(createMemoryLogStore())
    const metadataStore = keepOpen(createMemoryMetadataStore())
    let broker = await testBroker({ logStore, metadataStore })
    const port = broker.port
    const kafka = new Kafka({
      clientId: 'prepare-crash',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
    })
    const admin = kafka.admin()
    const producer = kafka.producer({ transactionalId: 'prep-1', idempotent: true, maxInFlightRequests: 1 })
    try {
      await admin.connect()
      await admin.createTopics({
        topics: [{ topic: 'prep-in' }, { topic: 'prep-out' }],
        waitForLeaders: true,
      })
      await producer.connect()
      const tx = await producer.transaction()
      await tx.send({ topic: 'prep-out', messages: [{ value: 'out-1' }] })
      await tx.sendOffsets({
        consumerGroupId: 'pg',
        topics: [{ topic: 'prep-in', partitions: [{ partition: 0, offset: '7' }] }],
      })
      // What EndTxn(commit) writes first, then the "crash": no markers, no CompleteCommit.
      const d = broker.services.transactions!.coordinator.describe(['prep-1'])[0]!
      const stateLogs = [broker.services.topics.partition(TRANSACTION_STATE_TOPIC, 0)!]
      await new TopicTxnLog(stateLogs, () => Date.now()).append({
        transactionalId: 'prep-1',
        value: {
          producerId: d.producerId,
          producerEpoch: d.producerEpoch,
          timeoutMs: d.transactionTimeoutMs,
          state: TxnState.PrepareCommit,
          partitions: d.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })),
          lastUpdateTimestamp: Date.now(),
          startTimestamp: Number(d.transactionStartTimeMs),
          previousProducerId: -1n,
          nextProducerId: -1n,
          clientTransactionVersion: 0,
        },
      })
      await producer.disconnect()
      await broker.close()

      broker = await testBroker({ logStore, metadataStore, port })
      expect(broker.services.transactions!.coordinator.describe(['prep-1'])[0]!.transactionState).toBe(
        'CompleteCommit',
      )
      const offsets = await admin.fetchOffsets({ groupId: 'pg', topics: ['prep-in'] })
      expect(offsets[0]?.partitions[0]?.offset).toBe('7')
      expect(await readAll(kafka, 'prep-out', true, 1)).toEqual(['out-1'])
    } finally {
      await producer.disconnect().catch(() => {})
      await admin.disconnect().catch(() => {})
      await broker.close()
    }
  }, 60_000)
})

describe('transaction timeout', () => {
  it('aborts a transaction that outlives transaction.timeout.ms and fences its producer', async () => {
    const broker = await testBroker({
      config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 100 },
    })
    const kafka = kafkaFor(broker)
    const admin = kafka.admin()
    const producer = kafka.producer({
      transactionalId: 'slow-1',
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 500,
    })
    try {
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: 'slow' }], waitForLeaders: true })
      await producer.connect()
      const tx = await producer.transaction()
      await tx.send({ topic: 'slow', messages: [{ value: 'late' }] })
      const log = broker.services.topics.partition('slow', 0)!
      expect(log.lastStableOffset()).toBe(0n)
      await until(
        () => log.lastStableOffset() === log.logEndOffset(),
        10_000,
        'the timed-out transaction to be aborted',
      )
      expect(log.abortedTransactions(0n, 10n)).toHaveLength(1)
      await expect(tx.commit()).rejects.toThrow()
      expect(await readAll(kafka, 'slow', false, 1)).toEqual(['late'])
      const committed = kafka.consumer({ groupId: 'slow-reader', maxWaitTimeInMs: 100 })
      const seen: string[] = []
      await committed.connect()
      await committed.subscribe({ topic: 'slow', fromBeginning: true })
      await committed.run({
        eachMessage: ({ message }) => {
          seen.push(String(message.value))
          return Promise.resolve()
        },
      })
      await new Promise((r) => setTimeout(r, 1000))
      await committed.disconnect()
      expect(seen).toEqual([])
    } finally {
      await producer.disconnect().catch(() => {})
      await admin.disconnect().catch(() => {})
      await broker.close()
    }
  }, 60_000)
})
