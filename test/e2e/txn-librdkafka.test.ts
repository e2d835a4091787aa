// Exactly-once with librdkafka 2.0.2 (Debian's python3-confluent-kafka, run by /usr/bin/python3)
// against a running broker: transactional commit/abort seen through read_committed and
// read_uncommitted consumers, consume-transform-produce with send_offsets_to_transaction (an
// aborted step commits neither its output nor its offset), and a zombie producer fenced by a new
// instance with the same transactional.id. librdkafka sends AddPartitionsToTxn/AddOffsetsToTxn v0,
// EndTxn v1, TxnOffsetCommit v3 and InitProducerId v4 (compatibility.md).

import { execFileSync, spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import { testBroker } from './helpers.ts'

const PYTHON = '/usr/bin/python3'

function hasConfluentKafka(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import confluent_kafka'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const SCRIPT = String.raw`
import json, sys, time
from confluent_kafka import Producer, Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
out = {}
admin = AdminClient({'bootstrap.servers': bootstrap})
for f in admin.create_topics([NewTopic('rd-txn', 2, 1), NewTopic('rd-in', 1, 1), NewTopic('rd-out', 1, 1)]).values():
    f.result(10)

def consume(topic, isolation, expected, group=None):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group or f'rd-{topic}-{isolation}-{time.time()}',
                  'auto.offset.reset': 'earliest', 'isolation.level': isolation, 'enable.auto.commit': False})
    c.subscribe([topic])
    seen, deadline = [], time.time() + 15
    while time.time() < deadline and len(seen) < expected:
        m = c.poll(0.2)
        if m is not None and m.error() is None:
            seen.append(m.value().decode())
    # a short grace period to catch anything extra
    end = time.time() + 0.5
    while time.time() < end:
        m = c.poll(0.1)
        if m is not None and m.error() is None:
            seen.append(m.value().decode())
    c.close()
    return sorted(seen)

p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'rd-1'})
p.init_transactions(10)
p.begin_transaction()
p.produce('rd-txn', b'c1', partition=0); p.produce('rd-txn', b'c2', partition=1)
p.commit_transaction(10)
p.begin_transaction()
p.produce('rd-txn', b'a1', partition=0)
p.flush(10)
p.abort_transaction(10)
p.begin_transaction()
p.produce('rd-txn', b'c3', partition=1)
p.commit_transaction(10)
out['committed'] = consume('rd-txn', 'read_committed', 3)
out['uncommitted'] = consume('rd-txn', 'read_uncommitted', 4)

# consume-transform-produce with send_offsets_to_transaction
src = Producer({'bootstrap.servers': bootstrap})
for i in range(4):
    src.produce('rd-in', f'm{i}'.encode())
src.flush(10)
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'rd-ctp', 'auto.offset.reset': 'earliest',
              'enable.auto.commit': False, 'isolation.level': 'read_committed'})
c.subscribe(['rd-in'])
done, deadline = 0, time.time() + 20
while done < 4 and time.time() < deadline:
    m = c.poll(0.2)
    if m is None or m.error() is not None:
        continue
    p.begin_transaction()
    p.produce('rd-out', m.value().upper())
    p.send_offsets_to_transaction([TopicPartition(m.topic(), m.partition(), m.offset() + 1)],
                                  c.consumer_group_metadata(), 10)
    if m.offset() == 1:
        p.abort_transaction(10)
        c.seek(TopicPartition(m.topic(), m.partition(), m.offset() + 1))
    else:
        p.commit_transaction(10)
    done += 1
committed = c.committed([TopicPartition('rd-in', 0)], 10)
out['ctp_offset'] = committed[0].offset
c.close()
out['ctp_out'] = consume('rd-out', 'read_committed', 3)

# zombie fencing
z = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'rd-zombie'})
z.init_transactions(10)
z.begin_transaction()
z.produce('rd-txn', b'zombie', partition=0)
z.flush(10)
s = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'rd-zombie'})
s.init_transactions(10)
try:
    z.produce('rd-txn', b'zombie2', partition=0)
    z.commit_transaction(10)
    out['zombie'] = 'committed'
except KafkaException as e:
    err = e.args[0]
    out['zombie'] = err.name()
out['after_zombie'] = consume('rd-txn', 'read_committed', 3)
print(json.dumps(out))
`

function runPython(bootstrap: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', SCRIPT, bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').at(-1) ?? ''
      if (code !== 0 || !line.startsWith('{'))
        return reject(new Error(`python exited ${code}: ${stderr.slice(-2000)} ${stdout.slice(-500)}`))
      resolve(JSON.parse(line) as Record<string, unknown>)
    })
  })
}

describe.skipIf(!hasConfluentKafka())('librdkafka (confluent-kafka-python) transactions', () => {
  let broker: RunningBroker

  beforeAll(async () => {
    broker = await testBroker({ config: { 'group.min.session.timeout.ms': 1000 } })
  })

  afterAll(async () => {
    await broker?.close()
  })

  it('commits, aborts, sends offsets in transactions and fences a zombie', async () => {
    const out = await runPython(broker.bootstrap)
    expect(out).toEqual({
      committed: ['c1', 'c2', 'c3'],
      uncommitted: ['a1', 'c1', 'c2', 'c3'],
      ctp_offset: 4,
      ctp_out: ['M0', 'M2', 'M3'],
      zombie: '_FENCED',
      after_zombie: ['c1', 'c2', 'c3'],
    })
  }, 120_000)
})
