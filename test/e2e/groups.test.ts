// Consumer groups with real KafkaJS consumers against a running broker: partition spreading,
// hand-over on leave without losing or repeating committed progress, two groups reading one topic
// independently, and the admin view of groups and offsets.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs'
import { type ClientsHarness, startWithClients, until } from './helpers.ts'

interface Seen {
  member: number
  partition: number
  offset: number
}

async function produce(
  producer: Producer,
  topic: string,
  partitions: number,
  perPartition: number,
  tag: string,
): Promise<void> {
  const messages = []
  for (let p = 0; p < partitions; p++)
    for (let i = 0; i < perPartition; i++)
      messages.push({ partition: p, key: `${p}`, value: `${tag}-${p}-${i}` })
  await producer.send({ topic, messages })
}

describe('KafkaJS consumer groups', () => {
  let kafka: Kafka
  let admin: Admin
  let producer: Producer
  const consumers: Consumer[] = []

  let harness: ClientsHarness | undefined

  beforeAll(async () => {
    harness = await startWithClients({ config: { 'group.min.session.timeout.ms': 1000 } })
    ;({ kafka, admin, producer } = harness)
  })

  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => {})
    await harness?.close()
  })

  function consumer(groupId: string): Consumer {
    const c = kafka.consumer({
      groupId,
      sessionTimeout: 6000,
      heartbeatInterval: 300,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: 100,
    })
    consumers.push(c)
    return c
  }

  it('three consumers over six partitions get two each; a leaver’s partitions move without loss or repeats', async () => {
    const topic = 'spread'
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true })
    await produce(producer, topic, 6, 5, 'a')

    const seen: Seen[] = []
    const assigned = new Map<number, number[]>()
    const members = [0, 1, 2].map((i) => {
      const c = consumer('spread-group')
      c.on(c.events.GROUP_JOIN, (e) => assigned.set(i, e.payload.memberAssignment[topic] ?? []))
      return c
    })
    for (const [i, c] of members.entries()) {
      await c.connect()
      await c.subscribe({ topic, fromBeginning: true })
      await c.run({
        eachMessage: ({ partition, message }) => {
          seen.push({ member: i, partition, offset: Number(message.offset) })
          return Promise.resolve()
        },
      })
    }
    await until(
      () => assigned.size === 3 && [...assigned.values()].every((ps) => ps.length === 2) && seen.length >= 30,
      30_000,
      'three members with two partitions each',
    )
    const all = [...assigned.values()].flat().sort()
    expect(all).toEqual([0, 1, 2, 3, 4, 5])

    // Member 2 leaves (KafkaJS commits, then sends LeaveGroup); the others take over its partitions.
    const leaverPartitions = assigned.get(2) ?? []
    await members[2]?.disconnect()
    assigned.delete(2)
    await until(
      () =>
        [...assigned.values()].flat().length === 6 && [...assigned.values()].every((ps) => ps.length === 3),
      30_000,
      'two members with three partitions each',
    )
    await produce(producer, topic, 6, 5, 'b')
    await until(() => seen.length >= 60, 30_000, 'all 60 messages')
    await new Promise((r) => setTimeout(r, 500))

    // Every message exactly once across the group, and the leaver's partitions continued by others.
    const keys = seen.map((s) => `${s.partition}:${s.offset}`)
    expect(new Set(keys).size).toBe(60)
    expect(keys.length).toBe(60)
    for (const p of leaverPartitions) {
      const later = seen.filter((s) => s.partition === p && s.offset >= 5)
      expect(later.length).toBe(5)
      expect(later.every((s) => s.member !== 2)).toBe(true)
    }

    // Committed progress as the admin sees it.
    await members[0]?.disconnect()
    await members[1]?.disconnect()
    const offsets = await admin.fetchOffsets({ groupId: 'spread-group', topics: [topic] })
    expect(offsets[0]?.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
      [0, 1, 2, 3, 4, 5].map((p) => [p, '10']),
    )
    const described = await admin.describeGroups(['spread-group'])
    expect(described.groups[0]?.state).toBe('Empty')
  }, 90_000)

  it('two groups on one topic read it independently', async () => {
    const topic = 'shared'
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
    await produce(producer, topic, 2, 10, 'x')
    const got = new Map<string, string[]>()
    for (const g of ['reader-a', 'reader-b']) {
      const c = consumer(g)
      got.set(g, [])
      await c.connect()
      await c.subscribe({ topic, fromBeginning: true })
      await c.run({
        eachMessage: ({ message }) => {
          got.get(g)?.push(String(message.value))
          return Promise.resolve()
        },
      })
    }
    await until(
      () => [...got.values()].every((v) => v.length >= 20),
      30_000,
      'both groups to read everything',
    )
    for (const v of got.values()) expect(new Set(v).size).toBe(20)
    const listed = await admin.listGroups()
    expect(listed.groups.map((g) => g.groupId)).toEqual(expect.arrayContaining(['reader-a', 'reader-b']))
  }, 60_000)
})
