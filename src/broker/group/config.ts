// Group coordinator settings, under Kafka's broker property names. Defaults are Kafka 4.0's except
// where a development broker is better served otherwise; each exception says why.

import type { MigrationPolicy } from './migration.ts'

export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms: JoinGroup below this gets INVALID_SESSION_TIMEOUT. */
  minSessionTimeoutMs: number
  /** group.max.session.timeout.ms: JoinGroup above this gets INVALID_SESSION_TIMEOUT. */
  maxSessionTimeoutMs: number
  /**
   * group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for
   * more members, each join extending the wait by the same amount. Kafka's default is 3000; the
   * broker's is 25 ms (config/definitions.ts): a lone consumer is assigned almost at once, and
   * consumers started together land in one generation instead of a rebalance per arrival, each
   * waiting for the earlier members' next heartbeat (3 s by default). Unit tests default to 0.
   */
  initialRebalanceDelayMs: number
  /** group.max.size: classic group member limit (Kafka: Integer.MAX_VALUE). */
  classicGroupMaxSize: number
  /** How long a new member may sit in a join before its (unheartbeated) session expires (Kafka: 5 min). */
  newMemberJoinTimeoutMs: number
  /** offsets.retention.minutes, in ms (Kafka: 7 days). Offsets of empty groups older than this go. */
  offsetsRetentionMs: number
  /** offsets.retention.check.interval.ms (Kafka: 10 min). */
  offsetsRetentionCheckIntervalMs: number
  /** offset.metadata.max.bytes: longer committed metadata gets OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataMaxBytes: number
  /** offsets.topic.num.partitions (see records.ts for our choice). */
  offsetsTopicNumPartitions: number
  /** group.consumer.session.timeout.ms (KIP-848 groups; Kafka: 45 s). */
  consumerSessionTimeoutMs: number
  /** group.consumer.heartbeat.interval.ms (KIP-848 groups; Kafka: 5 s). */
  consumerHeartbeatIntervalMs: number
  /**
   * A group's own consumer-protocol timeouts (group configs `consumer.session.timeout.ms` and
   * `consumer.heartbeat.interval.ms`, KIP-848), read at every heartbeat so a change applies from
   * the next one; without it every group uses the two settings above.
   */
  consumerGroupTimeouts?: (groupId: string) => { sessionTimeoutMs: number; heartbeatIntervalMs: number }
  /** group.consumer.max.size (Kafka: Integer.MAX_VALUE). */
  consumerGroupMaxSize: number
  /** group.consumer.assignors: the first is the default (Kafka: uniform, range). */
  consumerAssignors: readonly string[]
  /** group.consumer.migration.policy: online classic ⇄ consumer conversions (Kafka: bidirectional). */
  consumerMigrationPolicy: MigrationPolicy
}

export const DEFAULT_GROUP_CONFIG: Readonly<GroupCoordinatorConfig> = Object.freeze({
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 0,
  classicGroupMaxSize: 2_147_483_647,
  newMemberJoinTimeoutMs: 5 * 60_000,
  offsetsRetentionMs: 7 * 24 * 60 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  offsetsTopicNumPartitions: 1,
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5_000,
  consumerGroupMaxSize: 2_147_483_647,
  consumerAssignors: ['uniform', 'range'],
  consumerMigrationPolicy: 'bidirectional',
})
