// KIP-848 consumer groups with a real client: @platformatic/kafka consumers with
// groupProtocol 'consumer' speak ConsumerGroupHeartbeat; the broker assigns partitions.

import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Consumer, stringDeserializers } from '@platformatic/kafka'
import type { Admin, Producer } from 'kafkajs'
import type { RunningBroker } from '../../src/index.ts'
import { type ClientsHarness, kafkaFor, startWithClients, testBroker, until } from './helpers.ts'

describe('@platformatic/kafka consumers on the KIP-848 protocol', () => {
  let broker: RunningBroker
  let admin: Admin
  let producer: Producer
  const consumers: Array<Consumer<string, string, string, string>> = []
  let harness: ClientsHarness | undefined

  beforeAll(async () => {
    // A short heartbeat interval keeps reconciliation quick in a test.
    harness = await startWithClients({
      config: {
        'group.consumer.heartbeat.interval.ms': 200,
        'group.consumer.min.heartbeat.interval.ms': 100,
      },
    })
    ;({ broker, admin, producer } = harness)
  })

  afterAll(async () => {
    for (const c of consumers) await c.close(true).catch(() => {})
    await harness?.close()
  })

  it('two members split four partitions and read every message once; a leaver hands its partitions over', async () => {
    const topic = 'kip848'
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })
    const send = async (tag: string): Promise<void> => {
      const messages = []
      for (let p = 0; p < 4; p++)
        for (let i = 0; i < 5; i++) messages.push({ partition: p, value: `${tag}-${p}-${i}` })
      await producer.send({ topic, messages })
    }
    await send('a')

    const seen: Array<{ member: number; partition: number; offset: bigint }> = []
    for (let i = 0; i < 2; i++) {
      const c = new Consumer({
        groupId: 'kip848-group',
        clientId: `member-${i}`,
        bootstrapBrokers: [broker.bootstrap],
        groupProtocol: 'consumer',
        deserializers: stringDeserializers,
        maxWaitTime: 100,
      })
      consumers.push(c)
      const stream = await c.consume({
        topics: [topic],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: 100,
      })
      stream.on('data', (m) => seen.push({ member: i, partition: m.partition, offset: m.offset }))
    }
    const owned = (i: number): number[] =>
      (consumers[i]?.assignments ?? []).flatMap((a) => a.partitions).sort((a, b) => a - b)
    await until(
      () => owned(0).length === 2 && owned(1).length === 2 && seen.length >= 20,
      30_000,
      'two partitions each',
    )
    expect([...owned(0), ...owned(1)].sort()).toEqual([0, 1, 2, 3])

    const groups = await admin.listGroups()
    expect(groups.groups).toContainEqual(
      expect.objectContaining({ groupId: 'kip848-group', protocolType: 'consumer' }),
    )
    // It is a KIP-848 group (joined through ConsumerGroupHeartbeat), not a classic one.
    const cg = broker.services.groups?.coordinator.consumerGroup('kip848-group')
    expect(cg?.members.size).toBe(2)
    expect(cg?.state).toBe('Stable')

    // Member 1 leaves (epoch -1); member 0 takes everything and continues from the commits.
    // Wait for autocommit to cover all 20 records: a leaver whose last commit has not reached the
    // broker hands over at its older committed offset, and the survivor re-reads (at-least-once).
    const committedTotal = async (): Promise<number> => {
      const [committed] = await admin.fetchOffsets({ groupId: 'kip848-group', topics: [topic] })
      return (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0)
    }
    const commitDeadline = Date.now() + 30_000
    while ((await committedTotal()) < 20) {
      if (Date.now() > commitDeadline) throw new Error('timed out waiting for the autocommit of 20 records')
      await new Promise((r) => setTimeout(r, 50))
    }
    await consumers[1]?.close(true)
    await until(() => owned(0).length === 4, 30_000, 'the survivor to own all four')
    await send('b')
    await until(() => seen.length >= 40, 30_000, 'all 40 messages')
    await new Promise((r) => setTimeout(r, 300))
    const keys = seen.map((s) => `${s.partition}:${s.offset}`)
    expect(new Set(keys).size).toBe(40)
    expect(keys.length).toBe(40)
  }, 60_000)

  it('a killed member is fenced after group.consumer.session.timeout.ms and the survivor takes its partitions', async () => {
    const sessionMs = 2000
    const b = await testBroker({
      config: {
        'group.consumer.session.timeout.ms': sessionMs,
        'group.consumer.min.session.timeout.ms': 1000,
        'group.consumer.heartbeat.interval.ms': 200,
        'group.consumer.min.heartbeat.interval.ms': 100,
      },
    })
    const kafka = kafkaFor(b)
    const adm = kafka.admin()
    await adm.connect()
    const topic = 'kip848-failover'
    await adm.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })
    await adm.disconnect()
    const script = `
      import { Consumer, stringDeserializers } from '@platformatic/kafka'
      const c = new Consumer({ groupId: 'kip848-failover', clientId: 'doomed', bootstrapBrokers: [${JSON.stringify(b.bootstrap)}],
        groupProtocol: 'consumer', deserializers: stringDeserializers, maxWaitTime: 100 })
      await c.consume({ topics: [${JSON.stringify(topic)}], mode: 'earliest' })
      setInterval(() => console.log('OWNS ' + JSON.stringify((c.assignments ?? []).flatMap((a) => a.partitions))), 100)
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let childOwns: number[] = []
    child.stdout.on('data', (d: Buffer) => {
      const lines = d.toString().trim().split('\n')
      const last = lines[lines.length - 1]
      if (last?.startsWith('OWNS ') === true) childOwns = JSON.parse(last.slice(5)) as number[]
    })
    const survivor = new Consumer({
      groupId: 'kip848-failover',
      clientId: 'survivor',
      bootstrapBrokers: [b.bootstrap],
      groupProtocol: 'consumer',
      deserializers: stringDeserializers,
      maxWaitTime: 100,
    })
    try {
      await until(() => childOwns.length === 4, 30_000, 'the child to own the topic')
      await survivor.consume({ topics: [topic], mode: 'earliest' })
      const owned = (): number => (survivor.assignments ?? []).flatMap((a) => a.partitions).length
      await until(() => owned() === 2 && childOwns.length === 2, 30_000, 'two partitions each')
      const killedAt = Date.now()
      child.kill('SIGKILL')
      await until(() => owned() === 4, 30_000, 'the survivor to own all four')
      const took = Date.now() - killedAt
      expect(took).toBeGreaterThanOrEqual(sessionMs - 300)
      expect(took).toBeLessThan(sessionMs + 3000)
    } finally {
      child.kill('SIGKILL')
      await survivor.close(true).catch(() => {})
      await b.close()
    }
  }, 60_000)
})
