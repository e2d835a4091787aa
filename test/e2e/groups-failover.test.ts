// Group failure and durability with real clients: a consumer process killed with SIGKILL (no
// LeaveGroup) is evicted once its session times out and its partitions move to the survivor;
// committed offsets and group state survive a broker restart on disk.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import { kafkaFor, testBroker, until } from './helpers.ts'

/** How often these tests poll for the group's progress. */
const POLL_MS = 25
const SESSION_TIMEOUT_MS = 3000

/** A KafkaJS group member in its own process, printing its assignment on every join. */
function memberProcess(bootstrap: string, groupId: string, topic: string): ChildProcess {
  const script = `
    import { Kafka, logLevel } from 'kafkajs'
    const kafka = new Kafka({ clientId: 'doomed', brokers: [${JSON.stringify(bootstrap)}], logLevel: logLevel.NOTHING })
    const c = kafka.consumer({ groupId: ${JSON.stringify(groupId)}, sessionTimeout: ${SESSION_TIMEOUT_MS}, heartbeatInterval: 300, rebalanceTimeout: 10000, maxWaitTimeInMs: 100 })
    c.on(c.events.GROUP_JOIN, (e) => console.log('JOINED ' + JSON.stringify(e.payload.memberAssignment[${JSON.stringify(topic)}] ?? [])))
    await c.connect()
    await c.subscribe({ topic: ${JSON.stringify(topic)}, fromBeginning: true })
    await c.run({ eachMessage: async () => {} })
  `
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
}

describe('group failover and durability', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {})
  })

  it('evicts a killed member after its session timeout and gives its partitions to the survivor', async () => {
    const broker = await testBroker({ config: { 'group.min.session.timeout.ms': 1000 } })
    cleanup.push(() => broker.close())
    const kafka = kafkaFor(broker)
    const admin = kafka.admin()
    await admin.connect()
    cleanup.push(() => admin.disconnect())
    const topic = 'failover'
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true })

    const child = memberProcess(broker.bootstrap, 'failover-group', topic)
    cleanup.push(() => Promise.resolve(void child.kill('SIGKILL')))
    let childPartitions: number[] = []
    child.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n'))
        if (line.startsWith('JOINED ')) childPartitions = JSON.parse(line.slice(7)) as number[]
    })
    await until(() => childPartitions.length === 6, 30_000, 'the child process to own the topic', POLL_MS)

    const survivor = kafka.consumer({
      groupId: 'failover-group',
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 300,
      rebalanceTimeout: 10000,
      maxWaitTimeInMs: 100,
    })
    cleanup.push(() => survivor.disconnect())
    let mine: number[] = []
    survivor.on(survivor.events.GROUP_JOIN, (e) => (mine = e.payload.memberAssignment[topic] ?? []))
    await survivor.connect()
    await survivor.subscribe({ topic, fromBeginning: true })
    await survivor.run({ eachMessage: () => Promise.resolve() })
    await until(
      () => mine.length === 3 && childPartitions.length === 3,
      30_000,
      'three partitions each',
      POLL_MS,
    ).catch((e: unknown) => {
      throw new Error(
        `${String(e)} mine=${JSON.stringify(mine)} child=${JSON.stringify(childPartitions)} ${JSON.stringify(broker.services.groups?.coordinator.classicGroup('failover-group')?.state)}`,
      )
    })

    const killedAt = Date.now()
    child.kill('SIGKILL')
    await until(() => mine.length === 6, 30_000, 'the survivor to take over all six', POLL_MS)
    const took = Date.now() - killedAt
    // Not before the session timeout (the broker cannot know sooner), and promptly after it.
    expect(took).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 300)
    expect(took).toBeLessThan(SESSION_TIMEOUT_MS + 5000)
  }, 60_000)

  it('committed offsets and group state survive a restart of a disk-backed broker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-groups-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const topic = 'durable'
    const start = (): Promise<RunningBroker> => testBroker({ memory: false, dataDir: dir })

    let broker = await start()
    let kafka = kafkaFor(broker)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) })
    await producer.disconnect()
    const first = kafka.consumer({ groupId: 'durable-group', sessionTimeout: 6000, heartbeatInterval: 300 })
    let count = 0
    await first.connect()
    await first.subscribe({ topic, fromBeginning: true })
    await first.run({ eachMessage: () => Promise.resolve(void count++) })
    await until(() => count === 10, 30_000, 'the first 10 messages', POLL_MS)
    await first.disconnect() // commits, then leaves: the group is Empty with its offsets
    await broker.close()

    broker = await start()
    cleanup.push(() => broker.close())
    kafka = kafkaFor(broker)
    const admin = kafka.admin()
    await admin.connect()
    cleanup.push(() => admin.disconnect())
    const offsets = await admin.fetchOffsets({ groupId: 'durable-group', topics: [topic] })
    expect(offsets[0]?.partitions.map((p) => p.offset)).toEqual(['10'])
    const described = await admin.describeGroups(['durable-group'])
    expect(described.groups[0]).toMatchObject({
      groupId: 'durable-group',
      state: 'Empty',
      protocolType: 'consumer',
    })

    // A new member resumes from the committed offset: it sees only what came after.
    const p2 = kafka.producer()
    await p2.connect()
    await p2.send({ topic, messages: [{ value: 'after-restart' }] })
    await p2.disconnect()
    const second = kafka.consumer({ groupId: 'durable-group', sessionTimeout: 6000, heartbeatInterval: 300 })
    cleanup.push(() => second.disconnect())
    const got: string[] = []
    await second.connect()
    await second.subscribe({ topic, fromBeginning: true })
    await second.run({ eachMessage: ({ message }) => Promise.resolve(void got.push(String(message.value))) })
    await until(() => got.length >= 1, 30_000, 'the message produced after the restart', POLL_MS)
    await new Promise((r) => setTimeout(r, 300))
    expect(got).toEqual(['after-restart'])
  }, 60_000)
})
