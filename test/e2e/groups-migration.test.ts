// KIP-848 online migration with real clients: KafkaJS consumers (classic protocol only) run a
// group; a @platformatic/kafka consumer with groupProtocol 'consumer' joins it, which converts the
// group into a consumer group (Kafka 4's default group.consumer.migration.policy=bidirectional)
// whose classic members keep working through JoinGroup/SyncGroup/Heartbeat; the partitions are
// shared and nothing committed is read twice. When the consumer-protocol member leaves, the group
// goes back to classic and the KafkaJS consumers take everything again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Consumer as KipConsumer, stringDeserializers } from '@platformatic/kafka'
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs'
import type { RunningBroker } from '../../src/index.ts'
import { type ClientsHarness, startWithClients, until } from './helpers.ts'

describe('classic → consumer → classic group migration with KafkaJS and @platformatic/kafka', () => {
  let broker: RunningBroker
  let kafka: Kafka
  let admin: Admin
  let producer: Producer
  let harness: ClientsHarness | undefined
  const classic: Consumer[] = []
  let kip: KipConsumer<string, string, string, string> | undefined

  beforeAll(async () => {
    harness = await startWithClients({
      config: {
        'group.consumer.heartbeat.interval.ms': 200,
        'group.consumer.min.heartbeat.interval.ms': 100,
      },
    })
    ;({ broker, kafka, admin, producer } = harness)
  })

  afterAll(async () => {
    await kip?.close(true).catch(() => {})
    for (const c of classic) await c.disconnect().catch(() => {})
    await harness?.close()
  })

  it('shares the partitions without re-delivering committed records, then returns to classic', async () => {
    const topic = 'migrate'
    const groupId = 'migrate-group'
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })
    const send = async (tag: string): Promise<void> => {
      const messages = []
      for (let p = 0; p < 4; p++)
        for (let i = 0; i < 5; i++) messages.push({ partition: p, value: `${tag}-${p}-${i}` })
      await producer.send({ topic, messages })
    }
    const seen: Array<{ who: string; partition: number; offset: number }> = []
    const coordinator = broker.services.groups?.coordinator

    // Two classic KafkaJS members (RoundRobinAssigner, JoinGroup/SyncGroup), two partitions each.
    await send('a')
    const classicOwns = new Map<number, number[]>()
    for (const i of [0, 1]) {
      const c = kafka.consumer({
        groupId,
        sessionTimeout: 6000,
        heartbeatInterval: 200,
        rebalanceTimeout: 10_000,
        maxWaitTimeInMs: 100,
      })
      classic.push(c)
      c.on(c.events.GROUP_JOIN, (e) => classicOwns.set(i, e.payload.memberAssignment[topic] ?? []))
      await c.connect()
      await c.subscribe({ topic, fromBeginning: true })
      await c.run({
        autoCommitInterval: 100,
        eachMessage: ({ partition, message }) => {
          seen.push({ who: `classic-${i}`, partition, offset: Number(message.offset) })
          return Promise.resolve()
        },
      })
    }
    const classicPartitions = (): number[] => [...classicOwns.values()].flat().sort((a, b) => a - b)
    await until(
      () => classicOwns.size === 2 && classicPartitions().join() === '0,1,2,3' && seen.length >= 20,
      30_000,
      'the classic members to own and read all four partitions',
    )
    await new Promise((r) => setTimeout(r, 400)) // the auto-commit interval passes
    expect(coordinator?.classicGroup(groupId)).toBeDefined()

    // A KIP-848 member joins: the classic group becomes a consumer group.
    kip = new KipConsumer({
      groupId,
      clientId: 'kip848-member',
      bootstrapBrokers: [broker.bootstrap],
      groupProtocol: 'consumer',
      deserializers: stringDeserializers,
      maxWaitTime: 100,
    })
    const stream = await kip.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: 100,
    })
    stream.on('data', (m) => seen.push({ who: 'kip848', partition: m.partition, offset: Number(m.offset) }))
    const kipPartitions = (): number[] =>
      (kip?.assignments ?? []).flatMap((a) => a.partitions).sort((a, b) => a - b)
    await until(
      () => {
        const cg = coordinator?.consumerGroup(groupId)
        return (
          cg?.state === 'Stable' &&
          cg.members.size === 3 &&
          kipPartitions().length > 0 &&
          [...classicPartitions(), ...kipPartitions()].sort().join() === '0,1,2,3'
        )
      },
      30_000,
      'the three members to share the four partitions in a stable consumer group',
    )
    const cg = coordinator?.consumerGroup(groupId)
    expect([...(cg?.members.values() ?? [])].filter((m) => m.classic !== null)).toHaveLength(2)

    await send('b')
    await until(() => seen.length >= 40, 30_000, 'the 20 records produced after the upgrade')
    // Every record once: the KIP-848 member started from the classic members' commits.
    await new Promise((r) => setTimeout(r, 400))
    const keys = (): string[] => seen.map((s) => `${s.partition}:${s.offset}`)
    expect(keys()).toHaveLength(40)
    expect(new Set(keys()).size).toBe(40)
    expect(seen.some((s) => s.who === 'kip848')).toBe(true)

    // The consumer-protocol member leaves: the group goes back to classic, the KafkaJS members
    // rebalance and own everything again.
    await new Promise((r) => setTimeout(r, 300)) // its auto-commit
    await kip.close(true)
    kip = undefined
    await until(
      () =>
        coordinator?.classicGroup(groupId)?.state === 'Stable' && classicPartitions().join() === '0,1,2,3',
      30_000,
      'the group to return to classic with all partitions on the KafkaJS members',
    )
    await send('c')
    await until(() => seen.length >= 60, 30_000, 'the 20 records produced after the downgrade')
    await new Promise((r) => setTimeout(r, 400))
    expect(keys()).toHaveLength(60)
    expect(new Set(keys()).size).toBe(60)
  }, 90_000)
})
