// KIP-848 online migration between the classic and the consumer group protocols, under Kafka's
// `group.consumer.migration.policy` (bidirectional by default; upgrade, downgrade, disabled), after
// GroupMetadataManager.{validateOnlineUpgrade, convertToConsumerGroup, validateOnlineDowngrade…,
// convertToClassicGroup} and ConsumerGroup.fromClassicGroup / ClassicGroup.fromConsumerGroup.
//
// Upgrade (a ConsumerGroupHeartbeat with epoch 0 meets a non-empty classic group):
//   allowed when the policy allows upgrades, the group's protocol type is "consumer", every
//   member's subscription and assignment decode, and the group size ≤ group.consumer.max.size;
//   else the heartbeat gets GROUP_ID_NOT_FOUND. Parked JoinGroup/SyncGroup responses are answered
//   REBALANCE_IN_PROGRESS; every member becomes a classic member of the consumer group, Stable at
//   epoch = generation, owning (and targeted with) its last assignment; group and assignment epoch
//   = generation. Records: GroupMetadata tombstone, then per member ConsumerGroupMemberMetadata
//   (with ClassicMemberMetadata), ConsumerGroupMetadata, per member TargetAssignmentMember,
//   TargetAssignmentMetadata, per member CurrentMemberAssignment.
// Downgrade (the last consumer-protocol member leaves or is fenced, classic members remain):
//   allowed when the policy allows downgrades and the remaining members ≤ group.max.size; else the
//   member is simply removed. Also when a classic static member replaces the last consumer-protocol
//   (static) member: then without a rebalance, the joining member keeping the slot's assignment. Records: tombstones of every consumer-group record, then one
//   GroupMetadata with the remaining members, generation = group epoch, each assignment = its
//   target encoded at the member's subscription version. The classic group starts Stable and
//   rebalances at once (members rejoin on REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION).

import type { ClassicCoordinator } from './classic-coordinator.ts'
import { ClassicGroup, ClassicMember, type JoinResult, joinError } from './classic-group.ts'
import { ClassicGroupState } from './classic-state.ts'
import type { GroupCoordinatorConfig } from './config.ts'
import type { ConsumerCoordinator } from './consumer-coordinator.ts'
import { ConsumerGroup, ConsumerMember, MemberState } from './consumer-group.ts'
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  partitionsById,
  partitionsByName,
  subscriptionVersion,
} from './consumer-protocol.ts'
import type { Group, TopicResolver } from './group-host.ts'
import type { GroupRecord, TopicPartitionsById } from './records.ts'
import { ErrorCode } from '../../protocol/errors.ts'

/** group.consumer.migration.policy */
export const MIGRATION_POLICIES = ['bidirectional', 'upgrade', 'downgrade', 'disabled'] as const
export type MigrationPolicy = (typeof MIGRATION_POLICIES)[number]

export const upgradeEnabled = (p: MigrationPolicy): boolean => p === 'bidirectional' || p === 'upgrade'
export const downgradeEnabled = (p: MigrationPolicy): boolean => p === 'bidirectional' || p === 'downgrade'

export interface MigrationHost {
  readonly config: GroupCoordinatorConfig
  readonly topics: TopicResolver | undefined
  readonly groups: Map<string, Group>
  readonly classic: ClassicCoordinator
  readonly consumer: ConsumerCoordinator
  now(): number
  emit(record: GroupRecord): void
}

/**
 * Converts a live classic group into a consumer group for `joiningMemberId`: the new group, or
 * 'not-allowed' (the heartbeat gets GROUP_ID_NOT_FOUND), or 'full' when the converted group would
 * have no room for the joining member (GROUP_MAX_SIZE_REACHED, and the group stays classic, as
 * Kafka discards a failed heartbeat's conversion records).
 */
export function upgradeToConsumerGroup(
  host: MigrationHost,
  classic: ClassicGroup,
  joiningMemberId: string,
): ConsumerGroup | 'not-allowed' | 'full' {
  const { config } = host
  if (!upgradeEnabled(config.consumerMigrationPolicy)) return 'not-allowed'
  if (classic.protocolType !== 'consumer') return 'not-allowed'
  if (classic.size > config.consumerGroupMaxSize) return 'not-allowed'
  if (classic.size >= config.consumerGroupMaxSize && !classic.members.has(joiningMemberId)) return 'full'

  const group = new ConsumerGroup(classic.groupId)
  group.groupEpoch = classic.generationId
  group.assignmentEpoch = classic.generationId
  for (const cm of classic.members.values()) {
    const subscription = decodeSubscription(cm.metadataFor(classic.protocolName))
    const assignment = decodeAssignment(cm.assignment)
    // A malformed embedded protocol: the group stays classic (Kafka: GROUP_ID_NOT_FOUND).
    if (subscription === undefined || assignment === undefined) return 'not-allowed'
    const m = new ConsumerMember(cm.memberId)
    m.memberEpoch = classic.generationId
    m.previousMemberEpoch = classic.generationId
    m.state = MemberState.Stable
    m.instanceId = cm.groupInstanceId
    m.rackId = subscription.rackId
    m.rebalanceTimeoutMs = cm.rebalanceTimeoutMs
    m.clientId = cm.clientId
    m.clientHost = cm.clientHost
    m.subscribedTopicNames = [...subscription.topics].sort()
    m.assigned = partitionsById(host.topics, assignment)
    m.classic = {
      sessionTimeoutMs: cm.sessionTimeoutMs,
      supportedProtocols: cm.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    }
    group.members.set(m.memberId, m)
    group.targetAssignment.set(m.memberId, cloneAssignment(m.assigned))
  }

  // The members waiting in a join or sync phase rejoin into the consumer group.
  for (const cm of classic.members.values()) {
    classic.completeJoin(cm, rebalanceInProgressJoin(cm.memberId))
    classic.completeSync(cm, {
      errorCode: ErrorCode.REBALANCE_IN_PROGRESS,
      protocolType: null,
      protocolName: null,
      assignment: Buffer.alloc(0),
    })
  }
  host.classic.forget(classic)
  host.emit({ type: 'group-metadata', groupId: classic.groupId, value: null })
  emitConsumerGroup(host, group)
  host.groups.set(group.groupId, group)
  host.consumer.onLoaded(group)
  return group
}

/**
 * Converts a consumer group back to classic when `leavingMemberId` is its last consumer-protocol
 * member and classic members remain; false (nothing done) when that is not the case or not allowed.
 */
export function maybeDowngradeToClassicGroup(
  host: MigrationHost,
  group: ConsumerGroup,
  leavingMemberId: string,
): boolean {
  const { config } = host
  if (!group.allMembersUseClassicProtocolExcept(leavingMemberId)) return false
  if (group.members.size <= 1) return false
  if (!downgradeEnabled(config.consumerMigrationPolicy)) return false
  if (group.members.size - 1 > config.classicGroupMaxSize) return false
  convertToClassicGroup(host, group, leavingMemberId)
  return true
}

/**
 * Kafka's validateOnlineDowngradeWithReplacedMemberId: a classic static member has just taken the
 * slot of the group's last consumer-protocol member, so every member is classic: the group becomes
 * classic without a rebalance (the joining member keeps the slot's assignment). False when not
 * allowed (policy, group.max.size); the group then stays a consumer group.
 */
export function maybeDowngradeAfterStaticReplacement(host: MigrationHost, group: ConsumerGroup): boolean {
  const { config } = host
  if (group.classicMemberCount() !== group.members.size) return false
  if (!downgradeEnabled(config.consumerMigrationPolicy)) return false
  if (group.members.size > config.classicGroupMaxSize) return false
  convertToClassicGroup(host, group, null)
  return true
}

/** ClassicGroup.fromConsumerGroup; rebalances at once unless a static member was replaced. */
function convertToClassicGroup(
  host: MigrationHost,
  group: ConsumerGroup,
  leavingMemberId: string | null,
): void {
  host.consumer.emitGroupTombstones(group)
  host.consumer.forget(group)

  const classic = new ClassicGroup(group.groupId)
  classic.generationId = group.groupEpoch
  for (const m of group.members.values()) {
    if (m.memberId === leavingMemberId || m.classic === null) continue
    classic.add(
      new ClassicMember({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.classic.sessionTimeoutMs,
        protocolType: 'consumer',
        protocols: m.classic.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      }),
    )
  }
  classic.protocolType = 'consumer'
  classic.protocolName = classic.selectProtocol()
  for (const cm of classic.members.values()) {
    const target = group.targetAssignment.get(cm.memberId) ?? new Map<string, number[]>()
    cm.assignment = encodeAssignment(
      partitionsByName(host.topics, target),
      subscriptionVersion(cm.metadataFor(classic.protocolName)),
    )
  }
  classic.state = ClassicGroupState.Stable
  classic.currentStateTimestamp = host.now()
  host.classic.emitGroupMetadata(classic, true)

  group.dead = true
  host.groups.set(classic.groupId, classic)
  host.classic.onLoaded(classic)
  if (leavingMemberId !== null) host.classic.prepareRebalance(classic)
}

/** The records that create a consumer group as it is (Kafka's createConsumerGroupRecords). */
function emitConsumerGroup(host: MigrationHost, group: ConsumerGroup): void {
  const { groupId } = group
  for (const m of group.members.values()) host.consumer.emitMemberMetadata(group, m)
  host.emit({ type: 'consumer-metadata', groupId, value: { epoch: group.groupEpoch } })
  for (const memberId of group.targetAssignment.keys()) host.consumer.emitTargetMember(group, memberId)
  host.emit({ type: 'consumer-target-metadata', groupId, value: { assignmentEpoch: group.assignmentEpoch } })
  for (const m of group.members.values()) host.consumer.emitCurrent(group, m)
}

function rebalanceInProgressJoin(memberId: string): JoinResult {
  return joinError(ErrorCode.REBALANCE_IN_PROGRESS, memberId)
}

function cloneAssignment(m: TopicPartitionsById): TopicPartitionsById {
  return new Map([...m].map(([t, p]) => [t, [...p]]))
}
