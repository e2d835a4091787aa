// The topic settings Produce validation needs, resolved once per topic per request (topic override >
// broker synonym > default, via topic-config.ts) so the per-partition path reads plain fields.

import type { TopicRecord } from '../../storage/metadata-store.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { topicConfigNumber, topicConfigString } from '../config/topic-config.ts'

export interface ProducePolicy {
  /** max.message.bytes: the largest batch (12-byte log overhead included) a partition accepts. */
  readonly maxMessageBytes: number
  /** message.timestamp.type = LogAppendTime: the broker stamps batches and skips timestamp checks. */
  readonly logAppendTime: boolean
  /** message.timestamp.before.max.ms / after.max.ms (Long.MAX_VALUE reads as Infinity-like). */
  readonly timestampBeforeMaxMs: number
  readonly timestampAfterMaxMs: number
  /** min.insync.replicas: acks=all needs this many in-sync replicas; a single node has one. */
  readonly minInsyncReplicas: number
  /** cleanup.policy contains compact: every record needs a key. */
  readonly compacted: boolean
}

/** Kafka's default message.timestamp.before.max.ms (Long.MAX_VALUE) means "no lower bound". */
const NO_LIMIT_MS = 9.2e18

export function producePolicy(topic: TopicRecord, broker: BrokerConfig): ProducePolicy {
  const o = topic.configs
  const cleanup = o['cleanup.policy']
  const policies =
    cleanup !== undefined ? cleanup.split(',').map((s) => s.trim()) : broker.list('log.cleanup.policy')
  return {
    maxMessageBytes: topicConfigNumber('max.message.bytes', o, broker),
    logAppendTime: topicConfigString('message.timestamp.type', o, broker) === 'LogAppendTime',
    timestampBeforeMaxMs: topicConfigNumber('message.timestamp.before.max.ms', o, broker),
    timestampAfterMaxMs: topicConfigNumber('message.timestamp.after.max.ms', o, broker),
    minInsyncReplicas: topicConfigNumber('min.insync.replicas', o, broker),
    compacted: policies.includes('compact'),
  }
}

/** Whether before.max.ms bounds anything (the default does not, so the fast path may skip records). */
export function hasLowerTimestampBound(p: ProducePolicy): boolean {
  return p.timestampBeforeMaxMs < NO_LIMIT_MS
}
