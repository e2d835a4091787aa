// The broker's services: everything a handler may use beyond its request, built once at start by
// server.ts and shared by every connection. Coordinators plug into their slots through the
// explicit component list in components.ts.

import type { LogStore } from '../storage/log-store.ts'
import type { MetadataStore } from '../storage/metadata-store.ts'
import type { Clock } from './clock.ts'
import type { BrokerConfig } from './config/broker-config.ts'
import type { Listener } from './config/listeners.ts'
import type { FeatureLevels } from './features.ts'
import type { Logger } from './logger.ts'
import type { TopicManager } from './metadata/topic-manager.ts'
import type { ApiVersionRange } from './registry.ts'

/**
 * The group coordinator's slot. Its owner (src/broker/group) widens this interface by declaration
 * merging (`declare module '../services.ts' { interface GroupCoordinatorSlot { … } }`) so handlers
 * see its real methods without services.ts importing the coordinator.
 */
export interface GroupCoordinatorSlot {
  close(): Promise<void>
}

/** The transaction coordinator's slot; widened by src/broker/txn the same way. */
export interface TransactionCoordinatorSlot {
  close(): Promise<void>
}

export interface BrokerServices {
  readonly config: BrokerConfig
  readonly nodeId: number
  readonly clusterId: string
  readonly metadata: MetadataStore
  readonly logs: LogStore
  /** The data directory, or undefined when logs and metadata live in memory. */
  readonly dataDir?: string
  readonly topics: TopicManager
  readonly clock: Clock
  readonly logger: Logger
  /** The bound client listeners (Metadata answers with the one a client connected through). */
  readonly listeners: readonly Listener[]
  /** What ApiVersions advertises, derived from the handler registry. */
  readonly apiVersions: readonly ApiVersionRange[]
  /** Finalized feature levels (ApiVersions; transaction.version steers the transaction protocol). */
  readonly features: FeatureLevels
  /** Set by the group component at start; undefined until then (or when it is not installed). */
  groups: GroupCoordinatorSlot | undefined
  /** Set by the transaction component at start. */
  transactions: TransactionCoordinatorSlot | undefined
}
