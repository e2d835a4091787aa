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
// `kafka-features upgrade|downgrade`. Here the broker property `transaction.version` sets it.
// The coordinator serves both protocols at any level (as Kafka does: the request version decides),
// so the level only steers clients.
//
// The finalized-features epoch is the broker's start time in ms: it must be ≥ 0 for clients to read
// the levels at all (Java ignores epochs it has already seen), and it grows across restarts, so a
// client reconnecting to a broker restarted with another level re-reads it.

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

export class FeatureLevels {
  readonly epoch: bigint
  private readonly levels: ReadonlyMap<string, number>

  constructor(levels: ReadonlyMap<string, number>, epoch: bigint) {
    this.levels = levels
    this.epoch = epoch
  }

  static fromConfig(config: BrokerConfig, nowMs: number): FeatureLevels {
    return new FeatureLevels(
      new Map([[TRANSACTION_VERSION_FEATURE, config.number(TRANSACTION_VERSION_FEATURE)]]),
      BigInt(nowMs),
    )
  }

  level(name: string): number {
    return this.levels.get(name) ?? 0
  }

  /** The finalized transaction.version. */
  get transactionVersion(): number {
    return this.level(TRANSACTION_VERSION_FEATURE)
  }

  /** Finalized features as ApiVersions lists them: level 0 means "not finalized" and is left out. */
  finalized(): FinalizedFeature[] {
    return [...this.levels].filter(([, level]) => level > 0).map(([name, level]) => ({ name, level }))
  }
}

/**
 * Supported features as ApiVersions lists them for a request of `apiVersion`: before v4 a feature
 * whose minimum is 0 is left out, since older clients fail to parse a 0 minimum (KAFKA-17492).
 */
export function supportedFeaturesFor(apiVersion: number): SupportedFeature[] {
  return SUPPORTED_FEATURES.filter((f) => apiVersion >= 4 || f.minVersion > 0)
}
