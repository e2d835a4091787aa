// SamsaContainer (src/testcontainers) against the image built from our Dockerfile: readiness by a
// real protocol answer, topics created at start, a third-party client (KafkaJS) producing and
// consuming through the mapped port, the image's healthcheck command, and the INTERNAL listener
// reached from another container on the same network.

import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  publishOnLoopback,
  SamsaContainer,
  type StartedSamsaContainer,
} from '../../src/testcontainers/index.ts'
import { IMAGE, unavailableReason } from './runtime.ts'

const reason = await unavailableReason()
const title = reason === null ? `SamsaContainer (${IMAGE})` : `SamsaContainer (skipped: ${reason})`

describe.skipIf(reason !== null)(title, { timeout: 120_000 }, () => {
  let samsa: StartedSamsaContainer
  let startMs = 0

  beforeAll(async () => {
    const t0 = performance.now()
    samsa = await new SamsaContainer(IMAGE)
      .withLoopbackPorts()
      .withTopics(['greetings', { name: 'orders', partitions: 3, configs: { 'retention.ms': '60000' } }])
      .start()
    startMs = performance.now() - t0
  }, 120_000)

  afterAll(async () => {
    await samsa?.stop()
  })

  test('starts, advertises the mapped port and creates the requested topics', async () => {
    expect(samsa.getBootstrapServers()).toMatch(/^[\w.-]+:\d+$/)
    expect(startMs).toBeLessThan(30_000)
    const admin = new Kafka({ brokers: [samsa.getBootstrapServers()], logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      const md = await admin.fetchTopicMetadata({ topics: ['greetings', 'orders'] })
      expect(md.topics.find((t) => t.name === 'orders')?.partitions).toHaveLength(3)
      expect(md.topics.find((t) => t.name === 'greetings')).toBeDefined()
    } finally {
      await admin.disconnect()
    }
  })

  test('KafkaJS produces and consumes through the container', async () => {
    const kafka = new Kafka({ brokers: [samsa.getBootstrapServers()], logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: 'orders',
      messages: [1, 2, 3, 4, 5].map((i) => ({ key: `k${i}`, value: `order ${i}` })),
    })
    await producer.disconnect()

    const consumer = kafka.consumer({ groupId: 'tc-test', sessionTimeout: 10_000, heartbeatInterval: 1000 })
    await consumer.connect()
    await consumer.subscribe({ topic: 'orders', fromBeginning: true })
    const seen: string[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only got ${seen.length} messages`)), 30_000)
      void consumer.run({
        eachMessage: ({ message }) => {
          seen.push(message.value!.toString())
          if (seen.length === 5) {
            clearTimeout(timer)
            resolve()
          }
          return Promise.resolve()
        },
      })
    })
    await consumer.disconnect()
    expect(seen.sort()).toEqual(['order 1', 'order 2', 'order 3', 'order 4', 'order 5'])
  })

  test("the image's healthcheck command succeeds inside the container", async () => {
    const r = await samsa.exec(['node', '/app/bin/samsa.js', 'healthcheck'])
    expect(r.exitCode, r.output).toBe(0)
    expect(r.output).toMatch(/ok: 127\.0\.0\.1:9092 answered ApiVersions/)
  })
})

describe.skipIf(reason !== null)(
  reason === null
    ? 'SamsaContainer on a container network'
    : `SamsaContainer on a container network (skipped: ${reason})`,
  { timeout: 120_000 },
  () => {
    test('another container reaches the broker through the INTERNAL listener and its network alias', async () => {
      const { GenericContainer, Network, Wait } = await import('testcontainers')
      // podman's Docker API lists the image's EXPOSEd ports as (unbound) port bindings, and
      // testcontainers then waits for them to be bound: publish them, on loopback only.
      class ClientContainer extends GenericContainer {
        protected override beforeContainerCreated(): Promise<void> {
          this.withExposedPorts(9092, 9093)
          publishOnLoopback(this.hostConfig.PortBindings)
          return Promise.resolve()
        }
      }
      const network = await new Network().start()
      try {
        const samsa = await new SamsaContainer(IMAGE)
          .withLoopbackPorts()
          .withNetwork(network)
          .withNetworkAliases('samsa')
          .withTopics([{ name: 'internal', partitions: 2 }])
          .start()
        try {
          expect(samsa.getInternalBootstrapServers()).toBe('samsa:9093')
          // A client container from the same image: the samsa CLI inside it is the Kafka client.
          const client = await new ClientContainer(IMAGE)
            .withNetwork(network)
            .withEntrypoint(['sh', '-c', 'sleep 120'])
            // Not the image's HEALTHCHECK (it checks a broker this container does not run).
            .withWaitStrategy(Wait.forSuccessfulCommand('true'))
            .start()
          try {
            const cli = (args: string): Promise<{ exitCode: number; output: string }> =>
              client.exec(['sh', '-c', `node /app/bin/samsa.js ${args}`])
            let r = await cli('topics describe internal -b samsa:9093 --json')
            expect(r.exitCode, r.output).toBe(0)
            r = await client.exec([
              'sh',
              '-c',
              "printf 'a:1\\nb:2\\nc:3\\n' | node /app/bin/samsa.js produce internal -k : -b samsa:9093",
            ])
            expect(r.exitCode, r.output).toBe(0)
            r = await cli('consume internal --from-beginning --exit -f kv --separator = -b samsa:9093')
            expect(r.exitCode, r.output).toBe(0)
            expect(
              r.output
                .split('\n')
                .filter((l) => l.includes('='))
                .sort(),
            ).toEqual(['a=1', 'b=2', 'c=3'])
            // And the host sees the same records through the mapped port.
            const kafka = new Kafka({
              brokers: [samsa.getBootstrapServers()],
              logLevel: logLevel.NOTHING,
            }).admin()
            await kafka.connect()
            const offsets = await kafka.fetchTopicOffsets('internal')
            await kafka.disconnect()
            expect(offsets.reduce((s, o) => s + Number(o.high), 0)).toBe(3)
          } finally {
            await client.stop()
          }
        } finally {
          await samsa.stop()
        }
      } finally {
        await network.stop()
      }
    })
  },
)
