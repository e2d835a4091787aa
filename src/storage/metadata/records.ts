// The metadata records and snapshot as TypeScript values, and their protobuf encoding.
//
// The schema is metadata.proto, parsed on first use with protobufjs's runtime parser
// (`loadSync`) rather than through a committed static module: the .proto file stays the single
// source of truth with nothing generated to drift from it, parsing it takes about a millisecond
// once per process, and reflection-based encoding is plenty for a handful of metadata writes.
// Decoding validates every field, since replay must never build an image a broker cannot serve.

import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import type * as Protobuf from 'protobufjs'
import { uuidFromBytes, uuidToBytes } from '../../protocol/primitives/uuid.ts'
import type { TopicRecord } from '../metadata-store.ts'
import { MetadataCorruptError } from './metadata-errors.ts'

export type Configs = Readonly<Record<string, string>>

export type MetadataRecord =
  | { readonly type: 'clusterIdSet'; readonly clusterId: string }
  | { readonly type: 'topicCreated'; readonly topic: TopicRecord }
  | { readonly type: 'topicDeleted'; readonly topicId: string }
  | { readonly type: 'partitionsChanged'; readonly topicId: string; readonly partitions: number }
  | { readonly type: 'topicConfigsSet'; readonly topicId: string; readonly configs: Configs }
  | { readonly type: 'brokerConfigsSet'; readonly configs: Configs }
  | { readonly type: 'producerIdBlockAllocated'; readonly first: bigint; readonly count: bigint }

export type MetadataRecordType = MetadataRecord['type']

export interface MetadataSnapshot {
  readonly journalGeneration: bigint
  readonly clusterId: string
  readonly topics: readonly TopicRecord[]
  readonly brokerConfigs: Configs
  readonly nextProducerId: bigint
}

// protobufjs and the schema are loaded on first use: an in-memory broker never encodes a record.
let types: { record: Protobuf.Type; snapshot: Protobuf.Type } | undefined
function schema(): { record: Protobuf.Type; snapshot: Protobuf.Type } {
  if (types === undefined) {
    const protobuf = createRequire(import.meta.url)('protobufjs') as typeof Protobuf
    const root = protobuf.loadSync(fileURLToPath(new URL('./metadata.proto', import.meta.url)))
    types = {
      record: root.lookupType('samsa.metadata.MetadataRecord'),
      snapshot: root.lookupType('samsa.metadata.MetadataSnapshot'),
    }
  }
  return types
}

const TO_OBJECT = { longs: BigInt, bytes: Buffer, oneofs: true, defaults: true } as const
const INT64_MAX = (1n << 63n) - 1n

// Record type ↔ the oneof member that carries it.
const FIELD_OF = {
  clusterIdSet: 'clusterIdSet',
  topicCreated: 'topicCreated',
  topicDeleted: 'topicDeleted',
  partitionsChanged: 'partitionsChanged',
  topicConfigsSet: 'topicConfigsSet',
  brokerConfigsSet: 'brokerConfigsSet',
  producerIdBlockAllocated: 'producerIdBlockAllocated',
} as const satisfies Record<MetadataRecordType, string>

function idBytes(topicId: string): Buffer {
  const b = Buffer.alloc(16)
  uuidToBytes(topicId, b, 0)
  return b
}

function topicToProto(t: TopicRecord): Record<string, unknown> {
  return { name: t.name, topicId: idBytes(t.topicId), partitions: t.partitions, configs: { ...t.configs } }
}

function recordToProto(r: MetadataRecord): Record<string, unknown> {
  switch (r.type) {
    case 'clusterIdSet':
      return { clusterId: r.clusterId }
    case 'topicCreated':
      return topicToProto(r.topic)
    case 'topicDeleted':
      return { topicId: idBytes(r.topicId) }
    case 'partitionsChanged':
      return { topicId: idBytes(r.topicId), partitions: r.partitions }
    case 'topicConfigsSet':
      return { topicId: idBytes(r.topicId), configs: { ...r.configs } }
    case 'brokerConfigsSet':
      return { configs: { ...r.configs } }
    case 'producerIdBlockAllocated':
      return { first: r.first, count: r.count }
  }
}

export function encodeRecord(r: MetadataRecord): Buffer {
  const { record: RecordType } = schema()
  const msg = RecordType.fromObject({ [FIELD_OF[r.type]]: recordToProto(r) })
  return Buffer.from(RecordType.encode(msg).finish())
}

export function encodeSnapshot(s: MetadataSnapshot): Buffer {
  const { snapshot: SnapshotType } = schema()
  const msg = SnapshotType.fromObject({
    journalGeneration: s.journalGeneration,
    clusterId: s.clusterId,
    topics: s.topics.map(topicToProto),
    brokerConfigs: { ...s.brokerConfigs },
    nextProducerId: s.nextProducerId,
  })
  return Buffer.from(SnapshotType.encode(msg).finish())
}

// ---- decoding: protobufjs hands back untyped objects; every field is checked here ----

type Obj = Readonly<Record<string, unknown>>

function corrupt(what: string): never {
  throw new MetadataCorruptError(`metadata: ${what}`)
}

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null) corrupt(`${what} is missing`)
  return v as Obj
}

function str(o: Obj, key: string): string {
  const v = o[key]
  if (typeof v !== 'string') corrupt(`field ${key} is not a string`)
  return v
}

function u64(o: Obj, key: string): bigint {
  const v = o[key]
  if (typeof v !== 'bigint' || v < 0n || v > INT64_MAX) corrupt(`field ${key} is out of range`)
  return v
}

function partitionCount(o: Obj): number {
  const v = o['partitions']
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) corrupt(`partition count ${String(v)}`)
  return v
}

function topicId(o: Obj): string {
  const v = o['topicId']
  if (!Buffer.isBuffer(v) || v.length !== 16) corrupt('topic id is not 16 bytes')
  return uuidFromBytes(v, 0)
}

function configs(v: unknown): Configs {
  const o = obj(v, 'configs')
  const entries = Object.entries(o)
  for (const [k, val] of entries) if (typeof val !== 'string') corrupt(`config ${k} is not a string`)
  // fromEntries defines own properties, so a config named __proto__ stays an ordinary key.
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>)
}

function topicFromProto(o: Obj): TopicRecord {
  const name = str(o, 'name')
  if (name === '') corrupt('empty topic name')
  return Object.freeze({
    name,
    topicId: topicId(o),
    partitions: partitionCount(o),
    configs: configs(o['configs']),
  })
}

function decodeWith(type: Protobuf.Type, bytes: Uint8Array, what: string): Obj {
  let decoded: Protobuf.Message
  try {
    decoded = type.decode(bytes)
  } catch (err) {
    throw new MetadataCorruptError(`metadata: undecodable ${what}`, { cause: err })
  }
  const o: unknown = type.toObject(decoded, TO_OBJECT)
  return obj(o, what)
}

export function decodeRecord(bytes: Uint8Array): MetadataRecord {
  const o = decodeWith(schema().record, bytes, 'record')
  const which = o['record']
  switch (which) {
    case 'clusterIdSet': {
      const clusterId = str(obj(o[which], which), 'clusterId')
      if (clusterId === '') corrupt('empty cluster id')
      return { type: which, clusterId }
    }
    case 'topicCreated':
      return { type: which, topic: topicFromProto(obj(o[which], which)) }
    case 'topicDeleted':
      return { type: which, topicId: topicId(obj(o[which], which)) }
    case 'partitionsChanged': {
      const r = obj(o[which], which)
      return { type: which, topicId: topicId(r), partitions: partitionCount(r) }
    }
    case 'topicConfigsSet': {
      const r = obj(o[which], which)
      return { type: which, topicId: topicId(r), configs: configs(r['configs']) }
    }
    case 'brokerConfigsSet':
      return { type: which, configs: configs(obj(o[which], which)['configs']) }
    case 'producerIdBlockAllocated': {
      const r = obj(o[which], which)
      const first = u64(r, 'first')
      const count = u64(r, 'count')
      if (count === 0n || first + count > INT64_MAX) corrupt('producer id block out of range')
      return { type: which, first, count }
    }
    default:
      // A record type this build does not know (written by a newer one): refuse rather than skip.
      return corrupt(`unknown record type ${String(which)}`)
  }
}

export function decodeSnapshot(bytes: Uint8Array): MetadataSnapshot {
  const o = decodeWith(schema().snapshot, bytes, 'snapshot')
  const topics = o['topics']
  if (!Array.isArray(topics)) corrupt('snapshot topics missing')
  return {
    journalGeneration: u64(o, 'journalGeneration'),
    clusterId: str(o, 'clusterId'),
    topics: topics.map((t) => topicFromProto(obj(t, 'topic'))),
    brokerConfigs: configs(o['brokerConfigs']),
    nextProducerId: u64(o, 'nextProducerId'),
  }
}
