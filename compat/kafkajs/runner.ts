// KafkaJS 2.2.4 scenarios (pure JS, old non-flexible protocol versions), run in-process.

import { createRequire } from 'node:module'
import kafkajs from 'kafkajs'
import type { Admin, Consumer, EachMessagePayload, Kafka as KafkaType, Producer } from 'kafkajs'
import { Unsupported } from '../harness/results.ts'
import type { ClientRunner, ScenarioContext } from '../harness/runner.ts'
import { check, eventually, sleep } from '../harness/assert.ts'

const { Kafka, logLevel, CompressionTypes } = kafkajs

function kafka(ctx: ScenarioContext): KafkaType {
  return new Kafka({
    clientId: 'samsa-compat',
    brokers: [ctx.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 8000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  })
}

async function admin(ctx: ScenarioContext, k = kafka(ctx)): Promise<Admin> {
  const a = k.admin()
  ctx.defer(() => a.disconnect())
  await a.connect()
  return a
}

async function producer(
  ctx: ScenarioContext,
  k = kafka(ctx),
  config: Parameters<KafkaType['producer']>[0] = {},
): Promise<Producer> {
  const p = k.producer(config)
  ctx.defer(() => p.disconnect())
  await p.connect()
  return p
}

interface Seen {
  partition: number
  offset: string
  key: string | null
  value: string
  headers: Record<string, string>
}

/** A consumer that records what it receives. */
async function consumer(
  ctx: ScenarioContext,
  topic: string,
  options: {
    groupId?: string
    fromBeginning?: boolean
    readUncommitted?: boolean
    k?: KafkaType
    /** Called with this member's assignment after every join (before run() resolves). */
    onJoin?: (assignment: Record<string, number[]>) => void
  } = {},
): Promise<{ c: Consumer; seen: Seen[]; joined: () => boolean; fetched: () => number }> {
  const c = (options.k ?? kafka(ctx)).consumer({
    groupId: options.groupId ?? ctx.id('group'),
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
    readUncommitted: options.readUncommitted ?? false,
    retry: { retries: 2, initialRetryTime: 100 },
  })
  ctx.defer(() => c.disconnect())
  const seen: Seen[] = []
  let joined = false
  let fetched = 0
  c.on(c.events.GROUP_JOIN, (e) => {
    joined = true
    options.onJoin?.(e.payload.memberAssignment)
  })
  c.on(c.events.FETCH, () => {
    fetched++
  })
  await c.connect()
  await c.subscribe({ topic, fromBeginning: options.fromBeginning ?? true })
  await c.run({
    eachMessage: ({ partition, message }: EachMessagePayload) => {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v)
      seen.push({
        partition,
        offset: message.offset,
        key: message.key === null ? null : message.key.toString(),
        value: message.value?.toString() ?? '',
        headers,
      })
      return Promise.resolve()
    },
  })
  return { c, seen, joined: () => joined, fetched: () => fetched }
}

async function createTopic(ctx: ScenarioContext, a: Admin, topic: string, numPartitions = 1): Promise<void> {
  const created = await a.createTopics({
    topics: [{ topic, numPartitions }],
    waitForLeaders: true,
    timeout: 5000,
  })
  check(created, `createTopics(${topic}) returned false`)
  void ctx
}

async function produceAndConsume(
  ctx: ScenarioContext,
  sendOptions: { acks?: number; compression?: number } = {},
  producerConfig: Parameters<KafkaType['producer']>[0] = {},
): Promise<void> {
  const k = kafka(ctx)
  const topic = ctx.topic()
  await createTopic(ctx, await admin(ctx, k), topic)
  const p = await producer(ctx, k, producerConfig)
  const values = Array.from({ length: 20 }, (_, i) => `value-${i}-${'x'.repeat(50)}`)
  const meta = await p.send({ topic, messages: values.map((value) => ({ value })), ...sendOptions })
  if (sendOptions.acks !== 0) {
    check(meta.length === 1 && meta[0]!.errorCode === 0, `produce metadata ${JSON.stringify(meta)}`)
    check(meta[0]!.baseOffset === '0', `baseOffset ${meta[0]!.baseOffset}, expected 0`)
  }
  const { seen } = await consumer(ctx, topic, { k })
  await eventually(
    ctx,
    () => seen.length >= values.length,
    () => `consumed ${seen.length}/${values.length}`,
  )
  check(
    seen.map((s) => s.value).join() === values.join(),
    `consumed values differ: ${seen.map((s) => s.value.slice(0, 8)).join()}`,
  )
  check(
    seen.every((s, i) => s.offset === String(i)),
    'offsets not 0..n-1',
  )
}

const LARGE = 900 * 1024

const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<void>> = {
  async 'large-message'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic)
    const p = await producer(ctx, k)
    const value = 'L'.repeat(LARGE)
    await p.send({ topic, acks: -1, messages: [{ value }, { value: 'after' }] })
    const { seen } = await consumer(ctx, topic, { k })
    await eventually(
      ctx,
      () => seen.length >= 2,
      () => `consumed ${seen.length}/2`,
    )
    check(
      seen[0]!.value === value && seen[1]!.value === 'after',
      `sizes ${seen.map((s) => s.value.length).join()}`,
    )
  },

  'group-consumer-protocol': () =>
    Promise.reject(new Unsupported('kafkajs implements only the classic group protocol (no KIP-848)')),
  'group-protocol-upgrade': () =>
    Promise.reject(new Unsupported('kafkajs implements only the classic group protocol (no KIP-848)')),

  async 'group-describe'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    const a = await admin(ctx, k)
    await createTopic(ctx, a, topic)
    const p = await producer(ctx, k)
    await p.send({ topic, messages: ['a', 'b', 'c', 'd'].map((value) => ({ value })) })
    const groupId = ctx.id('group')
    let assigned: number[] = []
    const m = await consumer(ctx, topic, { k, groupId, onJoin: (x) => (assigned = x[topic] ?? []) })
    await eventually(
      ctx,
      () => m.seen.length >= 4 && assigned.length === 1,
      () => `consumed ${m.seen.length}/4`,
    )
    await m.c.commitOffsets([{ topic, partition: 0, offset: '2' }])
    const listed = await a.listGroups()
    check(
      listed.groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'),
      `listGroups ${JSON.stringify(listed)}`,
    )
    const described = (await a.describeGroups([groupId])).groups[0]
    check(
      described?.state === 'Stable' && described.members.length === 1,
      `describeGroups ${JSON.stringify(described)}`,
    )
    const assignment = kafkajs.AssignerProtocol.MemberAssignment.decode(
      described.members[0]!.memberAssignment,
    )
    check(assignment?.assignment[topic]?.join() === '0', `member assignment ${JSON.stringify(assignment)}`)
    const offsets = await a.fetchOffsets({ groupId, topics: [topic] })
    const high = await a.fetchTopicOffsets(topic)
    const committed = offsets[0]?.partitions[0]?.offset
    check(committed === '2', `committed ${committed}`)
    check(
      Number(high[0]!.high) - Number(committed) === 2,
      `lag from high ${high[0]!.high} and committed ${committed}`,
    )
    await m.c.disconnect()
    const deleted = await a.deleteGroups([groupId])
    check(deleted[0]?.errorCode === 0, `deleteGroups ${JSON.stringify(deleted)}`)
    check(
      !(await a.listGroups()).groups.some((g) => g.groupId === groupId),
      'group still listed after delete',
    )
  },

  async 'delete-records'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    const a = await admin(ctx, k)
    await createTopic(ctx, a, topic)
    const p = await producer(ctx, k)
    await p.send({ topic, messages: ['a', 'b', 'c', 'd'].map((value) => ({ value })) })
    // kafkajs resolves the leader from its cached metadata, which must already hold the topic.
    await a.fetchTopicMetadata({ topics: [topic] })
    await a.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '2' }] })
    const offsets = await a.fetchTopicOffsets(topic)
    check(offsets[0]?.low === '2', `low watermark ${offsets[0]?.low}`)
    const c = await consumer(ctx, topic, { k })
    await eventually(
      ctx,
      () => c.seen.length >= 2,
      () => `consumed ${c.seen.map((s) => s.value).join()}`,
    )
    check(c.seen.map((s) => s.value).join() === 'c,d', `consumed ${c.seen.map((s) => s.value).join()}`)
  },

  async connect(ctx) {
    const a = await admin(ctx)
    const cluster = await a.describeCluster()
    check(cluster.brokers.length === 1, `brokers ${JSON.stringify(cluster.brokers)}`)
    check(cluster.clusterId !== '', 'empty cluster id')
    check(cluster.controller === cluster.brokers[0]!.nodeId, `controller ${cluster.controller}`)
  },

  async 'metadata-auto-create'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    const p = await producer(ctx, k, { allowAutoTopicCreation: true })
    await p.send({ topic, messages: [{ value: 'hello' }] })
    const a = await admin(ctx, k)
    const md = await a.fetchTopicMetadata({ topics: [topic] })
    check(md.topics[0]?.partitions.length === 1, `metadata ${JSON.stringify(md)}`)
  },

  async 'topic-create'(ctx) {
    const a = await admin(ctx)
    const topic = ctx.topic()
    const created = await a.createTopics({
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      waitForLeaders: true,
    })
    check(created, 'createTopics returned false')
    check((await a.listTopics()).includes(topic), 'topic not listed')
    let duplicate: unknown
    await a.createTopics({ topics: [{ topic, numPartitions: 3 }] }).catch((err: unknown) => (duplicate = err))
    // kafkajs reports TOPIC_ALREADY_EXISTS as `false` or an error depending on the path.
    void duplicate
  },

  async 'topic-describe'(ctx) {
    const a = await admin(ctx)
    const topic = ctx.topic()
    await a.createTopics({
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    })
    const md = await a.fetchTopicMetadata({ topics: [topic] })
    const parts = md.topics[0]?.partitions ?? []
    check(parts.length === 3, `partitions ${JSON.stringify(parts)}`)
    check(
      parts.every((p) => p.leader >= 0 && p.replicas.length === 1),
      `leaders ${JSON.stringify(parts)}`,
    )
    const cfg = await a.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false })
    const entry = cfg.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')
    check(entry?.configValue === 'compact', `cleanup.policy ${JSON.stringify(entry)}`)
  },

  async 'config-alter'(ctx) {
    const a = await admin(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, a, topic)
    await a.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: '123456' }] }],
    })
    const cfg = await a.describeConfigs({
      resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }],
      includeSynonyms: false,
    })
    const entry = cfg.resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')
    check(entry?.configValue === '123456', `retention.ms ${JSON.stringify(entry)}`)
  },

  async 'partitions-create'(ctx) {
    const a = await admin(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, a, topic, 1)
    await a.createPartitions({ topicPartitions: [{ topic, count: 3 }] })
    await eventually(
      ctx,
      async () => (await a.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length === 3,
      () => 'partition count not 3',
    )
  },

  async 'topic-delete'(ctx) {
    const a = await admin(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, a, topic)
    await a.deleteTopics({ topics: [topic], timeout: 5000 })
    await eventually(
      ctx,
      async () => !(await a.listTopics()).includes(topic),
      () => 'topic still listed',
    )
  },

  async 'produce-keys'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic, 4)
    const p = await producer(ctx, k)
    const keyed = Array.from({ length: 12 }, (_, i) => ({ key: `key-${i % 3}`, value: `k${i}` }))
    const unkeyed = Array.from({ length: 6 }, (_, i) => ({ value: `u${i}` }))
    await p.send({ topic, messages: keyed, acks: -1 })
    await p.send({ topic, messages: unkeyed, acks: -1 })
    const { seen } = await consumer(ctx, topic, { k })
    await eventually(
      ctx,
      () => seen.length >= 18,
      () => `consumed ${seen.length}/18`,
    )
    for (const key of ['key-0', 'key-1', 'key-2']) {
      const parts = new Set(seen.filter((s) => s.key === key).map((s) => s.partition))
      check(parts.size === 1, `${key} landed on partitions ${[...parts].join()}`)
    }
    check(seen.filter((s) => s.key === null).length === 6, 'unkeyed records missing')
  },

  'produce-acks-0': (ctx) => produceAndConsume(ctx, { acks: 0 }),
  'produce-acks-1': (ctx) => produceAndConsume(ctx, { acks: 1 }),
  'produce-acks-all': (ctx) => produceAndConsume(ctx, { acks: -1 }),

  async headers(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic)
    const p = await producer(ctx, k)
    await p.send({ topic, messages: [{ key: 'k', value: 'v', headers: { 'trace-id': 'abc', empty: '' } }] })
    const { seen } = await consumer(ctx, topic, { k })
    await eventually(
      ctx,
      () => seen.length >= 1,
      () => 'nothing consumed',
    )
    check(
      seen[0]!.headers['trace-id'] === 'abc' && seen[0]!.headers.empty === '',
      `headers ${JSON.stringify(seen[0]!.headers)}`,
    )
  },

  'compression-gzip': (ctx) => produceAndConsume(ctx, { compression: CompressionTypes.GZIP }),
  'compression-snappy': () =>
    Promise.reject(
      new Unsupported('kafkajs ships only gzip; snappy needs the third-party kafkajs-snappy codec'),
    ),
  'compression-lz4': () =>
    Promise.reject(new Unsupported('kafkajs ships only gzip; lz4 needs the third-party kafkajs-lz4 codec')),
  'compression-zstd': () =>
    Promise.reject(
      new Unsupported('kafkajs ships only gzip; zstd needs the third-party @kafkajs/zstd codec'),
    ),

  'consume-earliest': (ctx) => produceAndConsume(ctx),

  async 'consume-latest'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic)
    const p = await producer(ctx, k)
    await p.send({ topic, messages: [{ value: 'old-1' }, { value: 'old-2' }] })
    const c = await consumer(ctx, topic, { k, fromBeginning: false })
    await eventually(
      ctx,
      () => c.fetched() > 0,
      () => 'consumer never fetched',
    )
    await p.send({ topic, messages: [{ value: 'new-1' }] })
    await eventually(
      ctx,
      () => c.seen.length >= 1,
      () => 'new record not consumed',
    )
    await sleep(300)
    check(c.seen.map((s) => s.value).join() === 'new-1', `consumed ${c.seen.map((s) => s.value).join()}`)
  },

  async 'consume-committed'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    const a = await admin(ctx, k)
    await createTopic(ctx, a, topic)
    const p = await producer(ctx, k)
    await p.send({ topic, messages: ['a', 'b', 'c', 'd'].map((value) => ({ value })) })
    const groupId = ctx.id('group')
    await a.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] })
    const fetched = await a.fetchOffsets({ groupId, topics: [topic] })
    check(fetched[0]?.partitions[0]?.offset === '2', `fetchOffsets ${JSON.stringify(fetched)}`)
    const c = await consumer(ctx, topic, { k, groupId })
    await eventually(
      ctx,
      () => c.seen.length >= 2,
      () => `consumed ${c.seen.length}/2`,
    )
    check(c.seen.map((s) => s.value).join() === 'c,d', `consumed ${c.seen.map((s) => s.value).join()}`)
  },

  async 'consume-timestamp'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    const a = await admin(ctx, k)
    await createTopic(ctx, a, topic)
    const p = await producer(ctx, k)
    const t0 = Date.now() - 60_000
    await p.send({
      topic,
      messages: ['a', 'b', 'c'].map((value, i) => ({ value, timestamp: String(t0 + i * 1000) })),
    })
    const offsets = await a.fetchTopicOffsetsByTimestamp(topic, t0 + 500)
    check(offsets[0]?.offset === '1', `offset for timestamp ${JSON.stringify(offsets)}`)
    const c = k.consumer({ groupId: ctx.id('group'), maxWaitTimeInMs: 200 })
    ctx.defer(() => c.disconnect())
    const seen: string[] = []
    await c.connect()
    await c.subscribe({ topic, fromBeginning: true })
    await c.run({
      eachMessage: ({ message }) => {
        seen.push(message.value?.toString() ?? '')
        return Promise.resolve()
      },
    })
    c.seek({ topic, partition: 0, offset: offsets[0].offset })
    await eventually(
      ctx,
      () => seen.includes('c'),
      () => `consumed ${seen.join()}`,
    )
    check(seen[0] === 'b', `first record after seek was ${seen[0]}`)
  },

  async 'group-members'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic, 4)
    const groupId = ctx.id('group')
    const assigned: Array<Record<string, number[]>> = [{}, {}]
    await Promise.all(
      [0, 1].map((i) =>
        consumer(ctx, topic, {
          k,
          groupId,
          onJoin: (assignment) => {
            assigned[i] = assignment
          },
        }),
      ),
    )
    await eventually(
      ctx,
      () => {
        const a = (assigned[0]![topic] ?? []).length
        const b = (assigned[1]![topic] ?? []).length
        return a === 2 && b === 2
      },
      () => `assignments ${JSON.stringify(assigned)}`,
    )
    const all = [...(assigned[0]![topic] ?? []), ...(assigned[1]![topic] ?? [])].sort()
    check(all.join() === '0,1,2,3', `partitions ${all.join()}`)
  },

  async 'group-rebalance'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic, 4)
    const groupId = ctx.id('group')
    let first: number[] = []
    await consumer(ctx, topic, {
      k,
      groupId,
      onJoin: (assignment) => {
        first = assignment[topic] ?? []
      },
    })
    await eventually(
      ctx,
      () => first.length === 4,
      () => `first member has ${first.join()}`,
    )
    const b = await consumer(ctx, topic, { k, groupId })
    await eventually(
      ctx,
      () => first.length === 2,
      () => `after join, first member has ${first.join()}`,
    )
    await b.c.disconnect()
    await eventually(
      ctx,
      () => first.length === 4,
      () => `after leave, first member has ${first.join()}`,
    )
  },

  async 'group-resume'(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic)
    const p = await producer(ctx, k)
    await p.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ value })) })
    const groupId = ctx.id('group')
    const first = await consumer(ctx, topic, { k, groupId })
    await eventually(
      ctx,
      () => first.seen.length >= 3,
      () => `first consumer got ${first.seen.length}/3`,
    )
    await first.c.disconnect() // commits the consumed offsets
    await p.send({ topic, messages: ['d', 'e'].map((value) => ({ value })) })
    const second = await consumer(ctx, topic, { k, groupId })
    await eventually(
      ctx,
      () => second.seen.length >= 2,
      () => `second consumer got ${second.seen.length}/2`,
    )
    await sleep(300)
    check(
      second.seen.map((s) => s.value).join() === 'd,e',
      `second consumer got ${second.seen.map((s) => s.value).join()}`,
    )
  },

  idempotent: (ctx) => produceAndConsume(ctx, { acks: -1 }, { idempotent: true, maxInFlightRequests: 1 }),

  async transactions(ctx) {
    const k = kafka(ctx)
    const topic = ctx.topic()
    await createTopic(ctx, await admin(ctx, k), topic)
    const p = await producer(ctx, k, {
      transactionalId: ctx.id('txn'),
      idempotent: true,
      maxInFlightRequests: 1,
    })
    // Consume-transform-produce: offsets committed with the transaction count only if it commits.
    const groupId = ctx.id('txn-group')
    const offsets = (offset: string) => ({
      consumerGroupId: groupId,
      topics: [{ topic, partitions: [{ partition: 0, offset }] }],
    })
    const commit1 = await p.transaction()
    await commit1.send({ topic, messages: [{ value: 'committed-1' }] })
    await commit1.sendOffsets(offsets('1'))
    await commit1.commit()
    const aborted = await p.transaction()
    await aborted.send({ topic, messages: [{ value: 'aborted' }] })
    await aborted.sendOffsets(offsets('7'))
    await aborted.abort()
    const a = await admin(ctx, k)
    const committed = (await a.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset
    check(committed === '1', `offset committed with the transactions: ${committed}, expected 1`)
    const commit2 = await p.transaction()
    await commit2.send({ topic, messages: [{ value: 'committed-2' }] })
    await commit2.commit()
    const c = await consumer(ctx, topic, { k })
    await eventually(
      ctx,
      () => c.seen.length >= 2,
      () => `read_committed consumer got ${c.seen.map((s) => s.value).join()}`,
    )
    await sleep(300)
    check(
      c.seen.map((s) => s.value).join() === 'committed-1,committed-2',
      `read_committed got ${c.seen.map((s) => s.value).join()}`,
    )
  },
}

const require = createRequire(import.meta.url)

export const runner: ClientRunner = {
  name: 'kafkajs',
  detect() {
    const version = (require('kafkajs/package.json') as { version: string }).version
    return Promise.resolve({ version: `kafkajs ${version}`, label: `kafkajs-${version}` })
  },
  async run(scenario, ctx) {
    const fn = SCENARIOS[scenario]
    if (fn === undefined) throw new Error(`no kafkajs implementation of '${scenario}'`)
    await fn(ctx)
  },
}
