// The topic settings Produce validation needs (topic override > broker synonym > default, via
// topic-config.ts), resolved into plain fields and cached per topic record. Resolving walks Kafka's
// synonym chain for up to eight properties (tens of µs, measurable at thousands of requests per second),
// so a resolution is reused while the topic record is the same object (config changes replace it)
// and for at most POLICY_TTL_MS, after which a dynamic broker-level change is picked up — Kafka
// also applies dynamic broker configs asynchronously.

import type { TopicRecord } from '../../storage/metadata-store.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { topicConfigNumber, topicConfigString } from '../config/topic-config.ts'
import { Compression } from '../../protocol/records/batch-header.ts'

export interface ProducePolicy {
  /** max.message.bytes: the largest batch (12-byte log overhead included) a partition accepts. */
  readonly maxMessageBytes: number
  /** message.timestamp.type = LogAppendTime: the broker stamps batches and skips timestamp checks. */
  readonly logAppendTime: boolean
  /** message.timestamp.before.max.ms / after.max.ms (Long.MAX_VALUE reads as Number.MAX_SAFE_INTEGER). */
  readonly timestampBeforeMaxMs: number
  readonly timestampAfterMaxMs: number
  /** min.insync.replicas: acks=all needs this many in-sync replicas; a single node has one. */
  readonly minInsyncReplicas: number
  /** cleanup.policy contains compact: every record needs a key. */
  readonly compacted: boolean
  /**
   * compression.type as a codec id (Compression in batch-header.ts; `uncompressed` is 0), or
   * undefined for `producer`: batches in another codec are re-encoded in this one.
   */
  readonly targetCodec: number | undefined
  /** compression.<codec>.level for the target codec (KIP-390); undefined: the codec's default. */
  readonly compressionLevel: number | undefined
}

const CODEC_OF_TYPE: Readonly<Record<string, number>> = {
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
}

const LEVEL_CONFIG: Readonly<Record<number, string>> = {
  [Compression.Gzip]: 'compression.gzip.level',
  [Compression.Zstd]: 'compression.zstd.level',
}

export const POLICY_TTL_MS = 1000

const cache = new WeakMap<TopicRecord, { policy: ProducePolicy; broker: BrokerConfig; at: number }>()

/** The topic's policy; `nowMs` is monotonic time (cache expiry). */
export function producePolicy(topic: TopicRecord, broker: BrokerConfig, nowMs: number): ProducePolicy {
  const hit = cache.get(topic)
  if (hit !== undefined && hit.broker === broker && nowMs - hit.at < POLICY_TTL_MS) return hit.policy
  const policy = resolvePolicy(topic, broker)
  cache.set(topic, { policy, broker, at: nowMs })
  return policy
}

function resolvePolicy(topic: TopicRecord, broker: BrokerConfig): ProducePolicy {
  const o = topic.configs
  const cleanup = o['cleanup.policy']
  const policies =
    cleanup !== undefined ? cleanup.split(',').map((s) => s.trim()) : broker.list('log.cleanup.policy')
  const targetCodec = CODEC_OF_TYPE[topicConfigString('compression.type', o, broker)]
  const levelConfig = targetCodec === undefined ? undefined : LEVEL_CONFIG[targetCodec]
  return {
    maxMessageBytes: topicConfigNumber('max.message.bytes', o, broker),
    logAppendTime: topicConfigString('message.timestamp.type', o, broker) === 'LogAppendTime',
    timestampBeforeMaxMs: topicConfigNumber('message.timestamp.before.max.ms', o, broker),
    timestampAfterMaxMs: topicConfigNumber('message.timestamp.after.max.ms', o, broker),
    minInsyncReplicas: topicConfigNumber('min.insync.replicas', o, broker),
    compacted: policies.includes('compact'),
    targetCodec,
    compressionLevel: levelConfig === undefined ? undefined : topicConfigNumber(levelConfig, o, broker),
  }
}
