// KafkaJS's own RecordBatch v2 encoder and decoder (devDependency), used as an independent oracle.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js')
const KRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js')
const decodeKafkaJsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js')
const KDecoder = require('kafkajs/src/protocol/decoder.js')
const Long = require('kafkajs/src/utils/long.js')
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number

export interface OracleRecord {
  key: Buffer | null
  value: Buffer | null
  headers: { key: string; value: Buffer }[]
  timestampDelta: number
  offsetDelta: number
}

export interface OracleBatch {
  gzip: boolean
  baseOffset: bigint
  baseTimestamp: bigint
  maxTimestamp: bigint
  partitionLeaderEpoch: number
  lastOffsetDelta: number
  transactional: boolean
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  records: OracleRecord[]
}

export async function encodeWithKafkaJs(b: OracleBatch): Promise<Buffer> {
  const records = b.records.map((r) =>
    KRecord({
      offsetDelta: r.offsetDelta,
      timestampDelta: Long.fromString(String(r.timestampDelta)),
      key: r.key,
      value: r.value,
      headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
    }),
  )
  const enc = await RecordBatch({
    compression: b.gzip ? 1 : 0,
    firstOffset: Long.fromString(b.baseOffset.toString()),
    firstTimestamp: Long.fromString(b.baseTimestamp.toString()),
    maxTimestamp: Long.fromString(b.maxTimestamp.toString()),
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    lastOffsetDelta: b.lastOffsetDelta,
    transactional: b.transactional,
    producerId: Long.fromString(b.producerId.toString()),
    producerEpoch: b.producerEpoch,
    firstSequence: b.baseSequence,
    records,
  })
  return enc.buffer as Buffer
}

export interface KafkaJsDecoded {
  firstOffset: string
  firstTimestamp: string
  maxTimestamp: string
  partitionLeaderEpoch: number
  lastOffsetDelta: number
  inTransaction: boolean
  isControlBatch: boolean
  producerId: string
  producerEpoch: number
  firstSequence: number
  records: {
    offset: string
    timestamp: string
    key: Buffer | null
    value: Buffer | null
    headers: Record<string, Buffer | Buffer[] | null>
  }[]
}

export async function decodeWithKafkaJs(buf: Buffer): Promise<KafkaJsDecoded> {
  return (await decodeKafkaJsBatch(new KDecoder(buf))) as KafkaJsDecoded
}

export { kafkajsCrc32c }
