// Topic compression.type with stock clients: topics with compression.type=zstd and =uncompressed,
// produced to by KafkaJS (idempotent; uncompressed and gzip batches) and by kcat (librdkafka;
// uncompressed, gzip and lz4). The broker re-encodes every batch into the topic's codec (the
// stored batches are inspected: codec, valid CRC, producer id kept), and KafkaJS, kcat and
// @platformatic/kafka all read every record back with its key and headers.

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as zlib from 'node:zlib'
import { Consumer, stringDeserializers } from '@platformatic/kafka'
import { CompressionCodecs, CompressionTypes, type Admin, type Kafka } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import {
  batchCompression,
  Compression,
  readBatchHeader,
  scanBatches,
} from '../../src/protocol/records/batch-header.ts'
import { type ClientsHarness, startWithClients, until } from './helpers.ts'

// KafkaJS ships no zstd codec: one over node:zlib's zstd, so KafkaJS can read the zstd topic.
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: (encoder: { buffer: Buffer }) => Promise.resolve(zlib.zstdCompressSync(encoder.buffer)),
  decompress: (buffer: Buffer) => Promise.resolve(zlib.zstdDecompressSync(buffer)),
})

const KCAT = '/usr/bin/kcat'
const hasKcat = existsSync(KCAT)

function run(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(KCAT, args, { timeout: 20_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${err.message}\n${stderr}`))
      else resolve(stdout)
    })
    if (input !== undefined) child.stdin!.end(input)
  })
}

interface Seen {
  key: string | null
  value: string
  headers: Record<string, string>
}

const TOPICS = [
  ['cz', 'zstd', Compression.Zstd],
  ['cu', 'uncompressed', Compression.None],
] as const

describe('topic compression.type with KafkaJS, kcat and @platformatic/kafka', () => {
  let broker: RunningBroker
  let kafka: Kafka
  let admin: Admin
  let harness: ClientsHarness | undefined
  const expected = new Map<string, Seen[]>()

  beforeAll(async () => {
    harness = await startWithClients()
    ;({ broker, kafka, admin } = harness)
    await admin.createTopics({
      topics: TOPICS.map(([topic, type]) => ({
        topic,
        numPartitions: 1,
        configEntries: [{ name: 'compression.type', value: type }],
      })),
    })
  })

  afterAll(async () => {
    await harness?.close()
  })

  it.each(TOPICS)('%s (%s): produced batches are stored re-encoded', async (topic, _type, codec) => {
    const seen: Seen[] = []
    expected.set(topic, seen)
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    const pad = 'compressible '.repeat(10)
    for (const [label, compression] of [
      ['kjs-none', CompressionTypes.None],
      ['kjs-gzip', CompressionTypes.GZIP],
    ] as const) {
      const messages = Array.from({ length: 10 }, (_, i) => ({
        key: `${label}-k${i}`,
        value: `${label}-v${i} ${pad}`,
        headers: { origin: label, index: String(i) },
      }))
      await producer.send({ topic, compression, messages, acks: -1 })
      for (const m of messages) seen.push({ key: m.key, value: m.value, headers: m.headers })
    }
    await producer.disconnect()

    if (hasKcat)
      for (const z of ['none', 'gzip', 'lz4']) {
        const lines = Array.from({ length: 10 }, (_, i) => `kcat-${z}-k${i}:kcat-${z}-v${i} ${pad}`)
        await run(
          [
            '-b',
            broker.bootstrap,
            '-P',
            '-t',
            topic,
            '-z',
            z,
            '-K:',
            '-H',
            `origin=kcat-${z}`,
            '-X',
            'enable.idempotence=true',
            '-X',
            'linger.ms=20',
          ],
          lines.join('\n') + '\n',
        )
        for (const l of lines) {
          const [key, value] = [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]
          seen.push({ key, value, headers: { origin: `kcat-${z}` } })
        }
      }

    const log = broker.services.topics.partition(topic, 0)!
    const stored = (await log.read(log.logStartOffset(), 1 << 30)).records
    expect(stored.length).toBeGreaterThanOrEqual(hasKcat ? 5 : 2)
    let records = 0
    for (const buf of stored) {
      const header = readBatchHeader(buf)
      expect(batchCompression(header.attributes)).toBe(codec)
      expect(scanBatches(buf, 0, buf.length, true).problem).toBeUndefined()
      // Idempotent producers (KafkaJS, and librdkafka with enable.idempotence): ids survive.
      expect(header.producerId).toBeGreaterThanOrEqual(0n)
      records += header.recordsCount
    }
    expect(records).toBe(seen.length)
    expect(log.logEndOffset()).toBe(BigInt(seen.length))
  })

  it.each(TOPICS)('%s (%s): KafkaJS reads every record with key and headers', async (topic) => {
    const want = expected.get(topic)!
    const consumer = kafka.consumer({ groupId: `kjs-${topic}`, maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const got: Seen[] = []
    await consumer.run({
      eachMessage: ({ message }) => {
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v)
        got.push({ key: message.key?.toString() ?? null, value: message.value!.toString(), headers })
        return Promise.resolve()
      },
    })
    await until(() => got.length >= want.length, 20_000, `KafkaJS read ${topic}`)
    await consumer.disconnect()
    expect(got).toEqual(want)
  })

  it.runIf(hasKcat).each(TOPICS)('%s (%s): kcat reads every record with key and headers', async (topic) => {
    const want = expected.get(topic)!
    const out = await run([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k|%h|%s\n',
    ])
    const got = out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [key, headers, ...value] = line.split('|')
        return {
          key: key!,
          value: value.join('|'),
          headers: Object.fromEntries(headers!.split(',').map((h) => h.split('=') as [string, string])),
        }
      })
    expect(got).toEqual(want)
  })

  it.each(TOPICS)('%s (%s): @platformatic/kafka reads every record with key and headers', async (topic) => {
    const want = expected.get(topic)!
    const consumer = new Consumer({
      groupId: `plt-${topic}`,
      clientId: 'plt',
      bootstrapBrokers: [broker.bootstrap],
      deserializers: stringDeserializers,
      maxWaitTime: 100,
    })
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest' })
      const got: Seen[] = []
      stream.on('data', (m) => {
        const headers: Record<string, string> = {}
        for (const [k, v] of m.headers) headers[String(k)] = String(v)
        got.push({ key: m.key ?? null, value: m.value, headers })
      })
      await until(() => got.length >= want.length, 20_000, `@platformatic/kafka read ${topic}`)
      await stream.close()
      expect(got).toEqual(want)
    } finally {
      await consumer.close(true)
    }
  })
})
