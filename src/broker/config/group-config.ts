// Group configs (KIP-848): per-group overrides of the consumer-group timeouts, the GROUP config
// resource (type 32) of DescribeConfigs, AlterConfigs and IncrementalAlterConfigs, as in Kafka 4.0
// (GroupConfig). A group's effective value is its override, else the broker property it defaults
// to (`consumer.session.timeout.ms` ← `group.consumer.session.timeout.ms`, …). The share.* names
// are Kafka's too and are accepted, validated, stored and described, but have no effect: Samsa
// serves no share groups; their bounds are Kafka's defaults for the group.share.* properties.
//
// Validation follows Kafka's GroupConfig.validate: only these names; integers; each within its
// broker min/max bounds; a session timeout greater than the heartbeat interval — checked on the
// values the group would have after the change (Kafka checks against its built-in defaults for
// the names not overridden; here those are the broker's values, which are what the group gets).
// Overrides exist independently of the group (as in Kafka): they may be set before the group
// exists and stay when it is deleted.

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import type { BrokerConfig } from './broker-config.ts'
import type { ConfigDef } from './definitions.ts'
import { parseConfigValue } from './values.ts'

interface GroupConfigDef extends ConfigDef {
  /** The value when the group has no override: a broker property, or a fixed number. */
  readonly fallback: { property: string } | { value: number }
  readonly bounds: readonly [min: { property: string } | number, max: { property: string } | number]
}

function groupDef(
  name: string,
  doc: string,
  fallback: GroupConfigDef['fallback'],
  bounds: GroupConfigDef['bounds'],
  min: number,
): GroupConfigDef {
  return { name, type: 'int', default: null, doc, implemented: true, min, fallback, bounds }
}

export const GROUP_CONFIGS: readonly GroupConfigDef[] = [
  groupDef(
    'consumer.session.timeout.ms',
    'The timeout to detect client failures when using the consumer group protocol.',
    { property: 'group.consumer.session.timeout.ms' },
    [
      { property: 'group.consumer.min.session.timeout.ms' },
      { property: 'group.consumer.max.session.timeout.ms' },
    ],
    1,
  ),
  groupDef(
    'consumer.heartbeat.interval.ms',
    'The heartbeat interval given to the members of a consumer group.',
    { property: 'group.consumer.heartbeat.interval.ms' },
    [
      { property: 'group.consumer.min.heartbeat.interval.ms' },
      { property: 'group.consumer.max.heartbeat.interval.ms' },
    ],
    1,
  ),
  groupDef(
    'share.session.timeout.ms',
    'The timeout to detect client failures when using the share group protocol (share groups are not served).',
    { value: 45_000 },
    [45_000, 60_000],
    1,
  ),
  groupDef(
    'share.heartbeat.interval.ms',
    'The heartbeat interval given to the members of a share group (share groups are not served).',
    { value: 5_000 },
    [5_000, 15_000],
    1,
  ),
  groupDef(
    'share.record.lock.duration.ms',
    'The record acquisition lock duration in milliseconds for share groups (share groups are not served).',
    { value: 30_000 },
    [15_000, 60_000],
    1000,
  ),
]

export const GROUP_CONFIG_BY_NAME: ReadonlyMap<string, GroupConfigDef> = new Map(
  GROUP_CONFIGS.map((d) => [d.name, d]),
)

function resolve(ref: { property: string } | { value: number } | number, broker: BrokerConfig): number {
  if (typeof ref === 'number') return ref
  return 'property' in ref ? broker.number(ref.property) : ref.value
}

/** The group's value of `def`: its override when it has one, else the broker's. */
export function groupConfigValue(
  def: GroupConfigDef,
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): number {
  const own = overrides[def.name]
  if (own !== undefined) {
    const parsed = parseConfigValue(def, own)
    if (parsed.ok && typeof parsed.value === 'number') return parsed.value
  }
  return resolve(def.fallback, broker)
}

/** The consumer-group timeouts a group runs with. */
export interface ConsumerGroupTimeouts {
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
}

export function consumerGroupTimeouts(
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): ConsumerGroupTimeouts {
  return {
    sessionTimeoutMs: groupConfigValue(
      GROUP_CONFIG_BY_NAME.get('consumer.session.timeout.ms')!,
      overrides,
      broker,
    ),
    heartbeatIntervalMs: groupConfigValue(
      GROUP_CONFIG_BY_NAME.get('consumer.heartbeat.interval.ms')!,
      overrides,
      broker,
    ),
  }
}

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, message)
}

/** Throws INVALID_CONFIG (Kafka's messages) unless `overrides` is a valid set for a group. */
export function validateGroupConfigs(
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
): void {
  for (const [name, raw] of Object.entries(overrides)) {
    const def = GROUP_CONFIG_BY_NAME.get(name)
    if (def === undefined) throw invalid(`Unknown group config name: ${name}`)
    const parsed = parseConfigValue(def, raw)
    if (!parsed.ok) {
      const why = parsed.error.slice(parsed.error.indexOf(': ') + 2)
      throw invalid(`Invalid value ${raw} for configuration ${name}: ${why}`)
    }
  }
  const values = new Map(GROUP_CONFIGS.map((d) => [d.name, groupConfigValue(d, overrides, broker)]))
  for (const d of GROUP_CONFIGS) {
    const v = values.get(d.name)!
    const [min, max] = d.bounds
    const boundName = (b: typeof min): string => (typeof b === 'number' ? String(b) : b.property)
    if (v < resolve(min, broker))
      throw invalid(`${d.name} must be greater than or equal to ${boundName(min)}`)
    if (v > resolve(max, broker)) throw invalid(`${d.name} must be less than or equal to ${boundName(max)}`)
  }
  for (const kind of ['consumer', 'share']) {
    if (values.get(`${kind}.session.timeout.ms`)! <= values.get(`${kind}.heartbeat.interval.ms`)!)
      throw invalid(`${kind}.session.timeout.ms must be greater than ${kind}.heartbeat.interval.ms`)
  }
}
