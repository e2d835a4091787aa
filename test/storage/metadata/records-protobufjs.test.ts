// records.ts writes metadata.proto with its own small codec; here protobufjs, loading the .proto
// itself, is the reference: our bytes are exactly protobufjs's for the same message, and what
// protobufjs writes decodes to the same record (so files of builds that used protobufjs still load).

import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import type * as Protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { uuidToBytes } from '../../../src/protocol/primitives/uuid.ts'
import {
  decodeRecord,
  decodeSnapshot,
  encodeRecord,
  encodeSnapshot,
  type MetadataRecord,
  type MetadataSnapshot,
} from '../../../src/storage/metadata/records.ts'
import type { TopicRecord } from '../../../src/storage/metadata-store.ts'
import { topicIdFor } from './workload.ts'

const protobuf = createRequire(import.meta.url)('protobufjs') as typeof Protobuf
const root = protobuf.loadSync(
  fileURLToPath(new URL('../../../src/storage/metadata/metadata.proto', import.meta.url)),
)
const RecordType = root.lookupType('samsa.metadata.MetadataRecord')
const SnapshotType = root.lookupType('samsa.metadata.MetadataSnapshot')

function idBytes(id: string): Buffer {
  const b = Buffer.alloc(16)
  uuidToBytes(id, b, 0)
  return b
}

function topicObject(t: TopicRecord): Record<string, unknown> {
  return { name: t.name, topicId: idBytes(t.topicId), partitions: t.partitions, configs: { ...t.configs } }
}

function levelObjects(levels: ReadonlyMap<string, number>): Array<Record<string, unknown>> {
  return [...levels].map(([name, level]) => ({ name, level }))
}

/** The record as protobufjs's fromObject takes it. */
function recordObject(r: MetadataRecord): Record<string, unknown> {
  switch (r.type) {
    case 'clusterIdSet':
      return { clusterIdSet: { clusterId: r.clusterId } }
    case 'topicCreated':
      return { topicCreated: topicObject(r.topic) }
    case 'topicDeleted':
      return { topicDeleted: { topicId: idBytes(r.topicId) } }
    case 'partitionsChanged':
      return { partitionsChanged: { topicId: idBytes(r.topicId), partitions: r.partitions } }
    case 'topicConfigsSet':
      return { topicConfigsSet: { topicId: idBytes(r.topicId), configs: { ...r.configs } } }
    case 'brokerConfigsSet':
      return { brokerConfigsSet: { configs: { ...r.configs } } }
    case 'producerIdBlockAllocated':
      return { producerIdBlockAllocated: { first: r.first, count: r.count } }
    case 'featureLevelsSet':
      return { featureLevelsSet: { levels: levelObjects(r.levels) } }
    case 'groupConfigsSet':
      return { groupConfigsSet: { group: r.group, configs: { ...r.configs } } }
  }
}

function protobufjsRecord(r: MetadataRecord): Buffer {
  return Buffer.from(RecordType.encode(RecordType.fromObject(recordObject(r))).finish())
}

function protobufjsSnapshot(s: MetadataSnapshot): Buffer {
  const msg = SnapshotType.fromObject({
    journalGeneration: s.journalGeneration,
    clusterId: s.clusterId,
    topics: s.topics.map(topicObject),
    brokerConfigs: { ...s.brokerConfigs },
    nextProducerId: s.nextProducerId,
    featureLevels: levelObjects(s.featureLevels),
    groupConfigs: [...s.groupConfigs].map(([group, c]) => ({ group, configs: { ...c } })),
  })
  return Buffer.from(SnapshotType.encode(msg).finish())
}

// Keys that are easy to get wrong: integer-like (Object.keys puts them first), __proto__, empty,
// non-ASCII.
const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '17', '', 'ünï ☃', 'retention.ms'))
const configs = fc.dictionary(key, fc.oneof(fc.string(), fc.string({ unit: 'grapheme' })))
const id = fc.integer({ min: 0, max: 1_000_000 }).map(topicIdFor)
const partitions = fc.oneof(fc.integer({ min: 1, max: 0x7fffffff }), fc.constantFrom(1, 127, 128, 0x7fffffff))
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }),
  fc.constantFrom(0n, 127n, 128n, (1n << 62n) - 1n),
)
// Names as Kafka's (and the edge cases above); levels over int16's range, 0 included.
const featureLevels = fc
  .uniqueArray(
    fc.tuple(
      fc.oneof(
        key.filter((k) => k !== ''),
        fc.constant('transaction.version'),
      ),
      fc.integer({ min: 0, max: 0x7fff }),
    ),
    {
      selector: ([name]) => name,
      maxLength: 4,
    },
  )
  .map((entries) => new Map(entries))
const topic: fc.Arbitrary<TopicRecord> = fc.record({
  name: fc.string({ minLength: 1 }),
  topicId: id,
  partitions,
  configs,
})
const record: fc.Arbitrary<MetadataRecord> = fc.oneof(
  fc.string({ minLength: 1 }).map((clusterId) => ({ type: 'clusterIdSet' as const, clusterId })),
  topic.map((t) => ({ type: 'topicCreated' as const, topic: t })),
  id.map((topicId) => ({ type: 'topicDeleted' as const, topicId })),
  fc.record({ topicId: id, partitions }).map((r) => ({ type: 'partitionsChanged' as const, ...r })),
  fc.record({ topicId: id, configs }).map((r) => ({ type: 'topicConfigsSet' as const, ...r })),
  configs.map((c) => ({ type: 'brokerConfigsSet' as const, configs: c })),
  fc
    .record({ first: u64, count: u64.filter((c) => c > 0n) })
    .map((r) => ({ type: 'producerIdBlockAllocated' as const, ...r })),
  featureLevels.map((levels) => ({ type: 'featureLevelsSet' as const, levels })),
  fc
    .record({ group: key.filter((k) => k !== ''), configs })
    .map((r) => ({ type: 'groupConfigsSet' as const, ...r })),
)
const snapshot: fc.Arbitrary<MetadataSnapshot> = fc.record({
  journalGeneration: u64,
  clusterId: fc.string(),
  topics: fc.array(topic, { maxLength: 5 }),
  brokerConfigs: configs,
  nextProducerId: u64,
  featureLevels,
  groupConfigs: fc
    .uniqueArray(
      fc.tuple(
        key.filter((k) => k !== ''),
        configs,
      ),
      { selector: ([g]) => g, maxLength: 3 },
    )
    .map((entries) => new Map(entries)),
})

describe('metadata records against protobufjs and metadata.proto', () => {
  it('encodes every record to the bytes protobufjs writes, and decodes those bytes', () => {
    fc.assert(
      fc.property(record, (r) => {
        const reference = protobufjsRecord(r)
        expect(encodeRecord(r).toString('hex')).toBe(reference.toString('hex'))
        expect(decodeRecord(reference)).toEqual(r)
      }),
      { numRuns: 500 },
    )
  })

  it('encodes every snapshot to the bytes protobufjs writes, and decodes those bytes', () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const reference = protobufjsSnapshot(s)
        expect(encodeSnapshot(s).toString('hex')).toBe(reference.toString('hex'))
        expect(decodeSnapshot(reference)).toEqual(s)
      }),
      { numRuns: 300 },
    )
  })

  it('reads fields in any order, skips unknown ones of every wire type, and keeps the last value', () => {
    const t = { name: 'orders', topicId: topicIdFor(3), partitions: 6, configs: { a: '1', b: '2' } }
    const entries = (RecordType.fields['topicCreated'] as Protobuf.Field).resolvedType as Protobuf.Type
    const inner = Buffer.from(entries.encode(entries.fromObject(topicObject(t))).finish())
    // Unknown fields 20 (varint), 21 (fixed64), 22 (bytes), 23 (fixed32), then partitions again (7).
    const extra = Buffer.from([
      0xa0, 0x01, 0x96, 0x01, 0xa9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0xb2, 0x01, 0x02, 0xff, 0xfe, 0xbd, 0x01, 9,
      9, 9, 9, 0x18, 0x07,
    ])
    const reordered = Buffer.concat([extra, inner])
    const lastWins = Buffer.concat([inner, extra])
    const wrap = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x12, b.length]), b])
    const viaProtobufjs = (b: Buffer): unknown =>
      RecordType.toObject(RecordType.decode(wrap(b)), { oneofs: true, defaults: true })['topicCreated']
    // protobufjs agrees on both readings.
    expect(viaProtobufjs(reordered)).toMatchObject({ partitions: 6 })
    expect(viaProtobufjs(lastWins)).toMatchObject({ partitions: 7 })
    expect(decodeRecord(wrap(reordered))).toEqual({ type: 'topicCreated', topic: t })
    expect(decodeRecord(wrap(lastWins))).toEqual({ type: 'topicCreated', topic: { ...t, partitions: 7 } })
  })
})
