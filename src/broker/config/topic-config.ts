// Topic-level configuration: validating the overrides a client sends (CreateTopics, AlterConfigs,
// IncrementalAlterConfigs), resolving each topic property through Kafka's synonym chain
// (topic override > broker property synonyms, highest first > default), and turning the result
// into the LogConfig the storage layer uses.

import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../storage/log-store.ts'
import type { BrokerConfig, ConfigOrigin } from './broker-config.ts'
import { LONG_MAX, TOPIC_CONFIG_BY_NAME, TOPIC_CONFIGS, type TopicConfigDef } from './definitions.ts'
import { parseConfigValue, suggestName, type ConfigValue } from './values.ts'

/** Where a topic property's effective value comes from. */
export type TopicConfigOrigin = 'topic' | `broker-${ConfigOrigin}`

export interface TopicConfigSynonym {
  readonly name: string
  readonly value: string | null
  readonly origin: TopicConfigOrigin
}

export interface ResolvedTopicConfig {
  readonly def: TopicConfigDef
  readonly value: string | null
  readonly origin: TopicConfigOrigin
  /** Every place the value could come from that has one, highest precedence first (DescribeConfigs synonyms). */
  readonly synonyms: readonly TopicConfigSynonym[]
}

/** Checks one topic override; returns an error text for INVALID_CONFIG, or undefined when valid. */
export function validateTopicConfig(name: string, value: string | null): string | undefined {
  const def = TOPIC_CONFIG_BY_NAME.get(name)
  if (def === undefined) {
    const hint = suggestName(name, TOPIC_CONFIG_BY_NAME.keys())
    return `Unknown topic config name: ${name}${hint !== undefined ? ` (did you mean ${hint}?)` : ''}`
  }
  if (value === null) return `Null value not supported for topic configs: ${name}`
  const parsed = parseConfigValue(def, value)
  return parsed.ok ? undefined : `Invalid value ${value} for configuration ${name}: ${parsed.error}`
}

/** Validates a whole override set (and cross-property rules); returns the first error or undefined. */
export function validateTopicConfigs(configs: Readonly<Record<string, string>>): string | undefined {
  for (const [name, value] of Object.entries(configs)) {
    const err = validateTopicConfig(name, value)
    if (err !== undefined) return err
  }
  // Kafka's LogConfig.validateValues, over the overrides with the topic-level defaults.
  const minLag = BigInt(configs['min.compaction.lag.ms'] ?? '0')
  const maxLag = BigInt(configs['max.compaction.lag.ms'] ?? LONG_MAX)
  if (minLag > maxLag)
    return `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`
  return undefined
}

/** The broker-side value of a broker property as a topic default, with Kafka's unit conversions. */
function brokerSynonymValue(broker: BrokerConfig, brokerName: string): string | null {
  const { raw } = broker.entry(brokerName)
  if (raw === null) return null
  const n = Number(raw)
  if (brokerName.endsWith('.hours')) return String(n < 0 ? -1 : n * 3_600_000)
  if (brokerName.endsWith('.minutes')) return String(n < 0 ? -1 : n * 60_000)
  return raw
}

export function resolveTopicConfig(
  def: TopicConfigDef,
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): ResolvedTopicConfig {
  const synonyms: TopicConfigSynonym[] = []
  const own = overrides[def.name]
  if (own !== undefined) synonyms.push({ name: def.name, value: own, origin: 'topic' })
  let fallback: TopicConfigSynonym | undefined
  for (const b of def.synonyms) {
    const e = broker.entry(b)
    if (e.origin !== 'default') synonyms.push({ name: b, value: e.raw, origin: `broker-${e.origin}` })
    else if (fallback === undefined && e.raw !== null)
      fallback = { name: b, value: e.raw, origin: 'broker-default' }
  }
  if (fallback !== undefined) synonyms.push(fallback)
  const first = synonyms[0]
  if (first === undefined) return { def, value: def.default, origin: 'broker-default', synonyms }
  const value = first.origin === 'topic' ? first.value : brokerSynonymValue(broker, first.name)
  return { def, value, origin: first.origin, synonyms }
}

/** Every topic property with its effective value, in name order. */
export function effectiveTopicConfigs(
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): ResolvedTopicConfig[] {
  return [...TOPIC_CONFIGS]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((d) => resolveTopicConfig(d, overrides, broker))
}

function valueOf(
  name: string,
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): ConfigValue {
  const def = TOPIC_CONFIG_BY_NAME.get(name)
  if (def === undefined) throw new RangeError(`unknown topic config ${name}`)
  const r = resolveTopicConfig(def, overrides, broker)
  const parsed = parseConfigValue(def, r.value)
  if (!parsed.ok) throw new RangeError(parsed.error)
  return parsed.value
}

function num(
  name: string,
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
  dflt: number,
): number {
  const v = valueOf(name, overrides, broker)
  return typeof v === 'number' ? v : dflt
}

/** The LogConfig for a topic: its overrides over the broker's settings. */
export function toLogConfig(overrides: Readonly<Record<string, string>>, broker: BrokerConfig): LogConfig {
  const policy = valueOf('cleanup.policy', overrides, broker)
  const policies = Array.isArray(policy) ? (policy as readonly string[]) : ['delete']
  const flushMessages = num('flush.messages', overrides, broker, DEFAULT_LOG_CONFIG.flushMessages)
  return {
    segmentBytes: num('segment.bytes', overrides, broker, DEFAULT_LOG_CONFIG.segmentBytes),
    segmentMs: num('segment.ms', overrides, broker, broker.logRollMs),
    segmentIndexBytes: num('segment.index.bytes', overrides, broker, DEFAULT_LOG_CONFIG.segmentIndexBytes),
    indexIntervalBytes: num('index.interval.bytes', overrides, broker, DEFAULT_LOG_CONFIG.indexIntervalBytes),
    retentionMs: num('retention.ms', overrides, broker, broker.logRetentionMs),
    retentionBytes: num('retention.bytes', overrides, broker, DEFAULT_LOG_CONFIG.retentionBytes),
    cleanupPolicy: { delete: policies.includes('delete'), compact: policies.includes('compact') },
    flushMessages,
    flushMs: num('flush.ms', overrides, broker, broker.logFlushIntervalMs),
    // flush.messages=1 is Kafka's "fsync every append before acknowledging".
    durable: flushMessages <= 1,
    minCleanableDirtyRatio: num(
      'min.cleanable.dirty.ratio',
      overrides,
      broker,
      DEFAULT_LOG_CONFIG.minCleanableDirtyRatio,
    ),
    deleteRetentionMs: num('delete.retention.ms', overrides, broker, DEFAULT_LOG_CONFIG.deleteRetentionMs),
    minCompactionLagMs: num(
      'min.compaction.lag.ms',
      overrides,
      broker,
      DEFAULT_LOG_CONFIG.minCompactionLagMs,
    ),
    maxCompactionLagMs: Math.min(
      num('max.compaction.lag.ms', overrides, broker, DEFAULT_LOG_CONFIG.maxCompactionLagMs),
      DEFAULT_LOG_CONFIG.maxCompactionLagMs,
    ),
    fileDeleteDelayMs: num('file.delete.delay.ms', overrides, broker, DEFAULT_LOG_CONFIG.fileDeleteDelayMs),
  }
}

/** Typed reads of the topic properties handlers need (Produce validation and the like). */
export function topicConfigNumber(
  name: string,
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): number {
  const v = valueOf(name, overrides, broker)
  if (typeof v !== 'number') throw new TypeError(`topic config ${name} is not numeric`)
  return v
}

export function topicConfigString(
  name: string,
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): string {
  const v = valueOf(name, overrides, broker)
  if (typeof v !== 'string') throw new TypeError(`topic config ${name} is not a string`)
  return v
}
