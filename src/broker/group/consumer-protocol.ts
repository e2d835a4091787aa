// The classic "consumer" embedded protocol as the coordinator itself must read and write it when a
// group changes protocol (KIP-848 migration): a classic member's subscription (JoinGroup metadata)
// and assignment (SyncGroup bytes), both "int16 version + ConsumerProtocol{Subscription,Assignment}
// at that version" (src/protocol/schema/records/consumer-protocol.ts). A version newer than 3 is
// read as 3 (newer versions only append fields); an assignment is written at the version of the
// member's subscription, as Kafka's ConsumerProtocol.serializeAssignment(…, version) does.

import {
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
} from '../../protocol/generated/index.ts'
import { Reader } from '../../protocol/primitives/reader.ts'
import { Writer } from '../../protocol/primitives/writer.ts'
import type { TopicResolver } from './group-host.ts'
import type { TopicPartitionsById } from './records.ts'

export interface TopicPartitionsByName {
  topic: string
  partitions: number[]
}

export interface DecodedSubscription {
  version: number
  topics: string[]
  /** v1+: what a cooperative member still owns; [] for older versions (eager members own nothing). */
  ownedPartitions: TopicPartitionsByName[]
  rackId: string | null
}

const MAX_VERSION = 3

/** The subscription, or undefined when the bytes are not a ConsumerProtocolSubscription. */
export function decodeSubscription(buf: Buffer): DecodedSubscription | undefined {
  try {
    const r = new Reader(buf)
    const version = r.int16()
    if (version < 0) return undefined
    const s = decodeConsumerProtocolSubscription(r, Math.min(version, MAX_VERSION))
    return {
      version,
      topics: s.topics,
      ownedPartitions: s.ownedPartitions.map((t) => ({ topic: t.topic, partitions: t.partitions })),
      rackId: s.rackId,
    }
  } catch {
    return undefined
  }
}

/** The assigned partitions, or undefined when the bytes are not a ConsumerProtocolAssignment. */
export function decodeAssignment(buf: Buffer): TopicPartitionsByName[] | undefined {
  // A member that never received an assignment has empty bytes.
  if (buf.length === 0) return []
  try {
    const r = new Reader(buf)
    const version = r.int16()
    if (version < 0) return undefined
    const a = decodeConsumerProtocolAssignment(r, Math.min(version, MAX_VERSION))
    return a.assignedPartitions.map((t) => ({ topic: t.topic, partitions: t.partitions }))
  } catch {
    return undefined
  }
}

/** An assignment at `version` (the member's subscription version, clamped to what we write). */
export function encodeAssignment(partitions: readonly TopicPartitionsByName[], version: number): Buffer {
  const v = Math.max(0, Math.min(version, MAX_VERSION))
  const w = new Writer(64)
  w.int16(v)
  encodeConsumerProtocolAssignment(w, v, {
    assignedPartitions: partitions.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })),
    userData: null,
  })
  return w.toBuffer()
}

/** The version a subscription was written at (0 when unreadable). */
export function subscriptionVersion(buf: Buffer): number {
  return buf.length >= 2 ? Math.max(0, buf.readInt16BE(0)) : 0
}

/** Partitions by topic name → by topic id; topics unknown to the broker are dropped. */
export function partitionsById(
  topics: TopicResolver | undefined,
  l: readonly TopicPartitionsByName[],
): TopicPartitionsById {
  const out: TopicPartitionsById = new Map()
  for (const t of l) {
    const info = topics?.byName(t.topic)
    if (info !== undefined) out.set(info.topicId, [...(out.get(info.topicId) ?? []), ...t.partitions])
  }
  return out
}

/** Partitions by topic id → by topic name (empty topics and unknown ids left out). */
export function partitionsByName(
  topics: TopicResolver | undefined,
  m: TopicPartitionsById,
): TopicPartitionsByName[] {
  const out: TopicPartitionsByName[] = []
  for (const [topicId, partitions] of m) {
    const info = topics?.byId(topicId)
    if (info !== undefined && partitions.length > 0)
      out.push({ topic: info.name, partitions: [...partitions] })
  }
  return out
}
