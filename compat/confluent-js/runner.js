// @confluentinc/kafka-javascript (librdkafka 2.1x, built from the sources in its npm package by
// compat/install-clients.sh) scenarios for the Samsa compat suite: librdkafka's newest request
// versions and its KIP-848 consumer (group.protocol=consumer).
//
// Plain JavaScript on purpose: the addon is a NAN (V8-ABI) module built against the system Node's
// headers, so this file runs under that Node (recorded in node_modules/.samsa-build.json), which
// has no TypeScript type stripping. It uses the node-rdkafka-style API (Producer, KafkaConsumer,
// AdminClient), the thinnest layer over librdkafka.
//
// Usage: node runner.js <scenario-id> <bootstrap> <unique-prefix>   (or --version)
// Prints one JSON verdict as the last stdout line (compat/harness/external.ts). Every wait is
// bounded; the harness also kills the process when the scenario times out.

/* global process, Buffer, setTimeout, console -- Node globals; this file is plain JS outside tsconfig */
import Kafka from '@confluentinc/kafka-javascript'

const [SCENARIO = '', BOOTSTRAP = '', PREFIX = ''] = process.argv.slice(2)
/** Scenario code finishes before the harness's timeout (compat/confluent-js/runner.ts). */
const DEADLINE = Date.now() + Number(process.env.SAMSA_COMPAT_BUDGET_MS ?? 25_000)

class Unsupported extends Error {}
class Failed extends Error {}

function check(cond, message) {
  if (!cond) throw new Failed(typeof message === 'function' ? message() : message)
}

const remaining = () => Math.max(100, DEADLINE - Date.now())
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Calls a node-style method, resolving with its result or rejecting with its error. */
function call(target, method, ...args) {
  return new Promise((resolve, reject) => {
    target[method](...args, (err, result) => (err ? reject(asError(err)) : resolve(result)))
  })
}

function asError(err) {
  if (err instanceof Error) return err
  const e = new Error(`${err?.message ?? String(err)} (code ${err?.code})`)
  e.code = err?.code
  return e
}

// SAMSA_COMPAT_LOG_LEVEL (syslog level, default 3) and SAMSA_COMPAT_DEBUG (librdkafka debug
// contexts, e.g. 'protocol,cgrp') send librdkafka's own log to stderr, for debugging a scenario.
const LOG_LEVEL = Number(process.env.SAMSA_COMPAT_LOG_LEVEL ?? 3)
const DEBUG = process.env.SAMSA_COMPAT_DEBUG

const base = () => ({
  'bootstrap.servers': BOOTSTRAP,
  'client.id': 'samsa-compat',
  log_level: LOG_LEVEL,
  ...(DEBUG === undefined ? {} : { debug: DEBUG }),
  event_cb: true,
})

/** The last error event of each client, for messages about a later failure. */
const lastError = new WeakMap()

/** Copies librdkafka's log events of a client to stderr. */
function logTo(client) {
  client.on('event.log', (e) => {
    console.error(`${e.severity} ${e.fac} ${e.message}`)
    if (e.severity <= 3) lastError.set(client, e.message) // emerg..err, FATAL among them
  })
  client.on('event.error', (e) => {
    console.error(`error ${e.code} ${e.message}`)
    lastError.set(client, e.message)
  })
  return client
}

/** Every client this process opens; disconnected before exit. */
const opened = []

let groups = 0

let adminClient
function admin() {
  adminClient ??= Kafka.AdminClient.create({ ...base() })
  return adminClient
}

async function createTopic(name, partitions = 1, config = {}) {
  await call(
    admin(),
    'createTopic',
    {
      topic: name,
      num_partitions: partitions,
      replication_factor: 1,
      config,
    },
    remaining(),
  )
}

async function metadata(client, topic) {
  return call(
    client,
    'getMetadata',
    topic === undefined ? { allTopics: true, timeout: remaining() } : { topic, timeout: remaining() },
  )
}

async function producer(extra = {}) {
  const p = logTo(new Kafka.Producer({ ...base(), dr_cb: true, 'linger.ms': 5, ...extra }))
  await call(p, 'connect', { timeout: remaining() })
  opened.push(p)
  p.setPollInterval(20)
  return p
}

/**
 * Produces records ({ value, key?, partition?, timestamp?, headers? }) and waits for every delivery
 * report; returns [{ partition, offset }] in delivery order, throws on any delivery error.
 */
async function produce(p, topic, records) {
  const delivered = []
  const errors = []
  const onReport = (err, report) => {
    if (err) errors.push(String(err.message ?? err))
    else delivered.push({ partition: report.partition, offset: report.offset })
  }
  p.on('delivery-report', onReport)
  try {
    for (const r of records)
      p.produce(
        topic,
        r.partition ?? null,
        Buffer.from(r.value),
        r.key ?? null,
        r.timestamp ?? null,
        null,
        r.headers,
      )
    await call(p, 'flush', remaining())
    while (delivered.length + errors.length < records.length && Date.now() < DEADLINE) await sleep(10)
  } finally {
    p.removeListener('delivery-report', onReport)
  }
  check(errors.length === 0, () => `delivery errors: ${errors.slice(0, 3).join('; ')}`)
  check(
    delivered.length === records.length,
    () => `${records.length - delivered.length} records not delivered`,
  )
  return delivered
}

async function consumer(group, extra = {}) {
  const classic = extra['group.protocol'] !== 'consumer'
  const c = logTo(
    new Kafka.KafkaConsumer({
      ...base(),
      'group.id': group ?? `${PREFIX}-group-${groups++}`,
      'auto.offset.reset': 'earliest',
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 100,
      // Verify the CRC-32C of every fetched batch: the broker rewrites some (max timestamp, markers).
      'check.crcs': true,
      'topic.metadata.refresh.interval.ms': 1000,
      // KIP-848 members take their timeouts from the broker; librdkafka rejects these with it.
      ...(classic ? { 'session.timeout.ms': 10_000, 'heartbeat.interval.ms': 500 } : {}),
      rebalance_cb: true,
      ...extra,
    }),
  )
  await call(c, 'connect', { timeout: remaining() })
  opened.push(c)
  c.setDefaultConsumeTimeout(100)
  return c
}

const RETRYABLE_CONSUME = new Set([
  -185, // _TIMED_OUT
  -191, // _PARTITION_EOF
])

/** One bounded poll: the messages it returned (serves rebalance callbacks too). */
async function pollOnce(c, max = 100) {
  try {
    return await call(c, 'consume', max)
  } catch (err) {
    if (RETRYABLE_CONSUME.has(err.code)) return []
    await sleep(100) // the error event that says why usually follows
    const why = lastError.get(c)
    throw new Failed(`consume error: ${err.message}${why === undefined ? '' : ` (${why})`}`)
  }
}

async function collect(c, n, timeoutMs) {
  const out = []
  const end = Date.now() + (timeoutMs ?? remaining() - 500)
  while (out.length < n && Date.now() < end) out.push(...(await pollOnce(c)))
  return out
}

/** Polls every consumer until cond() holds; the failure text comes from describe(). */
async function pollUntil(consumers, cond, describe) {
  while (Date.now() < DEADLINE - 500) {
    await Promise.all(consumers.map((c) => pollOnce(c, 10)))
    if (cond()) return
  }
  throw new Failed(describe())
}

const valuesOf = (msgs) => msgs.map((m) => m.value?.toString() ?? '')

/** Partitions of `topic` currently assigned to `c`, sorted. */
function assigned(c, topic) {
  return c
    .assignments()
    .filter((a) => a.topic === topic)
    .map((a) => a.partition)
    .sort((a, b) => a - b)
}

async function produceAndConsume(producerConf = {}) {
  const topic = `${PREFIX}-t`
  await createTopic(topic)
  const p = await producer(producerConf)
  const vs = Array.from({ length: 20 }, (_, i) => `value-${i}-${'x'.repeat(50)}`)
  const delivered = await produce(
    p,
    topic,
    vs.map((value) => ({ value })),
  )
  if (String(producerConf.acks) !== '0')
    check(
      delivered
        .map((d) => d.offset)
        .sort((a, b) => a - b)
        .join() === vs.map((_, i) => i).join(),
      () => `delivered offsets ${JSON.stringify(delivered.slice(0, 5))}`,
    )
  const c = await consumer()
  c.subscribe([topic])
  const got = await collect(c, 20)
  check(valuesOf(got).join() === vs.join(), () => `consumed ${got.length}/20`)
  check(
    got.every((m, i) => m.offset === i),
    'offsets not 0..19',
  )
}

const SCENARIOS = {
  async connect() {
    const md = await metadata(admin())
    check(md.brokers.length === 1, () => `brokers ${JSON.stringify(md.brokers)}`)
    check(md.brokers[0].id >= 0 && md.brokers[0].port > 0, () => `broker ${JSON.stringify(md.brokers[0])}`)
  },

  async 'metadata-auto-create'() {
    const topic = `${PREFIX}-auto`
    const p = await producer() // producers default to allow.auto.create.topics=true
    while (Date.now() < DEADLINE - 1000) {
      const md = await metadata(p, topic).catch(() => undefined)
      const t = md?.topics.find((x) => x.name === topic)
      if (t !== undefined && t.partitions.length === 1) return
      await sleep(200)
    }
    throw new Failed('topic not auto-created')
  },

  async 'topic-create'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic, 3, { 'retention.ms': '3600000' })
    const md = await metadata(admin())
    const t = md.topics.find((x) => x.name === topic)
    check(t?.partitions.length === 3, 'topic not listed with 3 partitions')
    const dup = await createTopic(topic, 3).then(
      () => undefined,
      (err) => err,
    )
    check(dup !== undefined, 'creating an existing topic succeeded')
    check(dup.code === 36, () => `duplicate create: ${dup.message}`) // TOPIC_ALREADY_EXISTS
  },

  async 'topic-describe'() {
    // DescribeTopics (Metadata by topic id, KIP-516); the admin API has no DescribeConfigs.
    const topic = `${PREFIX}-t`
    await createTopic(topic, 3, { 'cleanup.policy': 'compact' })
    const [d] = await call(admin(), 'describeTopics', [topic], { timeout: remaining() })
    check(d?.name === topic && !d.error, () => `describeTopics ${d?.name} ${d?.error?.message}`)
    check(
      d.partitions.length === 3 &&
        d.partitions.every(
          (p) => p.leader !== null && p.leader.id >= 0 && p.replicas.length === 1 && p.isr.length === 1,
        ),
      () => `partitions ${JSON.stringify(d.partitions)}`,
    )
    // The binding names the field `base64` (its typings say base64str); the zero UUID means none.
    const id = d.topicId?.base64 ?? d.topicId?.base64str ?? ''
    check(/^[A-Za-z0-9+/_-]{22}/.test(id) && !/^A{22}/.test(id), () => `topic id '${id}'`)
  },

  'config-alter'() {
    throw new Unsupported('the admin API has no DescribeConfigs/AlterConfigs')
  },

  async 'partitions-create'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic, 1)
    await call(admin(), 'createPartitions', topic, 3, remaining())
    const [d] = await call(admin(), 'describeTopics', [topic], { timeout: remaining() })
    check(d?.partitions.length === 3, () => `partitions ${d?.partitions.length}`)
  },

  async 'topic-delete'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    await call(admin(), 'deleteTopic', topic, remaining())
    while (Date.now() < DEADLINE - 1000) {
      const topics = await call(admin(), 'listTopics', { timeout: remaining() })
      if (!topics.includes(topic)) return
      await sleep(200)
    }
    throw new Failed('topic still listed')
  },

  async 'produce-keys'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic, 4)
    const p = await producer()
    await produce(
      p,
      topic,
      Array.from({ length: 12 }, (_, i) => ({ key: `key-${i % 3}`, value: `k${i}` })),
    )
    await produce(
      p,
      topic,
      Array.from({ length: 6 }, (_, i) => ({ value: `u${i}` })),
    )
    const c = await consumer()
    c.subscribe([topic])
    const got = await collect(c, 18)
    check(got.length === 18, () => `consumed ${got.length}/18`)
    for (const key of ['key-0', 'key-1', 'key-2']) {
      const parts = new Set(got.filter((m) => m.key?.toString() === key).map((m) => m.partition))
      check(parts.size === 1, () => `${key} on partitions ${[...parts].join()}`)
    }
    check(got.filter((m) => m.key === null || m.key === undefined).length === 6, 'unkeyed records missing')
  },

  'produce-acks-0': () => produceAndConsume({ acks: 0 }),
  'produce-acks-1': () => produceAndConsume({ acks: 1 }),
  'produce-acks-all': () => produceAndConsume({ acks: 'all' }),

  async headers() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    const p = await producer()
    await produce(p, topic, [
      {
        key: 'k',
        value: 'v',
        headers: [{ 'trace-id': Buffer.from('abc') }, { empty: Buffer.alloc(0) }, { 'trace-id': 'again' }],
      },
    ])
    const c = await consumer()
    c.subscribe([topic])
    const [m] = await collect(c, 1)
    check(m !== undefined, 'nothing consumed')
    const headers = (m.headers ?? []).flatMap((h) =>
      Object.entries(h).map(([k, v]) => `${k}=${v.toString()}`),
    )
    check(headers.join() === 'trace-id=abc,empty=,trace-id=again', () => `headers ${JSON.stringify(headers)}`)
  },

  async 'large-message'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    const value = 'L'.repeat(900 * 1024)
    await produce(await producer(), topic, [{ value }, { value: 'after' }])
    const c = await consumer()
    c.subscribe([topic])
    const got = await collect(c, 2)
    check(
      valuesOf(got).join() === [value, 'after'].join(),
      () =>
        `sizes ${valuesOf(got)
          .map((v) => v.length)
          .join()}`,
    )
  },

  'compression-gzip': () => produceAndConsume({ 'compression.type': 'gzip' }),
  'compression-snappy': () => produceAndConsume({ 'compression.type': 'snappy' }),
  'compression-lz4': () => produceAndConsume({ 'compression.type': 'lz4' }),
  'compression-zstd': () => produceAndConsume({ 'compression.type': 'zstd' }),
  'consume-earliest': () => produceAndConsume(),

  async 'consume-latest'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    const p = await producer()
    await produce(p, topic, [{ value: 'old-1' }, { value: 'old-2' }])
    const c = await consumer(undefined, { 'auto.offset.reset': 'latest' })
    c.subscribe([topic])
    await pollUntil(
      [c],
      () => assigned(c, topic).length === 1,
      () => 'never assigned',
    )
    // The reset to latest resolves asynchronously after assignment; let it settle.
    await collect(c, 1, 1500)
    await produce(p, topic, [{ value: 'new-1' }])
    const got = await collect(c, 1)
    got.push(...(await collect(c, 5, 500)))
    check(valuesOf(got).join() === 'new-1', () => `consumed ${valuesOf(got).join()}`)
  },

  async 'consume-committed'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    await produce(
      await producer(),
      topic,
      ['a', 'b', 'c', 'd'].map((value) => ({ value })),
    )
    const group = `${PREFIX}-g`
    const committer = await consumer(group)
    committer.commitSync([{ topic, partition: 0, offset: 2 }])
    const [committed] = await call(committer, 'committed', [{ topic, partition: 0 }], remaining())
    check(committed?.offset === 2, () => `committed ${committed?.offset}`)
    await close(committer)
    const c = await consumer(group)
    c.subscribe([topic])
    const got = await collect(c, 2)
    check(valuesOf(got).join() === 'c,d', () => `consumed ${valuesOf(got).join()}`)
  },

  async 'consume-timestamp'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    const t0 = Date.now() - 60_000
    await produce(
      await producer(),
      topic,
      ['a', 'b', 'c'].map((value, i) => ({ value, timestamp: t0 + i * 1000 })),
    )
    const c = await consumer()
    const [found] = await call(c, 'offsetsForTimes', [{ topic, partition: 0, offset: t0 + 500 }], remaining())
    check(found?.offset === 1, () => `offset for timestamp ${found?.offset}`)
    // The admin API's ListOffsets (by timestamp and max-timestamp, KIP-734) agrees.
    const listed = await call(
      admin(),
      'listOffsets',
      [{ topic, partition: 0, offset: new Kafka.OffsetSpec(t0 + 500) }],
      { timeout: remaining() },
    )
    check(listed[0]?.offset === 1, () => `listOffsets by timestamp ${JSON.stringify(listed)}`)
    const max = await call(
      admin(),
      'listOffsets',
      [{ topic, partition: 0, offset: Kafka.OffsetSpec.MAX_TIMESTAMP }],
      { timeout: remaining() },
    )
    check(max[0]?.offset === 2, () => `listOffsets max timestamp ${JSON.stringify(max)}`)
    c.assign([{ topic, partition: 0, offset: found.offset }])
    const got = await collect(c, 2)
    check(valuesOf(got).join() === 'b,c', () => `consumed ${valuesOf(got).join()}`)
  },

  async 'group-members'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic, 4)
    const group = `${PREFIX}-g`
    const [a, b] = await Promise.all([consumer(group), consumer(group)])
    a.subscribe([topic])
    b.subscribe([topic])
    await pollUntil(
      [a, b],
      () => assigned(a, topic).length === 2 && assigned(b, topic).length === 2,
      () => `assignments ${assigned(a, topic)} / ${assigned(b, topic)}`,
    )
    check(
      [...assigned(a, topic), ...assigned(b, topic)].sort().join() === '0,1,2,3',
      'overlapping assignments',
    )
  },

  async 'group-rebalance'() {
    await rebalance({})
  },

  async 'group-resume'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    const p = await producer()
    await produce(
      p,
      topic,
      ['a', 'b', 'c'].map((value) => ({ value })),
    )
    const group = `${PREFIX}-g`
    const first = await consumer(group)
    first.subscribe([topic])
    const got1 = await collect(first, 3)
    check(valuesOf(got1).join() === 'a,b,c', () => `first consumer got ${valuesOf(got1).join()}`)
    first.commitSync(null)
    await close(first)
    await produce(
      p,
      topic,
      ['d', 'e'].map((value) => ({ value })),
    )
    const second = await consumer(group)
    second.subscribe([topic])
    const got2 = await collect(second, 2)
    got2.push(...(await collect(second, 5, 500)))
    check(valuesOf(got2).join() === 'd,e', () => `second consumer got ${valuesOf(got2).join()}`)
  },

  async 'group-consumer-protocol'() {
    // KIP-848: two members (one subscribed by name, one by regex) split 4 partitions through
    // ConsumerGroupHeartbeat (server-side assignor), consume and commit with member epochs, the
    // group describes as a consumer group (ConsumerGroupDescribe), the survivor takes every
    // partition when the other leaves, and a restarted member resumes from the commits.
    const topic = `${PREFIX}-t`
    await createTopic(topic, 4)
    await produce(
      await producer(),
      topic,
      Array.from({ length: 8 }, (_, i) => ({ value: `v${i}`, partition: i % 4 })),
    )
    const group = `${PREFIX}-g`
    const conf = { 'group.protocol': 'consumer' }
    const [a, b] = await Promise.all([consumer(group, conf), consumer(group, conf)])
    a.subscribe([topic])
    // The second member subscribes by pattern: librdkafka 2.1x sends it as SubscribedTopicRegex
    // (ConsumerGroupHeartbeat v1) and the broker resolves it.
    b.subscribe([new RegExp(`^${PREFIX}-t$`)])
    const seen = []
    const pollBoth = async () => {
      for (const msgs of await Promise.all([a, b].map((c) => pollOnce(c, 10)))) seen.push(...msgs)
    }
    while (!(
      assigned(a, topic).length === 2 &&
      assigned(b, topic).length === 2 &&
      new Set(valuesOf(seen)).size >= 8
    )) {
      check(
        Date.now() < DEADLINE - 8000,
        () => `assignments ${assigned(a, topic)} / ${assigned(b, topic)}, consumed ${seen.length}/8`,
      )
      await pollBoth()
    }
    check(
      [...assigned(a, topic), ...assigned(b, topic)].sort().join() === '0,1,2,3',
      'overlapping assignments',
    )
    check(a.rebalanceProtocol() === 'COOPERATIVE', () => `rebalance protocol ${a.rebalanceProtocol()}`)
    check(
      [...new Set(valuesOf(seen))].sort().join() === Array.from({ length: 8 }, (_, i) => `v${i}`).join(),
      () => `consumed ${valuesOf(seen)}`,
    )
    // Each member commits its own partitions (OffsetCommit with its member epoch). Explicit offsets:
    // a member may own partitions it has not read from yet (the first member can read all four
    // before it revokes two; the second then reads those again, at-least-once, without a commit).
    for (const c of [a, b])
      c.commitSync(assigned(c, topic).map((partition) => ({ topic, partition, offset: 2 })))
    const committed = await call(
      a,
      'committed',
      [0, 1, 2, 3].map((partition) => ({ topic, partition })),
      remaining(),
    )
    check(
      committed.every((tp) => tp.offset === 2),
      () => `committed ${JSON.stringify(committed.map((tp) => tp.offset))}`,
    )
    const described = await call(admin(), 'describeGroups', [group], { timeout: remaining() })
    const g = described.groups[0]
    check(
      g !== undefined && !g.error && g.type === 1,
      () => `describeGroups type ${g?.type} error ${g?.error?.message}`,
    ) // CONSUMER
    check(g.members.length === 2, () => `describeGroups members ${g.members.length}`)
    const memberParts = g.members
      .flatMap((m) => m.assignment.topicPartitions.map((tp) => tp.partition))
      .sort()
      .join()
    check(memberParts === '0,1,2,3', () => `member assignments ${memberParts}`)
    await close(b)
    await pollUntil(
      [a],
      () => assigned(a, topic).length === 4,
      () => `after leave, first member has ${assigned(a, topic)}`,
    )
    // Restart: a new member resumes from the offsets committed with member epochs, no re-delivery.
    await close(a)
    await produce(
      await producer(),
      topic,
      Array.from({ length: 4 }, (_, i) => ({ value: `w${i}`, partition: i })),
    )
    const c = await consumer(group, conf)
    c.subscribe([topic])
    const resumed = await collect(c, 4, remaining() - 1500)
    resumed.push(...(await collect(c, 10, 500)))
    check(
      valuesOf(resumed).sort().join() === 'w0,w1,w2,w3',
      () => `after restart consumed ${valuesOf(resumed).join()}`,
    )
  },

  async 'group-protocol-upgrade'() {
    // The rolling upgrade of an application from group.protocol=classic to consumer: with Kafka 4's
    // default group.consumer.migration.policy (bidirectional) the first consumer-protocol member
    // converts the live classic group, and the classic member keeps its share through JoinGroup/
    // SyncGroup until it restarts too.
    const topic = `${PREFIX}-t`
    await createTopic(topic, 4)
    const group = `${PREFIX}-g`
    const a = await consumer(group)
    a.subscribe([topic])
    await pollUntil(
      [a],
      () => assigned(a, topic).length === 4,
      () => `classic member has ${assigned(a, topic)}`,
    )
    const b = await consumer(group, { 'group.protocol': 'consumer' })
    b.subscribe([topic])
    await pollUntil(
      [a, b],
      () => assigned(a, topic).length === 2 && assigned(b, topic).length === 2,
      () => `after the upgrade: classic member ${assigned(a, topic)}, consumer member ${assigned(b, topic)}`,
    )
    check(
      [...assigned(a, topic), ...assigned(b, topic)].sort().join() === '0,1,2,3',
      'overlapping assignments',
    )
  },

  async 'group-describe'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    await produce(
      await producer(),
      topic,
      ['a', 'b', 'c', 'd'].map((value) => ({ value })),
    )
    const group = `${PREFIX}-g`
    const c = await consumer(group)
    c.subscribe([topic])
    const got = await collect(c, 4)
    check(got.length === 4, () => `consumed ${got.length}/4`)
    c.commitSync([{ topic, partition: 0, offset: 2 }])
    const listed = await call(admin(), 'listGroups', { timeout: remaining() })
    const overview = listed.groups.find((g) => g.groupId === group)
    check(overview !== undefined, () => `listGroups ${JSON.stringify(listed.groups.map((g) => g.groupId))}`)
    check(overview.type === 2, () => `listGroups type ${overview.type}`) // CLASSIC (ListGroups v5 types)
    const { groups } = await call(admin(), 'describeGroups', [group], { timeout: remaining() })
    const g = groups[0]
    check(
      g !== undefined && !g.error && g.state === 3 && g.protocolType === 'consumer' && g.members.length === 1,
      () => `describeGroups ${g?.error?.message} state ${g?.state} ${g?.protocolType} ${g?.members.length}`,
    )
    const parts = g.members[0].assignment.topicPartitions.map((tp) => `${tp.topic}/${tp.partition}`)
    check(parts.join() === `${topic}/0`, () => `member assignment ${parts.join()}`)
    const offsets = await call(admin(), 'listConsumerGroupOffsets', [{ groupId: group, partitions: null }], {
      timeout: remaining(),
    })
    const committed = offsets[0]?.partitions.find((tp) => tp.topic === topic && tp.partition === 0)?.offset
    const [latest] = await call(
      admin(),
      'listOffsets',
      [{ topic, partition: 0, offset: Kafka.OffsetSpec.LATEST }],
      { timeout: remaining() },
    )
    check(
      committed === 2 && latest?.offset - committed === 2,
      () => `committed ${committed}, end ${latest?.offset}`,
    )
    await close(c)
    const deleted = await call(admin(), 'deleteGroups', [group], { timeout: remaining() })
    check(
      deleted[0] !== undefined && !deleted[0].error && !deleted[0]?.errorCode,
      () => `deleteGroups ${JSON.stringify(deleted)}`,
    )
    const after = await call(admin(), 'listGroups', { timeout: remaining() })
    check(!after.groups.some((x) => x.groupId === group), 'group still listed after delete')
  },

  async 'delete-records'() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    await produce(
      await producer(),
      topic,
      ['a', 'b', 'c', 'd'].map((value) => ({ value })),
    )
    const [r] = await call(admin(), 'deleteRecords', [{ topic, partition: 0, offset: 2 }], {
      timeout: remaining(),
    })
    check(r !== undefined && !r.error && r.lowWatermark === 2, () => `deleteRecords ${JSON.stringify(r)}`)
    const [earliest] = await call(
      admin(),
      'listOffsets',
      [{ topic, partition: 0, offset: Kafka.OffsetSpec.EARLIEST }],
      { timeout: remaining() },
    )
    check(earliest?.offset === 2, () => `earliest offset ${earliest?.offset}`)
    const c = await consumer()
    c.subscribe([topic])
    const got = await collect(c, 2)
    check(valuesOf(got).join() === 'c,d', () => `consumed ${valuesOf(got).join()}`)
  },

  async idempotent() {
    await produceAndConsume({ 'enable.idempotence': true, acks: 'all' })
    // Pipelined: 5 requests in flight per connection, small batches over 4 partitions, so the
    // broker checks sequence numbers across many in-flight batches per producer and partition.
    const topic = `${PREFIX}-pipelined`
    await createTopic(topic, 4)
    const p = await producer({
      'enable.idempotence': true,
      'max.in.flight': 5,
      'linger.ms': 0,
      'batch.num.messages': 20,
    })
    const n = 2000
    const delivered = await produce(
      p,
      topic,
      Array.from({ length: n }, (_, i) => ({ key: `k${i % 97}`, value: `p${i}` })),
    )
    for (let partition = 0; partition < 4; partition++) {
      const offsets = delivered.filter((d) => d.partition === partition).map((d) => d.offset)
      check(
        offsets.every((o, i) => o === i),
        () => `partition ${partition}: offsets not 0..${offsets.length - 1} in order`,
      )
    }
    const c = await consumer()
    c.subscribe([topic])
    const got = await collect(c, n)
    got.push(...(await collect(c, 10, 300)))
    const distinct = new Set(valuesOf(got))
    check(
      got.length === n && distinct.size === n,
      () => `consumed ${got.length}, distinct ${distinct.size} of ${n}`,
    )
  },

  async transactions() {
    const topic = `${PREFIX}-t`
    await createTopic(topic)
    const p = await producer({ 'transactional.id': `${PREFIX}-txn` })
    await call(p, 'initTransactions', remaining())
    // Consume-transform-produce: offsets sent with a transaction count only if it commits.
    const txConsumer = await consumer(`${PREFIX}-txn-group`)
    for (const [value, commit, offset] of [
      ['committed-1', true, 1],
      ['aborted', false, 7],
      ['committed-2', true, undefined],
    ]) {
      await call(p, 'beginTransaction')
      p.produce(topic, null, Buffer.from(value))
      if (offset !== undefined)
        await call(p, 'sendOffsetsToTransaction', [{ topic, partition: 0, offset }], txConsumer, remaining())
      // Flushed first: librdkafka purges records still queued in the client on abort, and the
      // aborted record must reach the log for the read_uncommitted check below.
      await call(p, 'flush', remaining())
      await call(p, commit ? 'commitTransaction' : 'abortTransaction', remaining())
    }
    const [committed] = await call(txConsumer, 'committed', [{ topic, partition: 0 }], remaining())
    check(
      committed?.offset === 1,
      () => `offset committed with the transactions: ${committed?.offset}, expected 1`,
    )
    const c = await consumer(undefined, { 'isolation.level': 'read_committed' })
    c.subscribe([topic])
    const got = await collect(c, 2)
    got.push(...(await collect(c, 5, 500)))
    check(
      valuesOf(got).join() === 'committed-1,committed-2',
      () => `read_committed got ${valuesOf(got).join()}`,
    )
    // read_uncommitted sees the aborted record too (and the markers are skipped).
    const u = await consumer(undefined, { 'isolation.level': 'read_uncommitted' })
    u.subscribe([topic])
    const all = await collect(u, 3)
    check(
      valuesOf(all).join() === 'committed-1,aborted,committed-2',
      () => `read_uncommitted got ${valuesOf(all).join()}`,
    )
  },
}

/** group-rebalance: one member takes all, a second joins (2+2), leaves (back to 4). */
async function rebalance(conf) {
  const topic = `${PREFIX}-t`
  await createTopic(topic, 4)
  const group = `${PREFIX}-g`
  const a = await consumer(group, conf)
  a.subscribe([topic])
  await pollUntil(
    [a],
    () => assigned(a, topic).join() === '0,1,2,3',
    () => `first member has ${assigned(a, topic)}`,
  )
  const b = await consumer(group, conf)
  b.subscribe([topic])
  await pollUntil(
    [a, b],
    () => assigned(a, topic).length === 2 && assigned(b, topic).length === 2,
    () => `after join: ${assigned(a, topic)} / ${assigned(b, topic)}`,
  )
  await close(b)
  await pollUntil(
    [a],
    () => assigned(a, topic).join() === '0,1,2,3',
    () => `after leave, first member has ${assigned(a, topic)}`,
  )
}

/** Disconnects a producer or consumer (a consumer leaves its group), bounded in time. */
async function close(client) {
  const i = opened.indexOf(client)
  if (i >= 0) opened.splice(i, 1)
  await Promise.race([new Promise((resolve) => client.disconnect(() => resolve())), sleep(3000)])
}

async function closeAll() {
  await Promise.all([...opened].map((client) => close(client).catch(() => {})))
  try {
    adminClient?.disconnect()
  } catch {
    // Already gone: nothing to release.
  }
}

async function main() {
  if (SCENARIO === '--version') {
    const { default: pkg } = await import('@confluentinc/kafka-javascript/package.json', {
      with: { type: 'json' },
    })
    console.log(
      JSON.stringify({ package: pkg.version, librdkafka: Kafka.librdkafkaVersion, features: Kafka.features }),
    )
    return
  }
  let verdict
  try {
    const fn = SCENARIOS[SCENARIO]
    if (fn === undefined) throw new Failed(`no implementation of ${SCENARIO}`)
    await fn()
    verdict = { status: 'pass' }
  } catch (err) {
    verdict =
      err instanceof Unsupported
        ? { status: 'unsupported', reason: err.message }
        : { status: 'fail', reason: `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}` }
  }
  await closeAll()
  console.log(JSON.stringify(verdict))
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
