// OffsetCommit and TxnOffsetCommit: which group, member and generation (or member epoch) may
// commit (Kafka's validateOffsetCommit), the per-partition checks both share, and how each stores
// its offsets: plainly, or pending for the producer until its transaction ends. Runs inside one
// synchronous coordinator step.

import { ErrorCode } from '../../protocol/errors.ts'
import { ClassicGroupState } from './classic-state.ts'
import { ConsumerGroup } from './consumer-group.ts'
import { emitOffset, type GroupsHost } from './group-host.ts'
import type { OffsetAndMetadata } from './records.ts'

export interface CommitPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  /** OffsetCommit v1 only; -1 = now. */
  commitTimestamp: bigint
  committedMetadata: string | null
}

export interface CommitRequest {
  groupId: string
  generationIdOrMemberEpoch: number
  memberId: string
  groupInstanceId: string | null
  /** OffsetCommit v2-4; -1 = broker default. */
  retentionTimeMs: bigint
  topics: Array<{ name: string; partitions: CommitPartition[] }>
}

/** TxnOffsetCommit, as the transaction handler passes it (src/broker/txn). */
export interface TxnCommitRequest {
  groupId: string
  producerId: bigint
  producerEpoch: number
  generationId: number
  memberId: string
  groupInstanceId: string | null
  topics: Array<{
    name: string
    partitions: Array<{
      partitionIndex: number
      committedOffset: bigint
      committedLeaderEpoch: number
      committedMetadata: string | null
    }>
  }>
}

export interface TopicPartitionErrors {
  name: string
  partitions: Array<{ partitionIndex: number; errorCode: number }>
}

interface PartitionToCommit {
  partitionIndex: number
  committedMetadata: string | null
}

/** OffsetCommit: validates, refreshes the classic member's session, stores the offsets. */
export function commitOffsets(
  host: GroupsHost,
  req: CommitRequest,
  apiVersion: number,
): TopicPartitionErrors[] {
  if (req.groupId === '') return everyPartition(req.topics, ErrorCode.INVALID_GROUP_ID)
  const invalid = validateOffsetCommit(host, req, apiVersion)
  if (invalid !== ErrorCode.NONE) return everyPartition(req.topics, invalid)

  const group = host.classicGroup(req.groupId)
  if (
    group !== undefined &&
    (group.is(ClassicGroupState.Stable) || group.is(ClassicGroupState.PreparingRebalance))
  )
    host.classic.touch(group, req.memberId)

  const now = host.clock.now()
  const expireTimestamp = req.retentionTimeMs === -1n ? -1 : now + Number(req.retentionTimeMs)
  return commitEach(host, req.topics, (topic, p, metadata) =>
    emitOffset(host, req.groupId, topic, p.partitionIndex, {
      offset: p.committedOffset,
      leaderEpoch: p.committedLeaderEpoch,
      metadata,
      commitTimestamp: p.commitTimestamp === -1n ? now : Number(p.commitTimestamp),
      expireTimestamp,
    }),
  )
}

/**
 * TxnOffsetCommit: validates the member and generation as OffsetCommit does (KIP-447 fencing of
 * zombie consumers), then stages the offsets as pending for the producer; they become visible
 * when the transaction commits (GroupCoordinator.completeTransaction).
 */
export function txnCommitOffsets(host: GroupsHost, req: TxnCommitRequest): TopicPartitionErrors[] {
  if (req.groupId === '') return everyPartition(req.topics, ErrorCode.INVALID_GROUP_ID)
  const invalid = validateOffsetCommit(
    host,
    {
      groupId: req.groupId,
      generationIdOrMemberEpoch: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      retentionTimeMs: -1n,
      topics: [],
    },
    8,
    true,
  )
  if (invalid !== ErrorCode.NONE) return everyPartition(req.topics, invalid)
  const now = host.clock.now()
  return commitEach(host, req.topics, (topic, p, metadata) => {
    const value: OffsetAndMetadata = {
      offset: p.committedOffset,
      leaderEpoch: p.committedLeaderEpoch,
      metadata,
      commitTimestamp: now,
      expireTimestamp: -1,
    }
    // Durable (in the producer's transactional batch) before the answer; pending until
    // the transaction's marker.
    host.emit({
      type: 'offset',
      groupId: req.groupId,
      topic,
      partition: p.partitionIndex,
      value,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
    })
    host.offsets.addPendingTransactional(req.groupId, req.producerId, topic, p.partitionIndex, value)
  })
}

function everyPartition(
  topics: ReadonlyArray<{ name: string; partitions: readonly PartitionToCommit[] }>,
  errorCode: number,
): TopicPartitionErrors[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  }))
}

/**
 * The per-partition checks both commits share (known topic and partition, metadata size); `store`
 * runs for each partition that passes them, with its metadata ('' for null).
 */
function commitEach<P extends PartitionToCommit>(
  host: GroupsHost,
  topics: ReadonlyArray<{ name: string; partitions: readonly P[] }>,
  store: (topic: string, p: P, metadata: string) => void,
): TopicPartitionErrors[] {
  return topics.map((t) => {
    const info = host.topics?.byName(t.name)
    return {
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (
          host.topics !== undefined &&
          (info === undefined || p.partitionIndex < 0 || p.partitionIndex >= info.partitions)
        )
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
        const metadata = p.committedMetadata ?? ''
        if (Buffer.byteLength(metadata) > host.config.offsetMetadataMaxBytes)
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }
        store(t.name, p, metadata)
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE }
      }),
    }
  })
}

/** Kafka's validateOffsetCommit: which group state/member/generation may commit. */
function validateOffsetCommit(
  host: GroupsHost,
  req: CommitRequest,
  apiVersion: number,
  transactional = false,
): number {
  const group = host.groups.get(req.groupId)
  if (group === undefined) {
    if (req.generationIdOrMemberEpoch < 0) {
      // A manual commit creates a "simple" group holding only offsets (replaying the offset
      // records recreates it, so it needs no record of its own).
      host.createClassicGroup(req.groupId)
      return ErrorCode.NONE
    }
    return apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION
  }
  if (group instanceof ConsumerGroup) return validateConsumerCommit(group, req, apiVersion, transactional)
  if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE
  const gen = req.generationIdOrMemberEpoch
  if (gen < 0 && group.is(ClassicGroupState.Empty)) return ErrorCode.NONE
  if (gen >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
    const invalid = host.classic.validateMember(group, req.memberId, req.groupInstanceId)
    if (invalid !== ErrorCode.NONE) return invalid
    if (gen !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
  } else if (!transactional && !group.is(ClassicGroupState.Empty)) {
    // TxnOffsetCommit v0-2 carries no member or generation: Kafka accepts it in any state.
    return ErrorCode.UNKNOWN_MEMBER_ID
  }
  if (!transactional && group.is(ClassicGroupState.CompletingRebalance))
    return ErrorCode.REBALANCE_IN_PROGRESS
  return ErrorCode.NONE
}

/** Kafka's ConsumerGroup.validateOffsetCommit (member epochs instead of generations). */
function validateConsumerCommit(
  group: ConsumerGroup,
  req: CommitRequest,
  apiVersion: number,
  transactional: boolean,
): number {
  if (req.generationIdOrMemberEpoch < 0 && group.members.size === 0) return ErrorCode.NONE
  const m = group.members.get(req.memberId)
  if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
  // Members of the consumer protocol must use OffsetCommit v9+ (they have epochs, not generations);
  // classic members of the group commit with their member epoch as generation id.
  if (!transactional && m.classic === null && apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION
  if (req.generationIdOrMemberEpoch !== m.memberEpoch)
    return m.classic === null ? ErrorCode.STALE_MEMBER_EPOCH : ErrorCode.ILLEGAL_GENERATION
  return ErrorCode.NONE
}
