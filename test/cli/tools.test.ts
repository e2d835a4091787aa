// The CLI tools end to end against an in-process broker on 127.0.0.1:0.

import { execFile } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startBroker, type RunningBroker } from '../../src/index.ts'
import { EXIT } from '../../src/cli/tools/exit-codes.ts'
import { samsa } from './run-tool.ts'

let broker: RunningBroker
let b: string[]

beforeAll(async () => {
  broker = await startBroker({ port: 0, log: { level: 'silent' } })
  b = ['-b', broker.bootstrap]
})
afterAll(async () => {
  await broker.close()
})

describe('topics', () => {
  test('create, list, describe, alter, delete', async () => {
    let r = await samsa([
      'topics',
      'create',
      'orders',
      '--partitions',
      '3',
      '--config',
      'retention.ms=60000',
      ...b,
    ])
    expect(r).toMatchObject({ code: EXIT.OK })
    expect(r.stdout).toContain("Created topic 'orders' (3 partitions)")

    r = await samsa(['topics', 'create', 'orders', ...b])
    expect(r.code).toBe(EXIT.FAILED)
    expect(r.stderr).toContain('TOPIC_ALREADY_EXISTS')
    expect((await samsa(['topics', 'create', 'orders', '--if-not-exists', ...b])).code).toBe(EXIT.OK)

    r = await samsa(['topics', 'list', ...b])
    expect(r.stdout).toMatch(/^NAME\s+PARTITIONS\norders\s+3\n/)
    r = await samsa(['topics', 'list', '--json', ...b])
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ name: 'orders', partitions: 3, internal: false }),
    ])

    r = await samsa(['topics', 'describe', 'orders', '--json', ...b])
    const [d] = JSON.parse(r.stdout) as Array<{ configs: Record<string, string>; partitions: unknown[] }>
    expect(d!.configs).toMatchObject({ 'retention.ms': '60000' })
    expect(d!.partitions).toHaveLength(3)
    expect(d!.partitions[0]).toMatchObject({
      partition: 0,
      leader: broker.nodeId,
      logStartOffset: 0,
      highWatermark: 0,
    })
    r = await samsa(['topics', 'describe', 'orders', ...b])
    expect(r.stdout).toContain('Topic: orders')
    expect(r.stdout).toMatch(/PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+LOG-START-OFFSET\s+HIGH-WATERMARK/)

    r = await samsa([
      'topics',
      'alter',
      'orders',
      '--partitions',
      '5',
      '--config',
      'cleanup.policy=compact',
      ...b,
    ])
    expect(r.code).toBe(EXIT.OK)
    r = await samsa(['configs', 'describe', '--topic', 'orders', '--json', ...b])
    const cfg = JSON.parse(r.stdout) as Array<{ name: string; value: string; source: string }>
    expect(cfg).toContainEqual(
      expect.objectContaining({ name: 'cleanup.policy', value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG' }),
    )
    expect((await samsa(['topics', 'describe', 'orders', '--json', ...b])).stdout).toContain('"partition":4')

    expect((await samsa(['topics', 'delete', 'orders', ...b])).code).toBe(EXIT.OK)
    r = await samsa(['topics', 'delete', 'orders', ...b])
    expect(r.code).toBe(EXIT.FAILED)
    expect(r.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION')
    expect((await samsa(['topics', 'delete', 'orders', '--if-exists', ...b])).code).toBe(EXIT.OK)
    r = await samsa(['topics', 'describe', 'orders', ...b])
    expect(r.code).toBe(EXIT.FAILED)
  })
})

describe('produce and consume', () => {
  test('keys, headers, partitions by murmur2, formats, offsets and timestamps', async () => {
    await samsa(['topics', 'create', 'events', '--partitions', '4', ...b])
    const lines = Array.from({ length: 50 }, (_, i) => `user-${i % 7}|payload ${i}`).join('\n') + '\n'
    let r = await samsa(
      ['produce', 'events', '--key-separator', '|', '-H', 'source=cli', '-H', 'v=1', '--json', ...b],
      { stdin: lines },
    )
    expect(r.code).toBe(EXIT.OK)
    const acks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { partition: number; offset: number })
    expect(acks).toHaveLength(50)

    r = await samsa(['consume', 'events', '--from-beginning', '--exit', '--json', ...b])
    expect(r.code).toBe(EXIT.OK)
    expect(r.stderr).toContain('Processed a total of 50 messages')
    const recs = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            partition: number
            offset: number
            key: string
            value: string
            headers: Record<string, string>
          },
      )
    expect(recs).toHaveLength(50)
    expect(recs[0]!.headers).toEqual({ source: 'cli', v: '1' })
    // Same key, same partition (murmur2 as the Java client): each key lives in exactly one partition.
    const partitionsByKey = new Map<string, Set<number>>()
    for (const x of recs)
      partitionsByKey.set(x.key, (partitionsByKey.get(x.key) ?? new Set()).add(x.partition))
    for (const ps of partitionsByKey.values()) expect(ps.size).toBe(1)
    // Per-key order is kept.
    const user0 = recs.filter((x) => x.key === 'user-0').map((x) => Number(x.value.split(' ')[1]))
    expect(user0).toEqual([...user0].sort((a, c) => a - c))

    r = await samsa([
      'consume',
      'events',
      '-p',
      '0',
      '--offset',
      '1',
      '-n',
      '2',
      '-f',
      'kv',
      '--separator',
      '=',
      ...b,
    ])
    expect(r.code).toBe(EXIT.OK)
    expect(r.stdout.trim().split('\n')).toHaveLength(2)
    expect(r.stdout).toMatch(/^user-\d=payload \d+\n/)

    // --timestamp: records produced after T only.
    const t = Date.now() + 1
    await new Promise((res) => setTimeout(res, 5))
    await samsa(['produce', 'events', '-p', '2', '-z', 'gzip', ...b], { stdin: 'late-1\nlate-2\n' })
    r = await samsa(['consume', 'events', '--timestamp', String(t), '--exit', ...b])
    expect(r.stdout).toBe('late-1\nlate-2\n')
    r = await samsa(['consume', 'events', '--timestamp', new Date(t).toISOString(), '--exit', ...b])
    expect(r.stdout).toBe('late-1\nlate-2\n')
  })

  test('acks=0 sends without waiting for answers; produce auto-creates a topic when the broker allows it', async () => {
    let r = await samsa(['produce', 'fresh', '--acks', '0', ...b], { stdin: 'one\ntwo\n' })
    expect(r.code, r.stderr).toBe(EXIT.OK)
    r = await samsa(['consume', 'fresh', '--from-beginning', '-n', '2', ...b])
    expect(r.stdout).toBe('one\ntwo\n')
  })

  test('a line without the key separator stops produce with exit 1 after sending the lines before it', async () => {
    await samsa(['topics', 'create', 'strict', ...b])
    const r = await samsa(['produce', 'strict', '-k', ':', ...b], { stdin: 'a:1\nno separator\nb:2\n' })
    expect(r.code).toBe(EXIT.FAILED)
    expect(r.stderr).toContain("line 2 has no key separator ':'")
    const c = await samsa(['consume', 'strict', '--from-beginning', '--exit', '-f', 'kv', ...b])
    expect(c.stdout).toBe('a\t1\n')
  })

  test('consume starts at the end by default and runs until interrupted', async () => {
    await samsa(['topics', 'create', 'live', ...b])
    await samsa(['produce', 'live', ...b], { stdin: 'old\n' })
    let stop!: () => void
    const interrupt = new Promise<void>((res) => (stop = res))
    let seen = false
    const consuming = samsa(['consume', 'live', ...b], { interrupt, onStdout: () => (seen = true) })
    // Keep producing until the consumer (positioned at the end at some point) prints something.
    for (let i = 0; !seen && i < 100; i++) {
      await samsa(['produce', 'live', ...b], { stdin: `new-${i}\n` })
      await new Promise((res) => setTimeout(res, 100))
    }
    stop()
    const r = await consuming
    expect(r.code).toBe(EXIT.OK)
    expect(r.stdout).toMatch(/^(new-\d+\n)+$/)
    expect(r.stderr).toMatch(/Processed a total of \d+ messages?/)
  })
})

describe('groups', () => {
  test('consume --group commits; describe shows lag; reset-offsets dry run and execute; delete', async () => {
    await samsa(['topics', 'create', 'jobs', '--partitions', '2', ...b])
    await samsa(['produce', 'jobs', '-k', '=', ...b], { stdin: 'a=1\nb=2\nc=3\nd=4\ne=5\nf=6\n' })

    let r = await samsa(['consume', 'jobs', '--group', 'workers', '--from-beginning', '-n', '4', ...b])
    expect(r.code).toBe(EXIT.OK)
    expect(r.stdout.trim().split('\n')).toHaveLength(4)

    r = await samsa(['groups', 'list', ...b])
    expect(r.stdout).toMatch(/workers\s+Empty\s+consumer/)

    r = await samsa(['groups', 'describe', 'workers', '--json', ...b])
    const [g] = JSON.parse(r.stdout) as Array<{
      partitions: Array<{ partition: number; currentOffset: number; logEndOffset: number; lag: number }>
    }>
    const lag = g!.partitions.reduce((s, p) => s + p.lag, 0)
    expect(lag).toBe(2)
    for (const p of g!.partitions) expect(p.lag).toBe(p.logEndOffset - p.currentOffset)
    r = await samsa(['groups', 'describe', 'workers', ...b])
    expect(r.stdout).toMatch(
      /^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID\n/,
    )
    expect(r.stderr).toContain("Consumer group 'workers' has no active members.")

    // The rest of the records come to the next member of the group.
    r = await samsa(['consume', 'jobs', '--group', 'workers', '--exit', ...b])
    expect(r.stdout.trim().split('\n')).toHaveLength(2)

    r = await samsa(['groups', 'reset-offsets', 'workers', '--topic', 'jobs', '--to-earliest', ...b])
    expect(r.code).toBe(EXIT.OK)
    expect(r.stdout).toMatch(
      /GROUP\s+TOPIC\s+PARTITION\s+NEW-OFFSET\nworkers\s+jobs\s+0\s+0\nworkers\s+jobs\s+1\s+0\n/,
    )
    expect(r.stderr).toContain('Dry run')
    r = await samsa(['groups', 'describe', 'workers', '--json', ...b])
    expect(r.stdout).toContain('"lag":0')

    r = await samsa([
      'groups',
      'reset-offsets',
      'workers',
      '--topic',
      'jobs:1',
      '--shift-by=-1',
      '--execute',
      '--json',
      ...b,
    ])
    expect(r.code).toBe(EXIT.OK)
    const plan = JSON.parse(r.stdout) as {
      executed: boolean
      offsets: Array<{ partition: number; newOffset: number }>
    }
    expect(plan.executed).toBe(true)
    expect(plan.offsets).toHaveLength(1)
    r = await samsa(['consume', 'jobs', '--group', 'workers', '--exit', ...b])
    expect(r.stdout.trim().split('\n')).toHaveLength(1)

    expect((await samsa(['groups', 'delete', 'workers', ...b])).code).toBe(EXIT.OK)
    r = await samsa(['groups', 'describe', 'workers', '--json', ...b])
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ state: 'Dead', partitions: [] })])
  })
})

describe('errors and exit codes', () => {
  test('bad arguments exit 2 with the reason', async () => {
    for (const argv of [
      ['topics'],
      ['topics', 'frobnicate'],
      ['topics', 'create'],
      ['topics', 'create', 'x', '--partitions', 'many'],
      ['produce', 'x', '--acks', '2'],
      ['consume', 'x', '--from-beginning', '--offset', '3'],
      ['consume', 'x', '--nope'],
      ['groups', 'reset-offsets', 'g', '--topic', 'x'],
      ['configs', 'describe'],
    ]) {
      const r = await samsa([...argv, ...b])
      expect(r.code, argv.join(' ')).toBe(EXIT.USAGE)
      expect(r.stderr, argv.join(' ')).toMatch(/^samsa \w+: \S/)
    }
  })

  test('an unreachable broker exits 3; healthcheck exits 1', async () => {
    const dead = ['-b', '127.0.0.1:1', '--timeout', '2000']
    let r = await samsa(['topics', 'list', ...dead])
    expect(r.code).toBe(EXIT.UNREACHABLE)
    expect(r.stderr).toContain('could not connect to 127.0.0.1:1: ECONNREFUSED')
    r = await samsa(['healthcheck', ...dead])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('unhealthy')
    r = await samsa(['healthcheck', ...b])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ok: 127\.0\.0\.1:\d+ answered ApiVersions \(\d+ APIs\)/)
  })

  test('the samsa command line dispatches the tools (child process)', async () => {
    // Asynchronous: the broker runs in this process and must keep answering.
    const run = (args: string[]): Promise<{ status: number; stdout: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          ['bin/samsa.js', ...args],
          { encoding: 'utf8', timeout: 20_000 },
          (e, stdout) =>
            resolve({ status: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, stdout }),
        )
      })
    expect((await run(['healthcheck', ...b])).status).toBe(0)
    expect((await run(['topics', 'list', '--json', ...b])).status).toBe(0)
    expect((await run(['topics', 'create', ...b])).status).toBe(2)
    expect((await run(['healthcheck', '-b', '127.0.0.1:1'])).status).toBe(1)
    expect((await run(['--help'])).stdout).toContain('samsa groups list|describe|delete|reset-offsets')
  })
})
