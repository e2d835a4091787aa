// The metadata records and snapshot as TypeScript values, and their protobuf encoding.
//
// The schema is metadata.proto, the single description of the format. This module writes and
// reads it with a small hand-written proto3 codec (protobuf-wire.ts; the field numbers below are
// the .proto's) rather than protobufjs: loading protobufjs and parsing the schema cost every disk
// broker ~2 MB of its idle memory and ~20 ms of start-up CPU for a handful of metadata writes. The
// tests hold the two together: every record and snapshot encodes to the bytes protobufjs produces
// from metadata.proto, and decodes what protobufjs encodes.
// Decoding validates every field, since replay must never build an image a broker cannot serve.

import { uuidFromBytes, uuidToBytes } from '../../protocol/primitives/uuid.ts'
import type { TopicRecord } from '../metadata-store.ts'
import { MetadataCorruptError } from './metadata-errors.ts'
import { asInt32, ProtoWriter, readFields, WireError, WireType } from './protobuf-wire.ts'

export type Configs = Readonly<Record<string, string>>
/** Finalized feature levels chosen by UpdateFeatures: feature name → level (0 = turned off). */
export type FeatureLevelMap = ReadonlyMap<string, number>

export type MetadataRecord =
  | { readonly type: 'clusterIdSet'; readonly clusterId: string }
  | { readonly type: 'topicCreated'; readonly topic: TopicRecord }
  | { readonly type: 'topicDeleted'; readonly topicId: string }
  | { readonly type: 'partitionsChanged'; readonly topicId: string; readonly partitions: number }
  | { readonly type: 'topicConfigsSet'; readonly topicId: string; readonly configs: Configs }
  | { readonly type: 'brokerConfigsSet'; readonly configs: Configs }
  | { readonly type: 'producerIdBlockAllocated'; readonly first: bigint; readonly count: bigint }
  | { readonly type: 'featureLevelsSet'; readonly levels: FeatureLevelMap }
  | { readonly type: 'groupConfigsSet'; readonly group: string; readonly configs: Configs }

export type MetadataRecordType = MetadataRecord['type']

export interface MetadataSnapshot {
  readonly journalGeneration: bigint
  readonly clusterId: string
  readonly topics: readonly TopicRecord[]
  readonly brokerConfigs: Configs
  readonly nextProducerId: bigint
  readonly featureLevels: FeatureLevelMap
  /** Group → its config overrides (none empty). */
  readonly groupConfigs: ReadonlyMap<string, Configs>
}

const INT64_MAX = (1n << 63n) - 1n

// MetadataRecord's oneof: record type → field number.
const RECORD_FIELD = {
  clusterIdSet: 1,
  topicCreated: 2,
  topicDeleted: 3,
  partitionsChanged: 4,
  topicConfigsSet: 5,
  brokerConfigsSet: 6,
  producerIdBlockAllocated: 7,
  featureLevelsSet: 8,
  groupConfigsSet: 9,
} as const satisfies Record<MetadataRecordType, number>

function idBytes(topicId: string): Buffer {
  const b = Buffer.alloc(16)
  uuidToBytes(topicId, b, 0)
  return b
}

/** TopicCreated. */
function topicMessage(t: TopicRecord): ProtoWriter {
  return new ProtoWriter()
    .string(1, t.name)
    .bytes(2, idBytes(t.topicId))
    .int32(3, t.partitions)
    .stringMap(4, t.configs)
}

/** FeatureLevel messages, one per feature, in the map's order. */
function writeFeatureLevels(w: ProtoWriter, field: number, levels: FeatureLevelMap): ProtoWriter {
  for (const [name, level] of levels) w.message(field, new ProtoWriter().string(1, name).int32(2, level))
  return w
}

function recordMessage(r: MetadataRecord): ProtoWriter {
  const w = new ProtoWriter()
  switch (r.type) {
    case 'clusterIdSet':
      return w.string(1, r.clusterId)
    case 'topicCreated':
      return topicMessage(r.topic)
    case 'topicDeleted':
      return w.bytes(1, idBytes(r.topicId))
    case 'partitionsChanged':
      return w.bytes(1, idBytes(r.topicId)).int32(2, r.partitions)
    case 'topicConfigsSet':
      return w.bytes(1, idBytes(r.topicId)).stringMap(2, r.configs)
    case 'brokerConfigsSet':
      return w.stringMap(1, r.configs)
    case 'producerIdBlockAllocated':
      return w.uint64(1, r.first).uint64(2, r.count)
    case 'featureLevelsSet':
      return writeFeatureLevels(w, 1, r.levels)
    case 'groupConfigsSet':
      return w.string(1, r.group).stringMap(2, r.configs)
  }
}

export function encodeRecord(r: MetadataRecord): Buffer {
  return new ProtoWriter().message(RECORD_FIELD[r.type], recordMessage(r)).finish()
}

export function encodeSnapshot(s: MetadataSnapshot): Buffer {
  const w = new ProtoWriter().uint64(1, s.journalGeneration).string(2, s.clusterId)
  for (const t of s.topics) w.message(3, topicMessage(t))
  w.stringMap(4, s.brokerConfigs).uint64(5, s.nextProducerId)
  writeFeatureLevels(w, 6, s.featureLevels)
  for (const [group, configs] of s.groupConfigs)
    w.message(7, new ProtoWriter().string(1, group).stringMap(2, configs))
  return w.finish()
}

// ---- reading a message into a plain object, with proto3 defaults for absent fields ----

type FieldKind = 'string' | 'bytes' | 'int32' | 'uint64' | 'map' | MessageSpec | readonly [MessageSpec]
/** Field number → [property name, kind]; `[spec]` is a repeated message. */
type MessageSpec = Readonly<Record<number, readonly [string, FieldKind]>>

const TOPIC_CREATED: MessageSpec = {
  1: ['name', 'string'],
  2: ['topicId', 'bytes'],
  3: ['partitions', 'int32'],
  4: ['configs', 'map'],
}
const FEATURE_LEVEL: MessageSpec = { 1: ['name', 'string'], 2: ['level', 'int32'] }
const GROUP_CONFIGS: MessageSpec = { 1: ['group', 'string'], 2: ['configs', 'map'] }
const RECORD: MessageSpec = {
  1: ['clusterIdSet', { 1: ['clusterId', 'string'] }],
  2: ['topicCreated', TOPIC_CREATED],
  3: ['topicDeleted', { 1: ['topicId', 'bytes'] }],
  4: ['partitionsChanged', { 1: ['topicId', 'bytes'], 2: ['partitions', 'int32'] }],
  5: ['topicConfigsSet', { 1: ['topicId', 'bytes'], 2: ['configs', 'map'] }],
  6: ['brokerConfigsSet', { 1: ['configs', 'map'] }],
  7: ['producerIdBlockAllocated', { 1: ['first', 'uint64'], 2: ['count', 'uint64'] }],
  8: ['featureLevelsSet', { 1: ['levels', [FEATURE_LEVEL]] }],
  9: ['groupConfigsSet', GROUP_CONFIGS],
}
const SNAPSHOT: MessageSpec = {
  1: ['journalGeneration', 'uint64'],
  2: ['clusterId', 'string'],
  3: ['topics', [TOPIC_CREATED]],
  4: ['brokerConfigs', 'map'],
  5: ['nextProducerId', 'uint64'],
  6: ['featureLevels', [FEATURE_LEVEL]],
  7: ['groupConfigs', [GROUP_CONFIGS]],
}

function defaultOf(kind: FieldKind): unknown {
  if (kind === 'string') return ''
  if (kind === 'bytes') return Buffer.alloc(0)
  if (kind === 'int32') return 0
  if (kind === 'uint64') return 0n
  if (kind === 'map') return Object.create(null)
  if (Array.isArray(kind)) return []
  return undefined // an embedded message that is absent stays absent
}

/** A map<string, string> entry: key 1, value 2. */
function readMapEntry(bytes: Buffer, into: Record<string, string>): void {
  let key = ''
  let value = ''
  for (const f of readFields(bytes)) {
    if (f.field !== 1 && f.field !== 2) continue
    if (f.wireType !== WireType.LEN)
      throw new WireError(`map entry field ${f.field} has wire type ${f.wireType}`)
    if (f.field === 1) key = f.bytes.toString('utf8')
    else value = f.bytes.toString('utf8')
  }
  into[key] = value
}

/**
 * The message as an object: every field of `spec` (absent ones with their default), unknown
 * fields skipped; for MetadataRecord's oneof, `record` names the member set last.
 */
function readMessage(bytes: Buffer, spec: MessageSpec, oneof = false): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  if (!oneof) for (const [name, kind] of Object.values(spec)) o[name] = defaultOf(kind)
  for (const f of readFields(bytes)) {
    const def = spec[f.field]
    if (def === undefined) continue
    const [name, kind] = def
    const want = kind === 'int32' || kind === 'uint64' ? WireType.VARINT : WireType.LEN
    if (f.wireType !== want) throw new WireError(`field ${name} has wire type ${f.wireType}`)
    if (f.wireType === WireType.VARINT) o[name] = kind === 'int32' ? asInt32(f.varint) : f.varint
    else if (f.wireType === WireType.LEN) {
      if (kind === 'string') o[name] = f.bytes.toString('utf8')
      else if (kind === 'bytes') o[name] = Buffer.from(f.bytes)
      else if (kind === 'map') readMapEntry(f.bytes, o[name] as Record<string, string>)
      else if (Array.isArray(kind)) (o[name] as unknown[]).push(readMessage(f.bytes, kind[0] as MessageSpec))
      else {
        o[name] = readMessage(f.bytes, kind as MessageSpec)
        if (oneof) o['record'] = name
      }
    }
  }
  return o
}

// ---- decoding: every field of the plain objects above is checked here ----

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

/** Kafka's feature levels are int16; a name is never empty (it is the map key). */
function featureLevels(v: unknown): FeatureLevelMap {
  if (!Array.isArray(v)) corrupt('feature levels missing')
  const levels = new Map<string, number>()
  for (const item of v) {
    const f = obj(item, 'feature level')
    const name = str(f, 'name')
    const level = f['level']
    if (name === '') corrupt('empty feature name')
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 0x7fff)
      corrupt(`feature ${name} level ${String(level)} is out of range`)
    levels.set(name, level)
  }
  return levels
}

/** A group's overrides: the group id is never empty (Kafka refuses the empty group resource). */
function groupConfigsFromProto(o: Obj): { group: string; configs: Configs } {
  const group = str(o, 'group')
  if (group === '') corrupt('empty group name in group configs')
  return { group, configs: configs(o['configs']) }
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

function decodeWith(spec: MessageSpec, bytes: Uint8Array, what: string, oneof = false): Obj {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  try {
    return readMessage(b, spec, oneof)
  } catch (err) {
    if (!(err instanceof WireError)) throw err
    throw new MetadataCorruptError(`metadata: undecodable ${what}`, { cause: err })
  }
}

export function decodeRecord(bytes: Uint8Array): MetadataRecord {
  const o = decodeWith(RECORD, bytes, 'record', true)
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
    case 'featureLevelsSet':
      return { type: which, levels: featureLevels(obj(o[which], which)['levels']) }
    case 'groupConfigsSet':
      return { type: which, ...groupConfigsFromProto(obj(o[which], which)) }
    default:
      // A record type this build does not know (written by a newer one): refuse rather than skip.
      return corrupt(`unknown record type ${String(which)}`)
  }
}

function snapshotGroupConfigs(v: unknown): ReadonlyMap<string, Configs> {
  if (!Array.isArray(v)) corrupt('snapshot group configs missing')
  const groups = new Map<string, Configs>()
  for (const item of v) {
    const { group, configs } = groupConfigsFromProto(obj(item, 'group configs'))
    if (groups.has(group)) corrupt(`group ${group} has two config entries`)
    groups.set(group, configs)
  }
  return groups
}

export function decodeSnapshot(bytes: Uint8Array): MetadataSnapshot {
  const o = decodeWith(SNAPSHOT, bytes, 'snapshot')
  const topics = o['topics']
  if (!Array.isArray(topics)) corrupt('snapshot topics missing')
  return {
    journalGeneration: u64(o, 'journalGeneration'),
    clusterId: str(o, 'clusterId'),
    topics: topics.map((t) => topicFromProto(obj(t, 'topic'))),
    brokerConfigs: configs(o['brokerConfigs']),
    nextProducerId: u64(o, 'nextProducerId'),
    featureLevels: featureLevels(o['featureLevels']),
    groupConfigs: snapshotGroupConfigs(o['groupConfigs']),
  }
}
