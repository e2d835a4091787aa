// The broker's effective configuration: Kafka defaults (with Samsa's dev-friendly changes) <
// static settings (server.properties, environment, --override, embedding options) < dynamic
// broker configs (AlterConfigs on the BROKER resource, persisted in the MetadataStore).
// Values are validated when they enter (load.ts, AlterConfigs), so getters do not fail on bad
// text; asking for an undefined property name is a programming error and throws.

import { BROKER_CONFIG_BY_NAME, type ConfigDef } from './definitions.ts'
import { parseConfigValue, type ConfigValue } from './values.ts'

/** Where an effective value came from (DescribeConfigs reports it). */
export type ConfigOrigin = 'dynamic' | 'static' | 'default'

export interface ConfigEntryValue {
  readonly def: ConfigDef
  readonly raw: string | null
  readonly origin: ConfigOrigin
}

export class BrokerConfig {
  private readonly staticValues: ReadonlyMap<string, string>
  private dynamicValues: ReadonlyMap<string, string>
  private readonly cache = new Map<string, ConfigValue>()

  constructor(
    staticValues: ReadonlyMap<string, string>,
    dynamicValues: ReadonlyMap<string, string> = new Map(),
  ) {
    this.staticValues = staticValues
    this.dynamicValues = dynamicValues
  }

  /** Replaces the dynamic layer (after AlterConfigs, or at start from the MetadataStore). */
  setDynamic(values: Readonly<Record<string, string>>): void {
    this.dynamicValues = new Map(Object.entries(values))
    this.cache.clear()
  }

  dynamic(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.dynamicValues)
  }

  /** Explicitly set static values (file, environment, overrides). */
  staticSettings(): ReadonlyMap<string, string> {
    return this.staticValues
  }

  private def(name: string): ConfigDef {
    const d = BROKER_CONFIG_BY_NAME.get(name)
    if (d === undefined) throw new RangeError(`unknown broker config ${name}`)
    return d
  }

  /** The effective raw value, its definition and where it came from. */
  entry(name: string): ConfigEntryValue {
    const def = this.def(name)
    const dyn = this.dynamicValues.get(name)
    if (dyn !== undefined) return { def, raw: dyn, origin: 'dynamic' }
    const st = this.staticValues.get(name)
    if (st !== undefined) return { def, raw: st, origin: 'static' }
    return { def, raw: def.default, origin: 'default' }
  }

  /** Whether the property was set explicitly (statically or dynamically). */
  isSet(name: string): boolean {
    return this.entry(name).origin !== 'default'
  }

  get(name: string): ConfigValue {
    const hit = this.cache.get(name)
    if (hit !== undefined || this.cache.has(name)) return hit ?? null
    const { def, raw } = this.entry(name)
    const parsed = parseConfigValue(def, raw)
    if (!parsed.ok) throw new RangeError(parsed.error)
    this.cache.set(name, parsed.value)
    return parsed.value
  }

  number(name: string): number {
    const v = this.get(name)
    if (typeof v !== 'number') throw new TypeError(`${name} has no numeric value`)
    return v
  }

  /** A numeric property that may be unset (null). */
  optionalNumber(name: string): number | null {
    const v = this.get(name)
    if (v === null) return null
    if (typeof v !== 'number') throw new TypeError(`${name} is not numeric`)
    return v
  }

  boolean(name: string): boolean {
    const v = this.get(name)
    if (typeof v !== 'boolean') throw new TypeError(`${name} has no boolean value`)
    return v
  }

  string(name: string): string | null {
    const v = this.get(name)
    if (v === null) return null
    if (typeof v !== 'string') throw new TypeError(`${name} is not a string`)
    return v
  }

  list(name: string): readonly string[] {
    const v = this.get(name)
    if (v === null) return []
    if (!Array.isArray(v)) throw new TypeError(`${name} is not a list`)
    return v as readonly string[]
  }

  // Derived settings with Kafka's precedence rules.

  /** node.id, or broker.id when only that older name is set. */
  get nodeId(): number {
    const brokerId = this.optionalNumber('broker.id')
    if (!this.isSet('node.id') && brokerId !== null && brokerId >= 0) return brokerId
    return this.number('node.id')
  }

  /** log.retention.ms > log.retention.minutes > log.retention.hours (ms; -1 = forever). */
  get logRetentionMs(): number {
    const ms = this.optionalNumber('log.retention.ms')
    if (ms !== null) return ms < 0 ? -1 : ms
    const minutes = this.optionalNumber('log.retention.minutes')
    if (minutes !== null) return minutes < 0 ? -1 : minutes * 60_000
    const hours = this.number('log.retention.hours')
    return hours < 0 ? -1 : hours * 3_600_000
  }

  /** log.roll.ms > log.roll.hours. */
  get logRollMs(): number {
    return this.optionalNumber('log.roll.ms') ?? this.number('log.roll.hours') * 3_600_000
  }

  get logRollJitterMs(): number {
    return this.optionalNumber('log.roll.jitter.ms') ?? this.number('log.roll.jitter.hours') * 3_600_000
  }

  /** log.flush.interval.ms falls back to log.flush.scheduler.interval.ms, as in Kafka. */
  get logFlushIntervalMs(): number {
    return this.optionalNumber('log.flush.interval.ms') ?? this.number('log.flush.scheduler.interval.ms')
  }

  /** The data directory: the first of log.dirs, else log.dir. */
  get logDir(): string {
    const dirs = this.list('log.dirs')
    return dirs[0] ?? this.string('log.dir') ?? '/tmp/kafka-logs'
  }
}
