// Feature levels (KIP-584): which versioned features this node supports and at which level each is
// finalized. ApiVersions v3+ reports both; clients switch behaviour on the finalized levels, not on
// the API versions (which Kafka advertises the same whatever the levels are).
//
// Samsa declares one feature, `transaction.version` (KIP-890 / KIP-1022): levels 0-2.
//   0  transactions v1, __transaction_state values written at version 0;
//   1  the same protocol, values written at version 1 (flexible, tagged fields);
//   2  transactions v2: Java ≥ 4.0 and franz-go clients send Produce v12+ without
//      AddPartitionsToTxn, TxnOffsetCommit v5+ without AddOffsetsToTxn, and EndTxn v5+, which
//      bumps the producer epoch at the end of every transaction.
// A fresh Kafka 4.x cluster finalizes level 2 (its 4.0-IV3 bootstrap metadata version implies it);
// Kafka chooses the level with `kafka-storage format --feature transaction.version=N` or
// `kafka-features upgrade|downgrade` (UpdateFeatures). Here the broker property
// `transaction.version` is the level of a fresh data directory (what formatting chooses), and
// UpdateFeatures changes it at run time; a level UpdateFeatures set is kept in the metadata store
// and wins over the property's default at the next start, but a property set explicitly wins over
// it (the operator asked for that level on this start).
// The coordinator serves both protocols at any level (as Kafka does: the request version decides),
// so the level only steers clients.
//
// The finalized-features epoch starts at the broker's start time in ms and moves to
// max(epoch + 1, now) on every change: it must be ≥ 0 for clients to read the levels at all, and
// Java clients ignore levels whose epoch is not newer than one they have seen, so it grows across
// restarts and updates alike.
//
// UpdateFeatures follows Kafka's controller (FeatureControlManager): updates are checked in request
// order and the first invalid one fails the whole request with INVALID_UPDATE_VERSION and nothing
// changes; an upgrade type other than 1 (upgrade), 2 (safe downgrade) or 3 (unsafe downgrade) is
// invalid; a level below 0, outside what this node supports, or for a feature it does not know is
// invalid; lowering a level needs a downgrade type and raising one needs the upgrade type. Level 0
// removes the feature from the finalized list. Updates run one at a time, each durable (metadata
// store) before clients see it.

import type { BrokerConfig } from './config/broker-config.ts'

export const TRANSACTION_VERSION_FEATURE = 'transaction.version'
/** The highest transaction.version this node implements. */
export const MAX_TRANSACTION_VERSION = 2

export interface SupportedFeature {
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
}

export interface FinalizedFeature {
  readonly name: string
  readonly level: number
}

export const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: TRANSACTION_VERSION_FEATURE, minVersion: 0, maxVersion: MAX_TRANSACTION_VERSION },
]

/** UpdateFeatures' upgrade types (FeatureUpdate.UpgradeType); v0's AllowDowngrade maps to 1 or 2. */
export const UpgradeType = { UPGRADE: 1, SAFE_DOWNGRADE: 2, UNSAFE_DOWNGRADE: 3 } as const

export interface FeatureUpdate {
  readonly feature: string
  readonly level: number
  readonly upgradeType: number
}

/** The first invalid update's reason (Kafka's INVALID_UPDATE_VERSION message), or undefined. */
export function invalidFeatureUpdate(
  current: (name: string) => number,
  nodeId: number,
  u: FeatureUpdate,
): string | undefined {
  const reason = ((): string | undefined => {
    if (u.upgradeType < UpgradeType.UPGRADE || u.upgradeType > UpgradeType.UNSAFE_DOWNGRADE)
      return 'The controller does not support the given upgrade type.'
    if (u.level < 0) return 'A feature version cannot be less than 0.'
    const supported = SUPPORTED_FEATURES.find((f) => f.name === u.feature)
    if (supported === undefined) {
      return u.level === 0
        ? `Unknown feature ${u.feature}.`
        : `Local controller ${nodeId} does not support this feature.`
    }
    if (u.level < supported.minVersion || u.level > supported.maxVersion)
      return `Local controller ${nodeId} only supports versions ${supported.minVersion}-${supported.maxVersion}`
    const now = current(u.feature)
    if (u.level < now && u.upgradeType === UpgradeType.UPGRADE)
      return "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."
    if (u.level > now && u.upgradeType !== UpgradeType.UPGRADE) return "Can't downgrade to a newer version."
    return undefined
  })()
  return reason === undefined
    ? undefined
    : `Invalid update version ${u.level} for feature ${u.feature}. ${reason}`
}

/** Where UpdateFeatures makes its levels durable (the broker's metadata store). */
export interface FeatureLevelStore {
  featureLevels(): ReadonlyMap<string, number>
  setFeatureLevels(levels: ReadonlyMap<string, number>): Promise<void>
}

export class FeatureLevels {
  #epoch: bigint
  #levels: ReadonlyMap<string, number>
  /** The update running now: the next one starts after it (validation sees its result). */
  #updating: Promise<unknown> = Promise.resolve()

  constructor(levels: ReadonlyMap<string, number>, epoch: bigint) {
    this.#levels = levels
    this.#epoch = epoch
  }

  /**
   * The levels at start: the property when set explicitly, else the level UpdateFeatures stored,
   * else the property's default.
   */
  static load(config: BrokerConfig, stored: ReadonlyMap<string, number>, nowMs: number): FeatureLevels {
    const levels = new Map<string, number>()
    for (const f of SUPPORTED_FEATURES) {
      const kept = stored.get(f.name)
      const level = config.isSet(f.name) || kept === undefined ? config.number(f.name) : kept
      levels.set(f.name, Math.min(Math.max(level, f.minVersion), f.maxVersion))
    }
    return new FeatureLevels(levels, BigInt(nowMs))
  }

  static fromConfig(config: BrokerConfig, nowMs: number): FeatureLevels {
    return FeatureLevels.load(config, new Map(), nowMs)
  }

  get epoch(): bigint {
    return this.#epoch
  }

  level(name: string): number {
    return this.#levels.get(name) ?? 0
  }

  /** The finalized transaction.version. */
  get transactionVersion(): number {
    return this.level(TRANSACTION_VERSION_FEATURE)
  }

  /** Finalized features as ApiVersions lists them: level 0 means "not finalized" and is left out. */
  finalized(): FinalizedFeature[] {
    return [...this.#levels].filter(([, level]) => level > 0).map(([name, level]) => ({ name, level }))
  }

  /**
   * Applies UpdateFeatures' updates (a feature named twice: the last wins): resolves with the first
   * invalid update's message (nothing changed), or undefined once the new levels are durable in
   * `store` and finalized here. `validateOnly` checks without changing anything.
   */
  update(
    updates: readonly FeatureUpdate[],
    options: { validateOnly: boolean; nodeId: number; store: FeatureLevelStore; nowMs: () => number },
  ): Promise<string | undefined> {
    const run = async (): Promise<string | undefined> => {
      const last = new Map(updates.map((u) => [u.feature, u]))
      for (const u of last.values()) {
        const invalid = invalidFeatureUpdate((name) => this.level(name), options.nodeId, u)
        if (invalid !== undefined) return invalid
      }
      if (options.validateOnly || last.size === 0) return undefined
      const stored = new Map(options.store.featureLevels())
      const levels = new Map(this.#levels)
      for (const u of last.values()) {
        stored.set(u.feature, u.level)
        levels.set(u.feature, u.level)
      }
      await options.store.setFeatureLevels(stored)
      this.#levels = levels
      const now = BigInt(options.nowMs())
      this.#epoch = now > this.#epoch ? now : this.#epoch + 1n
      return undefined
    }
    const result = this.#updating.then(run, run)
    this.#updating = result.catch(() => undefined)
    return result
  }
}

/**
 * Supported features as ApiVersions lists them for a request of `apiVersion`: before v4 a feature
 * whose minimum is 0 is left out, since older clients fail to parse a 0 minimum (KAFKA-17492).
 */
export function supportedFeaturesFor(apiVersion: number): SupportedFeature[] {
  return SUPPORTED_FEATURES.filter((f) => apiVersion >= 4 || f.minVersion > 0)
}
