// The data path with librdkafka (Debian's kcat) and kafka-python (Debian's python3-kafka) against a
// running broker: produce and consume round trips with each codec librdkafka writes itself (so the
// batches are compressed by an independent implementation, and stored as sent), keyed messages,
// oversize refusal and ListOffsets by timestamp from kafka-python's fixed old versions.

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin } from 'kafkajs'
import type { RunningBroker } from '../../src/index.ts'
import { batchCompression, readBatchHeader } from '../../src/protocol/records/batch-header.ts'
import { type AdminHarness, startWithAdmin } from './helpers.ts'

const KCAT = '/usr/bin/kcat'
const PYTHON = '/usr/bin/python3'

function run(
  file: string,
  args: string[],
  input?: string,
  timeoutMs = 20_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`))
      else resolve({ stdout, stderr })
    })
    if (input !== undefined) child.stdin!.end(input)
  })
}

const hasKcat = existsSync(KCAT)
const hasKafkaPython = existsSync(PYTHON)

describe('data path with kcat and kafka-python', () => {
  let broker: RunningBroker
  let admin: Admin

  let harness: AdminHarness | undefined

  beforeAll(async () => {
    harness = await startWithAdmin({ config: { 'message.max.bytes': 100_000 } })
    ;({ broker, admin } = harness)
  })

  afterAll(async () => {
    await harness?.close()
  })

  const CODECS = [
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4],
  ] as const

  it.runIf(hasKcat).each(CODECS)('kcat -z %s produces and consumes a round trip', async (codec, id) => {
    const topic = `kcat-${codec}`
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })
    const lines: string[] = []
    for (let i = 0; i < 300; i++) lines.push(`key${i % 7}:${codec}-value-${i}-${'pad'.repeat(20)}`)
    await run(
      KCAT,
      ['-b', broker.bootstrap, '-P', '-t', topic, '-z', codec, '-K:', '-X', 'linger.ms=50'],
      lines.join('\n') + '\n',
    )

    // Stored as sent: compressed by librdkafka with the requested codec.
    let batches = 0
    for (let p = 0; p < 3; p++) {
      const log = broker.services.topics.partition(topic, p)!
      for (const buf of (await log.read(log.logStartOffset(), 1 << 30)).records) {
        expect(batchCompression(readBatchHeader(buf).attributes)).toBe(id)
        batches++
      }
    }
    expect(batches).toBeGreaterThan(0)

    const { stdout } = await run(KCAT, [
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k|%p|%s\n',
    ])
    const got = stdout.trim().split('\n')
    expect(got).toHaveLength(300)
    const values = new Set(got.map((l) => l.split('|')[2]))
    for (const l of lines) expect(values.has(l.slice(l.indexOf(':') + 1))).toBe(true)
    const partitionsByKey = new Map<string, Set<string>>()
    for (const l of got) {
      const [k, p] = l.split('|')
      partitionsByKey.set(k!, (partitionsByKey.get(k!) ?? new Set()).add(p!))
    }
    for (const ps of partitionsByKey.values()) expect(ps.size).toBe(1)
  })

  it.runIf(hasKafkaPython)(
    'kafka-python produces, consumes, looks up by timestamp and is refused oversize',
    async () => {
      await admin.createTopics({ topics: [{ topic: 'py', numPartitions: 2 }] })
      const script = `
import sys, time, json
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.errors import MessageSizeTooLargeError
bootstrap = sys.argv[1]
p = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=1 << 20, retries=0)
base = int(time.time() * 1000) - 60000
futures = [p.send('py', key=('k%d' % (i % 4)).encode(), value=('v%d' % i).encode(), timestamp_ms=base + i * 1000) for i in range(20)]
meta = [f.get(timeout=10) for f in futures]
oversize = 'none'
try:
    p.send('py', value=b'x' * 200000).get(timeout=10)
except MessageSizeTooLargeError as e:
    oversize = type(e).__name__
except Exception as e:
    oversize = 'other:' + type(e).__name__ + ':' + str(e)
p.close()
c = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset='earliest', consumer_timeout_ms=3000, enable_auto_commit=False)
tps = [TopicPartition('py', 0), TopicPartition('py', 1)]
c.assign(tps)
got = [(m.partition, m.key.decode(), m.value.decode(), m.timestamp) for m in c]
found = c.offsets_for_times({tps[0]: base + 10500, tps[1]: base + 10500})
c.close()
print(json.dumps({
  'api_version': list(p.config['api_version']) if p.config.get('api_version') else None,
  'sent': [(m.partition, m.offset) for m in meta],
  'got': got,
  'oversize': oversize,
  'times': {str(tp.partition): (None if o is None else [o.offset, o.timestamp]) for tp, o in found.items()},
}))
`
      const { stdout } = await run(PYTHON, ['-c', script, broker.bootstrap], undefined, 60_000)
      const out = JSON.parse(stdout.trim().split('\n').pop()!) as {
        sent: Array<[number, number]>
        got: Array<[number, string, string, number]>
        oversize: string
        times: Record<string, [number, number] | null>
      }
      expect(out.got).toHaveLength(20)
      expect(new Set(out.got.map((g) => g[2])).size).toBe(20)
      const byKey = new Map<string, Set<number>>()
      for (const [p, k] of out.got) byKey.set(k, (byKey.get(k) ?? new Set()).add(p))
      for (const ps of byKey.values()) expect(ps.size).toBe(1)
      expect(out.oversize).toBe('MessageSizeTooLargeError')
      // Per partition: the first record at or after base + 10.5 s.
      const base = Math.min(...out.got.map((g) => g[3]))
      for (const [partition, hit] of Object.entries(out.times)) {
        const later = out.got.filter((g) => g[0] === Number(partition) && g[3] >= base + 10_500)
        if (later.length === 0) expect(hit).toBeNull()
        else expect(hit![1]).toBe(Math.min(...later.map((g) => g[3])))
      }
    },
  )
})
