// Classic consumer groups with the Python clients Debian ships: confluent-kafka-python on
// librdkafka 2.0.2 (JoinGroup v5, SyncGroup/Heartbeat v3, LeaveGroup v1, OffsetCommit/Fetch v7)
// and kafka-python 2.0.2 (JoinGroup v2, SyncGroup/Heartbeat/LeaveGroup v1, OffsetCommit v2,
// OffsetFetch v1). Two members in separate processes split four partitions, hand them over when
// one leaves, and the group's committed offsets cover every message exactly once.

import { spawn, spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin, Producer } from 'kafkajs'
import type { RunningBroker } from '../../src/index.ts'
import { type ClientsHarness, startWithClients, until } from './helpers.ts'

const PYTHON = '/usr/bin/python3'

// Each member prints JSON lines: {"assign": [...]}, {"revoke": [...]}, {"p": partition, "o": offset},
// {"closed": true}; it leaves the group (close) after `idle` seconds without messages.
// With a strategy argument of cooperative-sticky (KIP-429), callbacks carry increments: "add"/"revoke".
const LIBRDKAFKA_MEMBER = `
import sys, json, time
from confluent_kafka import Consumer
bootstrap, group, topic, idle = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
strategy = sys.argv[5] if len(sys.argv) > 5 else 'range,roundrobin'
static = {'group.instance.id': sys.argv[6]} if len(sys.argv) > 6 else {}
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
              'enable.auto.commit': True, 'auto.commit.interval.ms': 200, 'session.timeout.ms': 6000,
              'heartbeat.interval.ms': 300, 'broker.address.family': 'v4', 'partition.assignment.strategy': strategy, **static})
incremental = strategy == 'cooperative-sticky'
def on_assign(cons, parts): print(json.dumps({'add' if incremental else 'assign': sorted(p.partition for p in parts)}), flush=True)
def on_revoke(cons, parts): print(json.dumps({'revoke': sorted(p.partition for p in parts)}), flush=True)
c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
last = time.time()
while time.time() - last < idle:
    m = c.poll(0.2)
    if m is None: continue
    if m.error(): print(json.dumps({'error': str(m.error())}), flush=True); continue
    print(json.dumps({'p': m.partition(), 'o': m.offset()}), flush=True)
    last = time.time()
c.close()
print(json.dumps({'closed': True}), flush=True)
`

const KAFKA_PYTHON_MEMBER = `
import sys, json, time
from kafka import KafkaConsumer, ConsumerRebalanceListener
bootstrap, group, topic, idle = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
class L(ConsumerRebalanceListener):
    def on_partitions_assigned(self, parts): print(json.dumps({'assign': sorted(p.partition for p in parts)}), flush=True)
    def on_partitions_revoked(self, parts): print(json.dumps({'revoke': sorted(p.partition for p in parts)}), flush=True)
c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest', enable_auto_commit=True,
                  auto_commit_interval_ms=200, session_timeout_ms=6000, heartbeat_interval_ms=300)
c.subscribe([topic], listener=L())
last = time.time()
while time.time() - last < idle:
    for tp, ms in c.poll(timeout_ms=200).items():
        for m in ms:
            print(json.dumps({'p': m.partition, 'o': m.offset}), flush=True)
            last = time.time()
c.close()
print(json.dumps({'closed': True}), flush=True)
`

function hasModule(mod: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${mod}`]).status === 0
}

interface Member {
  assigned: number[]
  /** Every non-empty revocation, in order. */
  revokes: number[][]
  seen: string[]
  errors: string[]
  exited: Promise<number | null>
  kill(): void
}

function startMember(
  script: string,
  bootstrap: string,
  group: string,
  topic: string,
  extra: readonly string[],
  idleSeconds = 6,
): Member {
  const child = spawn(PYTHON, ['-c', script, bootstrap, group, topic, String(idleSeconds), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const m: Member = {
    assigned: [],
    revokes: [],
    seen: [],
    errors: [],
    exited: new Promise((r) => child.on('exit', r)),
    kill: () => void child.kill('SIGKILL'),
  }
  let buf = ''
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (line === '') continue
      const ev = JSON.parse(line) as {
        assign?: number[]
        add?: number[]
        revoke?: number[]
        p?: number
        o?: number
        error?: string
      }
      if (ev.assign !== undefined) m.assigned = ev.assign
      if (ev.add !== undefined) m.assigned = [...m.assigned, ...ev.add].sort((x, y) => x - y)
      if (ev.revoke !== undefined && ev.revoke.length > 0) m.revokes.push(ev.revoke)
      if (ev.revoke !== undefined) m.assigned = m.assigned.filter((p) => !ev.revoke?.includes(p))
      if (ev.p !== undefined) m.seen.push(`${ev.p}:${ev.o}`)
      if (ev.error !== undefined) m.errors.push(ev.error)
    }
  })
  child.stderr.on('data', (d: Buffer) => m.errors.push(d.toString()))
  return m
}

const clients = [
  {
    name: 'confluent-kafka-python (librdkafka 2.0.2)',
    id: 'rdk',
    module: 'confluent_kafka',
    script: LIBRDKAFKA_MEMBER,
    extra: [],
  },
  {
    name: 'confluent-kafka-python, cooperative-sticky (incremental rebalancing)',
    id: 'rdk-coop',
    module: 'confluent_kafka',
    script: LIBRDKAFKA_MEMBER,
    extra: ['cooperative-sticky'],
  },
  { name: 'kafka-python 2.0.2', id: 'kp', module: 'kafka', script: KAFKA_PYTHON_MEMBER, extra: [] },
]

describe('Python consumer groups', () => {
  let broker: RunningBroker
  let admin: Admin
  let producer: Producer

  let harness: ClientsHarness | undefined

  beforeAll(async () => {
    harness = await startWithClients()
    ;({ broker, admin, producer } = harness)
  })

  afterAll(async () => {
    await harness?.close()
  })

  for (const client of clients) {
    // Only when Debian's package is installed (python3-confluent-kafka, python3-kafka).
    it.skipIf(!hasModule(client.module))(
      `${client.name}: two members split four partitions and commit every message exactly once`,
      async () => {
        const topic = `py-${client.id}`
        const group = `py-group-${client.id}`
        await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })
        const send = (tag: string): Promise<unknown> =>
          producer.send({
            topic,
            messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, value: `${tag}${i}` })),
          })
        await send('a')

        const a = startMember(client.script, broker.bootstrap, group, topic, client.extra)
        await until(() => a.assigned.length === 4, 30_000, 'the first member to own all four')
        const b = startMember(client.script, broker.bootstrap, group, topic, client.extra)
        await until(() => a.assigned.length === 2 && b.assigned.length === 2, 30_000, 'two partitions each')
        expect([...a.assigned, ...b.assigned].sort()).toEqual([0, 1, 2, 3])
        // Eager protocols revoke everything on a rebalance; cooperative-sticky only what moves.
        expect(a.revokes[0]?.length).toBe(client.extra.includes('cooperative-sticky') ? 2 : 4)
        await send('b')

        // Both leave after 6 s without messages (LeaveGroup); one may take over the other's
        // partitions in between, from the committed offsets.
        await Promise.all([a.exited, b.exited])
        const seen = [...a.seen, ...b.seen]
        expect(a.errors.filter((e) => !e.includes('Warning'))).toEqual([])
        expect(new Set(seen).size).toBe(80)
        expect(seen.length).toBe(80)
        const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] })
        expect(offsets[0]?.partitions.map((p) => p.offset)).toEqual(['20', '20', '20', '20'])
        const described = await admin.describeGroups([group])
        expect(described.groups[0]?.state).toBe('Empty')
      },
      90_000,
    )
  }

  it.skipIf(!hasModule('confluent_kafka'))(
    'librdkafka static members (KIP-345): a member restarted within its session gets its partitions back without a rebalance',
    async () => {
      const topic = 'py-static'
      const group = 'py-group-static'
      await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })
      const started: Member[] = []
      const start = (instance: string): Member => {
        const m = startMember(LIBRDKAFKA_MEMBER, broker.bootstrap, group, topic, ['range', instance], 60)
        started.push(m)
        return m
      }
      try {
        const a = start('instance-a')
        await until(() => a.assigned.length === 4, 30_000, 'the first member to own all four')
        const b = start('instance-b')
        await until(() => a.assigned.length === 2 && b.assigned.length === 2, 30_000, 'two partitions each')
        const aPartitions = [...a.assigned]
        const bRevokes = b.revokes.length

        a.kill() // no LeaveGroup: a static member's slot waits for it
        const a2 = start('instance-a')
        await until(() => a2.assigned.length === 2, 30_000, 'the restarted member to get its partitions')
        await new Promise((r) => setTimeout(r, 1000))
        expect(a2.assigned).toEqual(aPartitions)
        expect(b.revokes.length).toBe(bRevokes) // the other member was never disturbed
        expect(b.assigned).toHaveLength(2)
      } finally {
        for (const m of started) m.kill()
      }
    },
    60_000,
  )
})
