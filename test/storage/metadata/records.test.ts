import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MetadataCorruptError } from '../../../src/storage/metadata/index.ts'
import {
  decodeRecord,
  decodeSnapshot,
  encodeRecord,
  encodeSnapshot,
  type MetadataRecord,
  type MetadataSnapshot,
} from '../../../src/storage/metadata/records.ts'
import { topicIdFor } from './workload.ts'

const topic = {
  name: 'orders',
  topicId: topicIdFor(7),
  partitions: 12,
  configs: { 'retention.ms': '-1', 'cleanup.policy': 'compact' },
}

const EVERY_TYPE: MetadataRecord[] = [
  { type: 'clusterIdSet', clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' },
  { type: 'topicCreated', topic },
  { type: 'topicCreated', topic: { ...topic, name: 'empty-configs', configs: {} } },
  { type: 'topicDeleted', topicId: topic.topicId },
  { type: 'partitionsChanged', topicId: topic.topicId, partitions: 0x7fffffff },
  { type: 'topicConfigsSet', topicId: topic.topicId, configs: { 'min.insync.replicas': '1', '': '' } },
  { type: 'topicConfigsSet', topicId: topic.topicId, configs: {} },
  { type: 'brokerConfigsSet', configs: { 'log.retention.hours': '168', unicode: 'ünï ☃' } },
  { type: 'brokerConfigsSet', configs: {} },
  { type: 'producerIdBlockAllocated', first: 0n, count: 1000n },
  { type: 'producerIdBlockAllocated', first: (1n << 62n) + 12345n, count: 1n },
  {
    type: 'featureLevelsSet',
    levels: new Map([
      ['transaction.version', 0],
      ['group.version', 1],
    ]),
  },
  { type: 'featureLevelsSet', levels: new Map() },
  { type: 'groupConfigsSet', group: 'orders-app', configs: { 'consumer.session.timeout.ms': '50000' } },
  { type: 'groupConfigsSet', group: 'orders-app', configs: {} },
]

describe('metadata records', () => {
  it('round-trips every record type', () => {
    for (const r of EVERY_TYPE) expect(decodeRecord(encodeRecord(r))).toEqual(r)
    const types = new Set(EVERY_TYPE.map((r) => r.type))
    expect(types.size).toBe(9)
  })

  it('round-trips a snapshot, including the empty one', () => {
    const s: MetadataSnapshot = {
      journalGeneration: 42n,
      clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
      topics: [topic, { ...topic, name: 'b', topicId: topicIdFor(8), configs: {} }],
      brokerConfigs: { a: 'b' },
      nextProducerId: 5000n,
      featureLevels: new Map([['transaction.version', 1]]),
      groupConfigs: new Map([['g', { 'consumer.heartbeat.interval.ms': '6000' }]]),
    }
    expect(decodeSnapshot(encodeSnapshot(s))).toEqual(s)
    const empty: MetadataSnapshot = {
      journalGeneration: 0n,
      clusterId: '',
      topics: [],
      brokerConfigs: {},
      nextProducerId: 0n,
      featureLevels: new Map(),
      groupConfigs: new Map(),
    }
    expect(decodeSnapshot(encodeSnapshot(empty))).toEqual(empty)
  })

  it('round-trips random records', () => {
    const configs = fc.dictionary(fc.string(), fc.string())
    const id = fc.integer({ min: 0, max: 1_000_000 }).map(topicIdFor)
    const record: fc.Arbitrary<MetadataRecord> = fc.oneof(
      fc.string({ minLength: 1 }).map((clusterId) => ({ type: 'clusterIdSet' as const, clusterId })),
      fc
        .record({
          name: fc.string({ minLength: 1 }),
          topicId: id,
          partitions: fc.integer({ min: 1, max: 0x7fffffff }),
          configs,
        })
        .map((topic) => ({ type: 'topicCreated' as const, topic })),
      id.map((topicId) => ({ type: 'topicDeleted' as const, topicId })),
      fc
        .record({ topicId: id, partitions: fc.integer({ min: 1, max: 0x7fffffff }) })
        .map((r) => ({ type: 'partitionsChanged' as const, ...r })),
      fc.record({ topicId: id, configs }).map((r) => ({ type: 'topicConfigsSet' as const, ...r })),
      configs.map((c) => ({ type: 'brokerConfigsSet' as const, configs: c })),
      fc
        .record({
          first: fc.bigInt({ min: 0n, max: 1n << 61n }),
          count: fc.bigInt({ min: 1n, max: 1n << 61n }),
        })
        .map((r) => ({ type: 'producerIdBlockAllocated' as const, ...r })),
      fc
        .uniqueArray(fc.tuple(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 0x7fff })), {
          selector: ([name]) => name,
        })
        .map((entries) => ({ type: 'featureLevelsSet' as const, levels: new Map(entries) })),
      fc
        .record({ group: fc.string({ minLength: 1 }), configs })
        .map((r) => ({ type: 'groupConfigsSet' as const, ...r })),
    )
    fc.assert(
      fc.property(record, (r) => {
        expect(decodeRecord(encodeRecord(r))).toEqual(r)
      }),
    )
  })

  it('refuses bytes that are not a valid record with a typed error', () => {
    // An empty message: no record type set (as a newer build's unknown type would decode).
    expect(() => decodeRecord(Buffer.alloc(0))).toThrow(MetadataCorruptError)
    // Field 99 (unknown to this build) only.
    expect(() => decodeRecord(Buffer.from([0x9a, 0x06, 0x00]))).toThrow(/unknown record type/)
    // Truncated: a topicCreated whose length runs past the end.
    const full = encodeRecord({ type: 'topicCreated', topic })
    expect(() => decodeRecord(full.subarray(0, full.length - 3))).toThrow(MetadataCorruptError)
    // A topic id that is not 16 bytes, and a partition count of 0.
    expect(() => decodeRecord(Buffer.from([0x1a, 0x02, 0x0a, 0x00]))).toThrow(/16 bytes/)
    const zeroPartitions = encodeRecord({ type: 'partitionsChanged', topicId: topic.topicId, partitions: 1 })
    zeroPartitions[zeroPartitions.length - 1] = 0
    expect(() => decodeRecord(zeroPartitions)).toThrow(/partition count/)
    // A feature level outside int16 (written as int32 70000), and an empty feature name.
    const level = encodeRecord({ type: 'featureLevelsSet', levels: new Map([['f', 0x7fff]]) })
    const wide = Buffer.concat([
      level.subarray(0, 4),
      Buffer.from([0x0a, 0x01, 0x66, 0x10, 0xf0, 0xa2, 0x04]),
    ])
    wide[1] = wide.length - 2
    wide[3] = wide.length - 4
    expect(() => decodeRecord(wide)).toThrow(/out of range/)
    expect(() => decodeRecord(Buffer.from([0x42, 0x04, 0x0a, 0x02, 0x10, 0x01]))).toThrow(
      /empty feature name/,
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeRecord(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(MetadataCorruptError)
        }
      }),
    )
  })
})
