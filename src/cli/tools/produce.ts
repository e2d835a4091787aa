// `samsa produce TOPIC` — one record per stdin line (kafka-console-producer).
//
//   --key-separator SEP   split each line at the first SEP into key and value (a line without
//                         it is an error: exit 1 after what was read before it is sent)
//   --header KEY=VALUE    header on every record (repeatable)
//   --partition N         fixed partition; otherwise keyed records go by murmur2(key) as in the
//                         Java client, and unkeyed ones round-robin per batch
//   --acks all|1|0        default all
//   --compression none|gzip|snappy|lz4|zstd
//   The topic is created if the broker auto-creates topics (auto.create.topics.enable), as with
//   kafka-console-producer.
//   --batch-size N        records per request at most (default 1000); a batch is also sent as soon
//                         as stdin has no more buffered input, so interactive lines go out at once
//
// Prints "Produced N records to TOPIC" on stderr; with --json, one {"partition","offset"} object
// per record on stdout (offsets are -1 with --acks 0).

import { createInterface } from 'node:readline'
import type { Client, TopicInfo } from '../../client/client.ts'
import { partitionForKey } from '../../client/partitioner.ts'
import { produceBatches } from '../../client/produce.ts'
import { buildRecordBatch, type RecordInput } from '../../protocol/records/batch-builder.ts'
import { Compression } from '../../protocol/records/batch-header.ts'
import { COMMON_OPTIONS, COMMON_USAGE, clientFor, intArg, keyValues, parse } from './common.ts'
import { EXIT } from './exit-codes.ts'
import { err, out, Progress, toJson, UsageError, type ToolIO } from './io.ts'

const USAGE = `Usage: samsa produce TOPIC [options] < lines

Sends one record per line of stdin.

Options:
  -k, --key-separator SEP   split each line at the first SEP into key and value
  -H, --header KEY=VALUE    add a header to every record (repeatable)
  -p, --partition N         send every record to partition N
      --acks all|1|0        acknowledgement level (default all)
  -z, --compression CODEC   none (default), gzip, snappy, lz4 or zstd
      --batch-size N        most records per request (default 1000)

${COMMON_USAGE}
`

const CODECS: Record<string, Compression> = {
  none: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
}

export async function produceCommand(args: readonly string[], io: ToolIO): Promise<number> {
  const { values, positionals } = parse({
    args: [...args],
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      'key-separator': { type: 'string', short: 'k' },
      header: { type: 'string', short: 'H', multiple: true },
      partition: { type: 'string', short: 'p' },
      acks: { type: 'string' },
      compression: { type: 'string', short: 'z' },
      'batch-size': { type: 'string' },
    },
  })
  if (values.help === true) {
    out(io, USAGE)
    return EXIT.OK
  }
  if (positionals.length !== 1) throw new UsageError(`produce takes exactly one TOPIC\n\n${USAGE}`)
  const topicName = positionals[0]!
  const sep = values['key-separator']
  if (sep === '') throw new UsageError('--key-separator must not be empty')
  const headers = keyValues(values.header, '--header').map(([key, v]) => ({ key, value: Buffer.from(v) }))
  const fixedPartition = intArg(values.partition, '--partition', 0)
  const acksText = values.acks ?? 'all'
  const acks =
    acksText === 'all' || acksText === '-1' ? -1 : acksText === '1' ? 1 : acksText === '0' ? 0 : undefined
  if (acks === undefined) throw new UsageError(`--acks must be all, 1 or 0, got '${acksText}'`)
  const compression = CODECS[values.compression ?? 'none']
  if (compression === undefined)
    throw new UsageError(
      `--compression must be one of ${Object.keys(CODECS).join(', ')}, got '${values.compression}'`,
    )
  const batchSize = intArg(values['batch-size'], '--batch-size', 1) ?? 1000
  const json = values.json === true

  const client = clientFor(values, io)
  try {
    const topic = await client.topic(topicName, true)
    if (fixedPartition !== undefined && !topic.partitions.some((p) => p.partition === fixedPartition))
      throw new UsageError(
        `topic '${topicName}' has no partition ${fixedPartition} (it has ${topic.partitions.length})`,
      )
    const sender = new BatchSender(client, topic, acks, compression, json, io)
    const progress = new Progress(io)
    let pending: RecordInput[] = []
    let lineNo = 0
    let badLine: string | undefined
    const rl = createInterface({ input: io.stdin, crlfDelay: Infinity })
    const flush = async (): Promise<void> => {
      const batch = pending
      pending = []
      if (batch.length > 0) await sender.send(batch, fixedPartition)
      progress.update(`produced ${sender.count} records`)
    }
    // Lines are collected while they arrive; a batch goes out when full or when input pauses.
    let timer: NodeJS.Timeout | undefined
    let chain = Promise.resolve()
    const schedule = (): void => {
      if (timer !== undefined) return
      timer = setTimeout(() => {
        timer = undefined
        chain = chain.then(flush)
      }, 5)
    }
    try {
      for await (const line of rl) {
        lineNo++
        let key: Buffer | null = null
        let value = line
        if (sep !== undefined) {
          const i = line.indexOf(sep)
          if (i < 0) {
            badLine = `line ${lineNo} has no key separator '${sep}'`
            break
          }
          key = Buffer.from(line.slice(0, i))
          value = line.slice(i + sep.length)
        }
        pending.push({ key, value: Buffer.from(value), headers, timestamp: BigInt(Date.now()) })
        if (pending.length >= batchSize) {
          if (timer !== undefined) clearTimeout(timer)
          timer = undefined
          chain = chain.then(flush)
          await chain
        } else schedule()
      }
    } finally {
      rl.close()
    }
    if (timer !== undefined) clearTimeout(timer)
    await chain
    await flush()
    progress.done()
    if (!json) err(io, `Produced ${sender.count} record${sender.count === 1 ? '' : 's'} to ${topicName}`)
    if (badLine !== undefined) {
      err(io, `samsa produce: ${badLine}; stopped there`)
      return EXIT.FAILED
    }
    return EXIT.OK
  } finally {
    await client.close()
  }
}

class BatchSender {
  count = 0
  private roundRobin = 0
  private readonly client: Client
  private readonly topic: TopicInfo
  private readonly acks: -1 | 0 | 1
  private readonly compression: Compression
  private readonly json: boolean
  private readonly io: ToolIO

  constructor(
    client: Client,
    topic: TopicInfo,
    acks: -1 | 0 | 1,
    compression: Compression,
    json: boolean,
    io: ToolIO,
  ) {
    this.client = client
    this.topic = topic
    this.acks = acks
    this.compression = compression
    this.json = json
    this.io = io
  }

  async send(records: readonly RecordInput[], fixed: number | undefined): Promise<void> {
    const n = this.topic.partitions.length
    const unkeyed = this.roundRobin++ % n
    const byPartition = new Map<number, RecordInput[]>()
    for (const r of records) {
      const p = fixed ?? (r.key != null ? partitionForKey(r.key, n) : unkeyed)
      const list = byPartition.get(p)
      if (list === undefined) byPartition.set(p, [r])
      else list.push(r)
    }
    const batches = new Map<number, Buffer>()
    for (const [p, rs] of byPartition)
      batches.set(p, buildRecordBatch({ records: rs, compression: this.compression }))
    const results = await produceBatches(this.client, this.topic, batches, this.acks)
    this.count += records.length
    if (this.json)
      for (const r of results) {
        const n = byPartition.get(r.partition)!.length
        for (let i = 0; i < n; i++)
          out(
            this.io,
            toJson({
              topic: this.topic.name,
              partition: r.partition,
              offset: r.baseOffset < 0n ? -1n : r.baseOffset + BigInt(i),
            }),
          )
      }
  }
}
