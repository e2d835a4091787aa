// Shared by the metadata tests: a deterministic list of store operations that exercises every
// record type, and a canonical dump of a store's visible state for comparisons.

import type { MetadataStore } from '../../../src/storage/metadata-store.ts'

export type Op =
  | { kind: 'create'; name: string; topicId: string; partitions: number; configs: Record<string, string> }
  | { kind: 'delete'; name: string }
  | { kind: 'partitions'; name: string; partitions: number }
  | { kind: 'topicConfigs'; name: string; configs: Record<string, string> }
  | { kind: 'brokerConfigs'; configs: Record<string, string> }
  | { kind: 'producerIds'; count: number }

/** A Kafka-shaped topic id that is a pure function of `i` (tests compare across processes). */
export function topicIdFor(i: number): string {
  const b = Buffer.alloc(16)
  b.writeUInt32BE(0x5a5a0000 + i, 0)
  b.writeUInt32BE((i * 2654435761) >>> 0, 12)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  return b.toString('base64url')
}

export function workload(n: number): Op[] {
  const ops: Op[] = []
  const live: string[] = []
  for (let i = 0; ops.length < n; i++) {
    const name = `topic-${i}`
    ops.push({
      kind: 'create',
      name,
      topicId: topicIdFor(i),
      partitions: 1 + (i % 4),
      configs: { 'cleanup.policy': 'delete' },
    })
    live.push(name)
    switch (i % 5) {
      case 1:
        ops.push({ kind: 'partitions', name, partitions: 10 + i })
        break
      case 2:
        ops.push({
          kind: 'topicConfigs',
          name,
          configs: { 'retention.ms': String(1000 * i), 'segment.bytes': '1048576' },
        })
        break
      case 3:
        ops.push({ kind: 'delete', name: live.shift()! })
        break
      case 4:
        ops.push({ kind: 'brokerConfigs', configs: { 'log.retention.ms': String(i) } })
        ops.push({ kind: 'producerIds', count: 1 + (i % 3) * 700 })
        break
    }
  }
  return ops.slice(0, n)
}

export async function run(store: MetadataStore, op: Op): Promise<bigint | undefined> {
  switch (op.kind) {
    case 'create':
      await store.createTopic({
        name: op.name,
        topicId: op.topicId,
        partitions: op.partitions,
        configs: op.configs,
      })
      return undefined
    case 'delete':
      await store.deleteTopic(op.name)
      return undefined
    case 'partitions':
      await store.setPartitionCount(op.name, op.partitions)
      return undefined
    case 'topicConfigs':
      await store.setTopicConfigs(op.name, op.configs)
      return undefined
    case 'brokerConfigs':
      await store.setBrokerConfigs(op.configs)
      return undefined
    case 'producerIds':
      return store.allocateProducerIds(op.count)
  }
}

export interface Dump {
  clusterId: string
  topics: { name: string; topicId: string; partitions: number; configs: Record<string, string> }[]
  brokerConfigs: Record<string, string>
  featureLevels: [string, number][]
  groupConfigs: [string, Record<string, string>][]
}

export function dump(store: MetadataStore): Dump {
  return {
    clusterId: store.clusterId,
    topics: store.topics().map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: t.partitions,
      configs: { ...t.configs },
    })),
    brokerConfigs: { ...store.brokerConfigs() },
    featureLevels: [...store.featureLevels()],
    groupConfigs: store.groupsWithConfigs().map((g) => [g, { ...store.groupConfigs(g) }]),
  }
}
