// @platformatic/kafka 2.x scenarios (modern TypeScript client: newest flexible versions, KIP-848
// consumer protocol), run in-process.

import { readFileSync } from 'node:fs'
import {
  Admin,
  CompressionAlgorithms,
  ConfigResourceTypes,
  Consumer,
  FetchIsolationLevels,
  MessagesStreamModes,
  Producer,
  type CompressionAlgorithmValue,
  type Message,
  type MessagesStreamModeValue,
  type ProducerOptions,
} from '@platformatic/kafka'
import { check, eventually, sleep } from '../harness/assert.ts'
import type { ClientRunner, ScenarioContext } from '../harness/runner.ts'

const base = (ctx: ScenarioContext) => ({
  clientId: 'samsa-compat',
  bootstrapBrokers: [ctx.bootstrap],
  retries: 3,
  retryDelay: 200,
  timeout: 8000,
  connectTimeout: 3000,
})

function admin(ctx: ScenarioContext): Admin {
  const a = new Admin(base(ctx))
  ctx.defer(() => a.close())
  return a
}

type Options = Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, 'clientId' | 'bootstrapBrokers'>

function producer(ctx: ScenarioContext, options: Options = {}): Producer {
  const p = new Producer({ ...base(ctx), ...options })
  ctx.defer(() => p.close())
  return p
}

interface Seen {
  partition: number
  offset: bigint
  key: string | null
  value: string
  headers: Map<string, string>
}

interface Member {
  consumer: Consumer
  seen: Seen[]
  fetches: () => number
  /** Closes the consumer (force: its stream too); its 'error' events no longer count from here. */
  close: () => Promise<void>
}

/**
 * 'error' events of the scenario's consumers. A Consumer emits 'error' when a rejoin fails, and an
 * EventEmitter 'error' without a listener is thrown (an uncaught exception in the test process), so
 * every consumer gets a listener. An error before the consumer is closed fails the scenario; one
 * after is the client's own teardown (a rejoin cut off by close: 'Connection closed') and is not
 * counted.
 */
const consumerErrors = new WeakMap<ScenarioContext, string[]>()

function watchConsumer(ctx: ScenarioContext, consumer: Consumer, label: string): () => Promise<void> {
  let closing = false
  consumer.on('error', (err: unknown) => {
    if (!closing)
      consumerErrors.get(ctx)?.push(`${label}: ${err instanceof Error ? err.message : String(err)}`)
  })
  const close = async (): Promise<void> => {
    closing = true
    await consumer.close(true)
  }
  ctx.defer(close)
  return close
}

async function consume(
  ctx: ScenarioContext,
  topic: string,
  options: {
    groupId?: string
    mode?: MessagesStreamModeValue
    offsets?: Array<{ topic: string; partition: number; offset: bigint }>
    isolationLevel?: number
    autocommit?: boolean
    /** Where COMMITTED mode starts when the group has no committed offset (default earliest). */
    fallbackMode?: 'earliest' | 'latest' | 'fail'
    protocol?: 'classic' | 'consumer'
  } = {},
): Promise<Member> {
  const groupId = options.groupId ?? ctx.id('group')
  const consumer =
    options.protocol === 'consumer'
      ? new Consumer({ ...base(ctx), groupId, groupProtocol: 'consumer', maxWaitTime: 200 })
      : new Consumer({
          ...base(ctx),
          groupId,
          sessionTimeout: 10_000,
          rebalanceTimeout: 10_000,
          heartbeatInterval: 500,
          maxWaitTime: 200,
        })
  const close = watchConsumer(ctx, consumer, `consumer of ${groupId}`)
  const stream = await consumer.consume({
    topics: [topic],
    mode: options.mode ?? MessagesStreamModes.EARLIEST,
    offsets: options.offsets,
    fallbackMode: options.fallbackMode ?? 'earliest',
    autocommit: options.autocommit ?? false,
    isolationLevel: options.isolationLevel,
  })
  ctx.defer(() => stream.close())
  const seen: Seen[] = []
  let fetches = 0
  stream.on('fetch', () => fetches++)
  stream.on('data', (m: Message) => {
    const headers = new Map<string, string>()
    for (const [k, v] of m.headers) headers.set(k.toString(), v.toString())
    seen.push({
      partition: m.partition,
      offset: m.offset,
      key: m.key === undefined || m.key === null || m.key.length === 0 ? null : m.key.toString(),
      value: m.value?.toString() ?? '',
      headers,
    })
  })
  stream.on('error', () => {})
  return { consumer, seen, fetches: () => fetches, close }
}

async function createTopic(ctx: ScenarioContext, topic: string, partitions = 1): Promise<void> {
  const created = await admin(ctx).createTopics({ topics: [topic], partitions, replicas: 1 })
  check(
    created[0]?.name === topic && created[0].partitions === partitions,
    `createTopics ${JSON.stringify(created)}`,
  )
}

const values = (n: number, prefix = 'value'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i}-${'x'.repeat(50)}`)

async function produceAndConsume(
  ctx: ScenarioContext,
  send: { acks?: number; compression?: CompressionAlgorithmValue } = {},
  options: Options = {},
): Promise<void> {
  const topic = ctx.topic()
  await createTopic(ctx, topic)
  const p = producer(ctx, options)
  const vs = values(20)
  const result = await p.send({ messages: vs.map((v) => ({ topic, value: Buffer.from(v) })), ...send })
  if (send.acks !== 0)
    check(result.offsets?.[0]?.offset === 0n, `produce result ${String(result.offsets?.[0]?.offset)}`)
  const { seen } = await consume(ctx, topic)
  await eventually(
    ctx,
    () => seen.length >= vs.length,
    () => `consumed ${seen.length}/${vs.length}`,
  )
  check(seen.map((s) => s.value).join() === vs.join(), 'consumed values differ')
  check(
    seen.every((s, i) => s.offset === BigInt(i)),
    `offsets ${seen.map((s) => s.offset).join()}`,
  )
}

async function assignedCount(member: Member, topic: string): Promise<number> {
  await Promise.resolve()
  const a = member.consumer.assignments ?? []
  return a.filter((x) => x.topic === topic).reduce((n, x) => n + x.partitions.length, 0)
}

const LARGE = 900 * 1024

const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<void>> = {
  async 'large-message'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    const value = Buffer.alloc(LARGE, 'L')
    await producer(ctx).send({
      acks: -1,
      messages: [
        { topic, value },
        { topic, value: Buffer.from('after') },
      ],
    })
    const { seen } = await consume(ctx, topic)
    await eventually(
      ctx,
      () => seen.length >= 2,
      () => `consumed ${seen.length}/2`,
    )
    check(
      seen[0]!.value === value.toString() && seen[1]!.value === 'after',
      `sizes ${seen.map((s) => s.value.length).join()}`,
    )
  },

  async 'group-describe'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    await producer(ctx).send({
      messages: ['a', 'b', 'c', 'd'].map((v) => ({ topic, value: Buffer.from(v) })),
    })
    const groupId = ctx.id('group')
    const m = await consume(ctx, topic, { groupId })
    await eventually(
      ctx,
      () => m.seen.length >= 4,
      () => `consumed ${m.seen.length}/4`,
    )
    await m.consumer.commit({ offsets: [{ topic, partition: 0, offset: 2n, leaderEpoch: 0 }] })
    const a = admin(ctx)
    const groups = await a.listGroups()
    check(groups.has(groupId), `listGroups ${JSON.stringify([...groups.keys()])}`)
    const described = (await a.describeGroups({ groups: [groupId] })).get(groupId)
    check(
      described?.state.toUpperCase() === 'STABLE' && described.members.size === 1,
      `describeGroups ${described?.state} ${described?.members.size}`,
    )
    const member = [...described.members.values()][0]!
    check(
      member.assignments?.get(topic)?.partitions.join() === '0',
      `member assignment ${JSON.stringify([...(member.assignments ?? [])])}`,
    )
    const committed = (await a.listConsumerGroupOffsets({ groups: [groupId] }))[0]?.topics[0]?.partitions[0]
      ?.committedOffset
    const lag = await m.consumer.getLag({ topics: [topic] })
    check(committed === 2n, `committed ${String(committed)}`)
    check(lag.get(topic)?.[0] === 2n, `lag ${String(lag.get(topic)?.[0])}`)
    await m.close()
    await a.deleteGroups({ groups: [groupId] })
    check(!(await a.listGroups()).has(groupId), 'group still listed after delete')
  },

  async 'delete-records'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    await producer(ctx).send({
      messages: ['a', 'b', 'c', 'd'].map((v) => ({ topic, value: Buffer.from(v) })),
    })
    const a = admin(ctx)
    const deleted = await a.deleteRecords({
      topics: [{ name: topic, partitions: [{ partition: 0, offset: 2n }] }],
    })
    check(
      deleted[0]?.partitions[0]?.lowWatermark === 2n,
      `lowWatermark ${String(deleted[0]?.partitions[0]?.lowWatermark)}`,
    )
    const c = await consume(ctx, topic)
    await eventually(
      ctx,
      () => c.seen.length >= 2,
      () => `consumed ${c.seen.map((s) => s.value).join()}`,
    )
    check(c.seen.map((s) => s.value).join() === 'c,d', `consumed ${c.seen.map((s) => s.value).join()}`)
  },

  async connect(ctx) {
    const a = admin(ctx)
    const apis = await a.listApis()
    check(
      apis.some((x) => x.apiKey === 18 && x.maxVersion >= 3),
      'ApiVersions not listed',
    )
    const md = await a.metadata({})
    check(md.brokers.size === 1 && md.id !== '', `metadata brokers ${md.brokers.size}, cluster '${md.id}'`)
  },

  async 'metadata-auto-create'(ctx) {
    const topic = ctx.topic()
    const md = await admin(ctx).metadata({ topics: [topic], autocreateTopics: true })
    check(md.topics.get(topic)?.partitionsCount === 1, `metadata ${JSON.stringify([...md.topics.keys()])}`)
  },

  async 'topic-create'(ctx) {
    const topic = ctx.topic()
    const a = admin(ctx)
    const created = await a.createTopics({
      topics: [topic],
      partitions: 3,
      replicas: 1,
      configs: [{ name: 'retention.ms', value: '3600000' }],
    })
    check(created[0]?.partitions === 3, `created ${JSON.stringify(created)}`)
    check((await a.listTopics()).includes(topic), 'topic not listed')
  },

  async 'topic-describe'(ctx) {
    const topic = ctx.topic()
    const a = admin(ctx)
    await a.createTopics({
      topics: [topic],
      partitions: 3,
      replicas: 1,
      configs: [{ name: 'cleanup.policy', value: 'compact' }],
    })
    const md = await a.metadata({ topics: [topic] })
    const t = md.topics.get(topic)
    check(
      t?.partitionsCount === 3 && t.partitions.every((p) => p.leader >= 0),
      `metadata ${JSON.stringify(t?.partitions)}`,
    )
    const cfg = await a.describeConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configurationKeys: ['cleanup.policy'],
        },
      ],
    })
    const entry = cfg[0]?.configs.find((c) => c.name === 'cleanup.policy')
    check(entry?.value === 'compact', `cleanup.policy ${JSON.stringify(entry)}`)
  },

  async 'config-alter'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    const a = admin(ctx)
    await a.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: [{ name: 'retention.ms', value: '123456', configOperation: 0 }],
        },
      ],
    })
    const cfg = await a.describeConfigs({
      resources: [
        { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms'] },
      ],
    })
    const entry = cfg[0]?.configs.find((c) => c.name === 'retention.ms')
    check(entry?.value === '123456', `retention.ms ${JSON.stringify(entry)}`)
  },

  async 'partitions-create'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic, 1)
    const a = admin(ctx)
    await a.createPartitions({ topics: [{ name: topic, count: 3 }] })
    await eventually(
      ctx,
      async () =>
        (await a.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount === 3,
      () => 'partition count not 3',
    )
  },

  async 'topic-delete'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    const a = admin(ctx)
    await a.deleteTopics({ topics: [topic] })
    await eventually(
      ctx,
      async () => !(await a.listTopics()).includes(topic),
      () => 'topic still listed',
    )
  },

  async 'produce-keys'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic, 4)
    const p = producer(ctx)
    const keyed = Array.from({ length: 12 }, (_, i) => ({
      topic,
      key: Buffer.from(`key-${i % 3}`),
      value: Buffer.from(`k${i}`),
    }))
    const unkeyed = Array.from({ length: 6 }, (_, i) => ({ topic, value: Buffer.from(`u${i}`) }))
    await p.send({ messages: keyed, acks: -1 })
    await p.send({ messages: unkeyed, acks: -1 })
    const { seen } = await consume(ctx, topic)
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
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    await producer(ctx).send({
      messages: [
        {
          topic,
          key: Buffer.from('k'),
          value: Buffer.from('v'),
          headers: new Map([
            [Buffer.from('trace-id'), Buffer.from('abc')],
            [Buffer.from('empty'), Buffer.alloc(0)],
          ]),
        },
      ],
    })
    const { seen } = await consume(ctx, topic)
    await eventually(
      ctx,
      () => seen.length >= 1,
      () => 'nothing consumed',
    )
    const h = seen[0]!.headers
    check(h.get('trace-id') === 'abc' && h.get('empty') === '', `headers ${JSON.stringify([...h])}`)
  },

  'compression-gzip': (ctx) => produceAndConsume(ctx, { compression: CompressionAlgorithms.GZIP }),
  'compression-snappy': (ctx) => produceAndConsume(ctx, { compression: CompressionAlgorithms.SNAPPY }),
  'compression-lz4': (ctx) => produceAndConsume(ctx, { compression: CompressionAlgorithms.LZ4 }),
  'compression-zstd': (ctx) => produceAndConsume(ctx, { compression: CompressionAlgorithms.ZSTD }),

  'consume-earliest': (ctx) => produceAndConsume(ctx),

  async 'consume-latest'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    const p = producer(ctx)
    await p.send({ messages: ['old-1', 'old-2'].map((v) => ({ topic, value: Buffer.from(v) })) })
    const c = await consume(ctx, topic, { mode: MessagesStreamModes.LATEST })
    await eventually(
      ctx,
      () => c.fetches() > 0,
      () => 'consumer never fetched',
    )
    await p.send({ messages: [{ topic, value: Buffer.from('new-1') }] })
    await eventually(
      ctx,
      () => c.seen.length >= 1,
      () => 'new record not consumed',
    )
    await sleep(300)
    check(c.seen.map((s) => s.value).join() === 'new-1', `consumed ${c.seen.map((s) => s.value).join()}`)
  },

  async 'consume-committed'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    await producer(ctx).send({
      messages: ['a', 'b', 'c', 'd'].map((v) => ({ topic, value: Buffer.from(v) })),
    })
    const groupId = ctx.id('group')
    const a = admin(ctx)
    await a.alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: topic, partitionOffsets: [{ partition: 0, offset: 2n }] }],
    })
    const listed = await a.listConsumerGroupOffsets({ groups: [groupId] })
    const committed = listed[0]?.topics[0]?.partitions[0]?.committedOffset
    check(committed === 2n, `listConsumerGroupOffsets ${String(committed)}`)
    const c = await consume(ctx, topic, { groupId, mode: MessagesStreamModes.COMMITTED })
    await eventually(
      ctx,
      () => c.seen.length >= 2,
      () => `consumed ${c.seen.length}/2`,
    )
    check(c.seen.map((s) => s.value).join() === 'c,d', `consumed ${c.seen.map((s) => s.value).join()}`)
  },

  async 'consume-timestamp'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    const t0 = BigInt(Date.now() - 60_000)
    await producer(ctx).send({
      messages: ['a', 'b', 'c'].map((v, i) => ({
        topic,
        value: Buffer.from(v),
        timestamp: t0 + BigInt(i * 1000),
      })),
    })
    const probe = new Consumer({ ...base(ctx), groupId: ctx.id('probe') })
    watchConsumer(ctx, probe, 'probe')
    const offsets = await probe.listOffsets({ topics: [topic], timestamp: t0 + 500n })
    const offset = offsets.get(topic)?.[0]
    check(offset === 1n, `offset for timestamp ${String(offset)}`)
    const c = await consume(ctx, topic, {
      mode: MessagesStreamModes.MANUAL,
      offsets: [{ topic, partition: 0, offset }],
    })
    await eventually(
      ctx,
      () => c.seen.length >= 2,
      () => `consumed ${c.seen.map((s) => s.value).join()}`,
    )
    check(c.seen.map((s) => s.value).join() === 'b,c', `consumed ${c.seen.map((s) => s.value).join()}`)
  },

  async 'group-members'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic, 4)
    const groupId = ctx.id('group')
    const members = await Promise.all([0, 1].map(() => consume(ctx, topic, { groupId })))
    await eventually(
      ctx,
      async () =>
        (await assignedCount(members[0]!, topic)) === 2 && (await assignedCount(members[1]!, topic)) === 2,
      () => `assignments ${JSON.stringify(members.map((m) => m.consumer.assignments))}`,
    )
  },

  async 'group-rebalance'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic, 4)
    const groupId = ctx.id('group')
    const a = await consume(ctx, topic, { groupId })
    await eventually(
      ctx,
      async () => (await assignedCount(a, topic)) === 4,
      () => 'first member not assigned 4',
    )
    const b = await consume(ctx, topic, { groupId })
    await eventually(
      ctx,
      async () => (await assignedCount(a, topic)) === 2,
      () => `after join, first has ${JSON.stringify(a.consumer.assignments)}`,
    )
    await b.close()
    await eventually(
      ctx,
      async () => (await assignedCount(a, topic)) === 4,
      () => `after leave, first has ${JSON.stringify(a.consumer.assignments)}`,
    )
  },

  async 'group-resume'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    const p = producer(ctx)
    await p.send({ messages: ['a', 'b', 'c'].map((v) => ({ topic, value: Buffer.from(v) })) })
    const groupId = ctx.id('group')
    const first = await consume(ctx, topic, {
      groupId,
      mode: MessagesStreamModes.COMMITTED,
      autocommit: true,
    })
    await eventually(
      ctx,
      () => first.seen.length >= 3,
      () => `first consumer got ${first.seen.length}/3`,
    )
    // Kafka commits the next offset to read; consumer.commit() sends the offset as given.
    await first.consumer.commit({
      offsets: [{ topic, partition: 0, offset: first.seen[2]!.offset + 1n, leaderEpoch: 0 }],
    })
    await first.close()
    await p.send({ messages: ['d', 'e'].map((v) => ({ topic, value: Buffer.from(v) })) })
    const second = await consume(ctx, topic, { groupId, mode: MessagesStreamModes.COMMITTED })
    await eventually(
      ctx,
      () => second.seen.length >= 2,
      () => `second consumer got ${second.seen.map((s) => s.value).join()}`,
    )
    await sleep(300)
    check(
      second.seen.map((s) => s.value).join() === 'd,e',
      `second consumer got ${second.seen.map((s) => s.value).join()}`,
    )
  },

  idempotent: (ctx) => produceAndConsume(ctx, { acks: -1 }, { idempotent: true }),

  async transactions(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic)
    const p = producer(ctx, { transactionalId: ctx.id('txn'), idempotent: true, acks: -1 })
    for (const [value, commit] of [
      ['committed-1', true],
      ['aborted', false],
      ['committed-2', true],
    ] as const) {
      const tx = await p.beginTransaction()
      await tx.send({ messages: [{ topic, value: Buffer.from(value) }] })
      if (commit) await tx.commit()
      else await tx.abort()
    }
    const c = await consume(ctx, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED })
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

  async 'group-protocol-upgrade'(ctx) {
    // A rolling upgrade from the classic to the consumer protocol: with Kafka 4's default
    // group.consumer.migration.policy (bidirectional) the consumer-protocol member converts the
    // live classic group and both members share its partitions.
    const topic = ctx.topic()
    await createTopic(ctx, topic, 4)
    const groupId = ctx.id('group')
    const classic = await consume(ctx, topic, { groupId })
    await eventually(
      ctx,
      async () => (await assignedCount(classic, topic)) === 4,
      () => `classic member ${JSON.stringify(classic.consumer.assignments)}`,
    )
    const upgraded = await consume(ctx, topic, { groupId, protocol: 'consumer' })
    await eventually(
      ctx,
      async () => (await assignedCount(classic, topic)) === 2 && (await assignedCount(upgraded, topic)) === 2,
      () =>
        `after the upgrade: classic ${JSON.stringify(classic.consumer.assignments)}, consumer ${JSON.stringify(upgraded.consumer.assignments)}`,
    )
  },

  async 'group-consumer-protocol'(ctx) {
    const topic = ctx.topic()
    await createTopic(ctx, topic, 4)
    const groupId = ctx.id('group')
    const members = await Promise.all(
      [0, 1].map(() => consume(ctx, topic, { groupId, protocol: 'consumer' })),
    )
    await eventually(
      ctx,
      async () =>
        (await assignedCount(members[0]!, topic)) === 2 && (await assignedCount(members[1]!, topic)) === 2,
      () => `assignments ${JSON.stringify(members.map((m) => m.consumer.assignments))}`,
    )
  },
}

export const runner: ClientRunner = {
  name: 'platformatic',
  detect() {
    // The package's exports map hides package.json; read it next to the resolved entry (dist/).
    const pkg = new URL('../package.json', import.meta.resolve('@platformatic/kafka'))
    const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }
    return Promise.resolve({
      version: `@platformatic/kafka ${version}`,
      label: `platformatic-kafka-${version}`,
    })
  },
  async run(scenario, ctx) {
    const fn = SCENARIOS[scenario]
    if (fn === undefined) throw new Error(`no @platformatic/kafka implementation of '${scenario}'`)
    const errors: string[] = []
    consumerErrors.set(ctx, errors)
    await fn(ctx)
    check(errors.length === 0, `consumer 'error' events: ${errors.join('; ')}`)
  },
}
