// OffsetFetch: a group's committed offsets, with KIP-848 member checks (v9+) and, for
// require_stable readers, UNSTABLE_OFFSET_COMMIT where a transaction still holds a pending offset.

import { ErrorCode } from '../../protocol/errors.ts'
import { ClassicGroup } from './classic-group.ts'
import { ClassicGroupState } from './classic-state.ts'
import { ConsumerGroup } from './consumer-group.ts'
import type { GroupsHost } from './group-host.ts'
import type { OffsetAndMetadata } from './records.ts'

export interface FetchGroupRequest {
  groupId: string
  /** v9+: the KIP-848 member asking (null = an admin or a classic consumer). */
  memberId: string | null
  memberEpoch: number
  /** null = every committed offset of the group. */
  topics: Array<{ name: string; partitionIndexes: number[] }> | null
}

export interface FetchedPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  metadata: string
  errorCode: number
}

export interface FetchGroupResult {
  groupId: string
  errorCode: number
  topics: Array<{ name: string; partitions: FetchedPartition[] }>
}

export function fetchGroupOffsets(
  host: GroupsHost,
  req: FetchGroupRequest,
  requireStable: boolean,
): FetchGroupResult {
  if (req.groupId === '') return { groupId: req.groupId, errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] }
  const group = host.groups.get(req.groupId)
  // KIP-848 members name themselves (v9+): they must be current members at their epoch.
  if (group instanceof ConsumerGroup && !(req.memberId === null && req.memberEpoch < 0)) {
    const m = req.memberId === null ? undefined : group.members.get(req.memberId)
    if (m === undefined) return { groupId: req.groupId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID, topics: [] }
    // A classic member of the group (KIP-848 migration) sends its generation: ILLEGAL_GENERATION.
    if (m.memberEpoch !== req.memberEpoch) {
      const errorCode = m.classic === null ? ErrorCode.STALE_MEMBER_EPOCH : ErrorCode.ILLEGAL_GENERATION
      return { groupId: req.groupId, errorCode, topics: [] }
    }
  }
  // An unknown group has no offsets: every partition answers -1 without an error.
  const known = group !== undefined && !(group instanceof ClassicGroup && group.is(ClassicGroupState.Dead))
  const stored = known
    ? host.offsets.topics(req.groupId)
    : new Map<string, ReadonlyMap<number, OffsetAndMetadata>>()
  const one = (topic: string, partition: number): FetchedPartition => {
    if (requireStable && host.offsets.hasPendingTxn(req.groupId, topic, partition))
      return {
        partitionIndex: partition,
        committedOffset: -1n,
        committedLeaderEpoch: -1,
        metadata: '',
        errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
      }
    const o = stored.get(topic)?.get(partition)
    return o === undefined
      ? {
          partitionIndex: partition,
          committedOffset: -1n,
          committedLeaderEpoch: -1,
          metadata: '',
          errorCode: ErrorCode.NONE,
        }
      : {
          partitionIndex: partition,
          committedOffset: o.offset,
          committedLeaderEpoch: o.leaderEpoch,
          metadata: o.metadata,
          errorCode: ErrorCode.NONE,
        }
  }
  const topics =
    req.topics === null
      ? [...stored].map(([name, parts]) => ({
          name,
          partitions: [...parts.keys()].map((p) => one(name, p)),
        }))
      : req.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => one(t.name, p)) }))
  return { groupId: req.groupId, errorCode: ErrorCode.NONE, topics }
}
