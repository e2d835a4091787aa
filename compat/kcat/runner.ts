// kcat 1.7 on Debian's librdkafka 2.0.2: the command-line producer/consumer. kcat has no admin
// operations, so topics with several partitions are created directly in the broker for set-up,
// and the admin scenarios are "unsupported". Each step is one kcat process, killed on timeout.

import { check, eventually, sleep } from '../harness/assert.ts'
import { runChild, startChild, type ChildOutput } from '../harness/external.ts'
import { Unsupported } from '../harness/results.ts'
import type { ClientRunner, ScenarioContext } from '../harness/runner.ts'

const KCAT = 'kcat'
/** Fast failure instead of librdkafka's default retries, and quiet logs. */
const COMMON = [
  '-X',
  'log_level=3',
  '-X',
  'socket.timeout.ms=8000',
  '-X',
  'topic.metadata.refresh.interval.ms=1000',
]

async function kcat(ctx: ScenarioContext, args: readonly string[], input?: string): Promise<ChildOutput> {
  const out = await runChild(ctx, KCAT, ['-b', ctx.bootstrap, ...COMMON, ...args], { input })
  if (out.code !== 0)
    throw new Error(
      `kcat ${args.join(' ')} exited ${out.code}: ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    )
  return out
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '')
}

async function produce(
  ctx: ScenarioContext,
  topic: string,
  input: string[],
  extra: readonly string[] = [],
): Promise<void> {
  const out = await kcat(ctx, ['-P', '-t', topic, ...extra], input.join('\n') + '\n')
  check(!/Delivery failed|ERROR/i.test(out.stderr), `produce: ${out.stderr.trim()}`)
}

async function consumeAll(
  ctx: ScenarioContext,
  topic: string,
  extra: readonly string[] = [],
  format = '%s\\n',
): Promise<string[]> {
  const out = await kcat(ctx, ['-C', '-t', topic, '-o', 'beginning', '-e', '-f', format, ...extra])
  return lines(out.stdout)
}

async function produceAndConsume(ctx: ScenarioContext, extra: readonly string[] = []): Promise<void> {
  const topic = ctx.topic()
  await ctx.createTopicDirect(topic, 1)
  const values = Array.from({ length: 20 }, (_, i) => `value-${i}-${'x'.repeat(50)}`)
  await produce(ctx, topic, values, extra)
  const got = await consumeAll(ctx, topic, [], '%o %s\\n')
  check(got.map((l) => l.split(' ')[1]).join() === values.join(), `consumed ${got.length}/20`)
  check(
    got.every((l, i) => l.startsWith(`${i} `)),
    'offsets not 0..19',
  )
}

/** The partitions of `topic` in a group member's latest "rebalanced ... assigned:" line. */
function assigned(stderr: string, topic: string): number[] | undefined {
  const events = lines(stderr).filter((l) => /Group .* rebalanced/.test(l))
  const last = events.at(-1)
  if (last === undefined) return undefined
  if (/revoked/.test(last)) return []
  return [...last.matchAll(new RegExp(`${topic} \\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])).sort()
}

function groupMember(ctx: ScenarioContext, group: string, topic: string) {
  return startChild(ctx, KCAT, [
    '-b',
    ctx.bootstrap,
    ...COMMON,
    '-u',
    '-X',
    'log_level=6',
    '-G',
    group,
    '-f',
    '%s\\n',
    topic,
  ])
}

const unsupported = (reason: string) => (): Promise<void> => Promise.reject(new Unsupported(reason))
const NO_ADMIN = 'kcat has no admin operations'

const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<void>> = {
  async 'large-message'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 1)
    const value = 'L'.repeat(900 * 1024)
    await produce(ctx, topic, [value, 'after'])
    const got = await consumeAll(ctx, topic)
    check(
      got.length === 2 && got[0] === value && got[1] === 'after',
      `sizes ${got.map((g) => g.length).join()}`,
    )
  },

  async connect(ctx) {
    const md = JSON.parse((await kcat(ctx, ['-L', '-J'])).stdout) as {
      brokers: unknown[]
      controllerid: number
    }
    check(md.brokers.length === 1 && md.controllerid >= 0, `metadata ${JSON.stringify(md)}`)
  },

  async 'metadata-auto-create'(ctx) {
    const topic = ctx.topic()
    const md = JSON.parse((await kcat(ctx, ['-L', '-J', '-t', topic])).stdout) as {
      topics: Array<{ topic: string; partitions: unknown[]; error?: string }>
    }
    const t = md.topics.find((x) => x.topic === topic)
    check(
      t !== undefined && t.error === undefined && t.partitions.length === 1,
      `metadata ${JSON.stringify(md.topics)}`,
    )
  },

  'topic-create': unsupported(NO_ADMIN),
  'topic-describe': unsupported(`${NO_ADMIN} (-L shows partitions, not configs)`),
  'config-alter': unsupported(NO_ADMIN),
  'partitions-create': unsupported(NO_ADMIN),
  'topic-delete': unsupported(NO_ADMIN),
  'delete-records': unsupported(NO_ADMIN),
  'group-describe': unsupported('kcat cannot list or describe groups'),
  'group-consumer-protocol': unsupported('librdkafka 2.0.2 has no KIP-848 consumer'),
  'group-protocol-upgrade': unsupported('librdkafka 2.0.2 has no KIP-848 consumer'),

  async 'produce-keys'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 4)
    await produce(
      ctx,
      topic,
      Array.from({ length: 12 }, (_, i) => `key-${i % 3}:k${i}`),
      ['-K', ':'],
    )
    await produce(
      ctx,
      topic,
      Array.from({ length: 6 }, (_, i) => `u${i}`),
    )
    const got = (await consumeAll(ctx, topic, [], '%p|%k|%s\\n')).map((l) => l.split('|'))
    check(got.length === 18, `consumed ${got.length}/18`)
    for (const key of ['key-0', 'key-1', 'key-2']) {
      const parts = new Set(got.filter((g) => g[1] === key).map((g) => g[0]))
      check(parts.size === 1, `${key} on partitions ${[...parts].join()}`)
    }
    check(got.filter((g) => g[1] === '').length === 6, 'unkeyed records missing')
  },

  'produce-acks-0': (ctx) => produceAndConsume(ctx, ['-X', 'acks=0']),
  'produce-acks-1': (ctx) => produceAndConsume(ctx, ['-X', 'acks=1']),
  'produce-acks-all': (ctx) => produceAndConsume(ctx, ['-X', 'acks=all']),

  async headers(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 1)
    await produce(ctx, topic, ['v'], ['-H', 'trace-id=abc', '-H', 'empty='])
    const got = await consumeAll(ctx, topic, [], '%h\\n')
    check(got[0] === 'trace-id=abc,empty=', `headers ${JSON.stringify(got)}`)
  },

  'compression-gzip': (ctx) => produceAndConsume(ctx, ['-z', 'gzip']),
  'compression-snappy': (ctx) => produceAndConsume(ctx, ['-z', 'snappy']),
  'compression-lz4': (ctx) => produceAndConsume(ctx, ['-z', 'lz4']),
  'compression-zstd': (ctx) => produceAndConsume(ctx, ['-z', 'zstd']),

  'consume-earliest': (ctx) => produceAndConsume(ctx),

  async 'consume-latest'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 1)
    await produce(ctx, topic, ['old-1', 'old-2'])
    const c = startChild(ctx, KCAT, [
      '-b',
      ctx.bootstrap,
      ...COMMON,
      '-u',
      '-C',
      '-t',
      topic,
      '-o',
      'end',
      '-f',
      '%s\\n',
    ])
    // The end offset is looked up asynchronously after start; give it time before producing.
    await sleep(1500)
    await produce(ctx, topic, ['new-1'])
    await eventually(
      ctx,
      () => lines(c.stdout()).length >= 1,
      () => 'new record not consumed',
    )
    await sleep(300)
    const out = await c.stop()
    check(lines(out.stdout).join() === 'new-1', `consumed ${lines(out.stdout).join()}`)
  },

  async 'consume-committed'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 1)
    await produce(ctx, topic, ['a', 'b', 'c', 'd'])
    const group = ctx.id('group')
    // A balanced consumer reads two records and commits on close...
    const first = await kcat(ctx, [
      '-G',
      group,
      '-c',
      '2',
      '-f',
      '%s\\n',
      '-X',
      'auto.offset.reset=earliest',
      topic,
    ])
    check(lines(first.stdout).join() === 'a,b', `group consumer read ${lines(first.stdout).join()}`)
    // ...and the simple consumer resumes from the stored (committed) offset.
    const rest = await consumeAll(ctx, topic, ['-p', '0', '-o', 'stored', '-X', `group.id=${group}`])
    check(rest.join() === 'c,d', `resumed with ${rest.join()}`)
  },

  async 'consume-timestamp'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 1)
    const t0 = Date.now() - 60_000
    // kcat cannot set a record timestamp, so records are spaced in time and looked up by theirs.
    for (const v of ['a', 'b', 'c']) {
      await produce(ctx, topic, [v])
      await sleep(50)
    }
    const withTs = (await consumeAll(ctx, topic, [], '%T %s\\n')).map((l) => l.split(' '))
    check(withTs.length === 3 && Number(withTs[0]![0]) > t0, `timestamps ${JSON.stringify(withTs)}`)
    const ts = withTs[1]![0]!
    const got = await kcat(ctx, ['-C', '-t', topic, '-p', '0', '-o', `s@${ts}`, '-e', '-f', '%s\\n'])
    check(lines(got.stdout).join() === 'b,c', `from timestamp ${ts}: ${lines(got.stdout).join()}`)
  },

  async 'group-members'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 4)
    const group = ctx.id('group')
    const a = groupMember(ctx, group, topic)
    const b = groupMember(ctx, group, topic)
    await eventually(
      ctx,
      () => assigned(a.stderr(), topic)?.length === 2 && assigned(b.stderr(), topic)?.length === 2,
      () =>
        `assignments ${JSON.stringify(assigned(a.stderr(), topic))} ${JSON.stringify(assigned(b.stderr(), topic))}`,
    )
    const all = [...assigned(a.stderr(), topic)!, ...assigned(b.stderr(), topic)!].sort()
    check(all.join() === '0,1,2,3', `partitions ${all.join()}`)
    await Promise.all([a.stop(), b.stop()])
  },

  async 'group-rebalance'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 4)
    const group = ctx.id('group')
    const a = groupMember(ctx, group, topic)
    await eventually(
      ctx,
      () => assigned(a.stderr(), topic)?.length === 4,
      () => `first member: ${a.stderr().trim()}`,
    )
    const b = groupMember(ctx, group, topic)
    await eventually(
      ctx,
      () => assigned(a.stderr(), topic)?.length === 2,
      () => `after join: ${a.stderr().trim()}`,
    )
    await b.stop()
    await eventually(
      ctx,
      () => assigned(a.stderr(), topic)?.length === 4,
      () => `after leave: ${a.stderr().trim()}`,
    )
    await a.stop()
  },

  async 'group-resume'(ctx) {
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 1)
    await produce(ctx, topic, ['a', 'b', 'c'])
    const group = ctx.id('group')
    const args = ['-G', group, '-f', '%s\\n', '-X', 'auto.offset.reset=earliest']
    const first = await kcat(ctx, [...args, '-c', '3', topic])
    check(lines(first.stdout).join() === 'a,b,c', `first consumer got ${lines(first.stdout).join()}`)
    await produce(ctx, topic, ['d', 'e'])
    const second = await kcat(ctx, [...args, '-c', '2', topic])
    check(lines(second.stdout).join() === 'd,e', `second consumer got ${lines(second.stdout).join()}`)
  },

  idempotent: (ctx) => produceAndConsume(ctx, ['-X', 'enable.idempotence=true']),

  async transactions(ctx) {
    // kcat's transactional producer commits its whole input as one transaction at exit; it has
    // no way to abort, so this checks commit visibility under read_committed only.
    const topic = ctx.topic()
    await ctx.createTopicDirect(topic, 1)
    await produce(ctx, topic, ['committed-1', 'committed-2'], ['-X', `transactional.id=${ctx.id('txn')}`])
    const got = await consumeAll(ctx, topic, ['-X', 'isolation.level=read_committed'])
    check(got.join() === 'committed-1,committed-2', `read_committed got ${got.join()}`)
  },
}

export const runner: ClientRunner = {
  name: 'kcat',
  async detect() {
    const ctx = { signal: new AbortController().signal, defer: () => {} } as unknown as ScenarioContext
    let out: ChildOutput
    try {
      out = await runChild(ctx, KCAT, ['-V'])
    } catch (err) {
      return { missing: `kcat: ${(err as Error).message}` }
    }
    const m = /Version (\S+) .*librdkafka (\S+)/.exec(out.stdout + out.stderr)
    if (m === null) return { missing: `kcat -V printed no version: ${out.stderr.trim()}` }
    return { version: `kcat ${m[1]}, librdkafka ${m[2]}`, label: `librdkafka-${m[2]}-kcat-${m[1]}` }
  },
  async run(scenario, ctx) {
    const fn = SCENARIOS[scenario]
    if (fn === undefined) throw new Error(`no kcat implementation of '${scenario}'`)
    await fn(ctx)
  },
}
