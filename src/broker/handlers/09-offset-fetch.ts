// OffsetFetch: v0-10
// Version notes: v1 same shape (v0 read ZooKeeper offsets in old Kafka) · v2 null topics = all
// offsets of the group, top-level errorCode · v3 throttleTimeMs · v5 committedLeaderEpoch ·
// v6 flexible · v7 requireStable (UNSTABLE_OFFSET_COMMIT while a transaction holds offsets) ·
// v8 several groups per request · v9 KIP-848 memberId/memberEpoch (STALE_MEMBER_EPOCH) ·
// v10 topics named by id.
// Behaviour: before v2 a group-level error can only go into every partition.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import { groupCoordinator } from '../group/component.ts'
import type { FetchGroupRequest, FetchGroupResult } from '../group/coordinator.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.OffsetFetch, {
  versions: [0, 10],
  async handle(ctx, req) {
    const coordinator = groupCoordinator(ctx)
    const v = ctx.apiVersion
    if (v < 8) {
      const [g] = await coordinator.fetchOffsets(
        [
          {
            groupId: req.groupId,
            memberId: null,
            memberEpoch: -1,
            topics:
              req.topics === null
                ? null
                : req.topics.map((t) => ({ name: t.name, partitionIndexes: t.partitionIndexes })),
          },
        ],
        v >= 7 && req.requireStable,
      )
      const r = g as FetchGroupResult
      // v0-1 have no top-level error: it goes into each requested partition.
      const partError = v < 2 ? r.errorCode : 0
      return {
        throttleTimeMs: 0,
        errorCode: v >= 2 ? r.errorCode : 0,
        groups: [],
        topics: r.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: p.committedLeaderEpoch,
            metadata: p.metadata,
            errorCode: p.errorCode !== 0 ? p.errorCode : partError,
          })),
        })),
      }
    }
    const byId = v >= 10
    const requests: FetchGroupRequest[] = req.groups.map((g) => ({
      groupId: g.groupId,
      memberId: v >= 9 ? g.memberId : null,
      memberEpoch: v >= 9 ? g.memberEpoch : -1,
      topics:
        g.topics === null
          ? null
          : g.topics.map((t) => ({
              name: byId ? (coordinator.topics?.byId(t.topicId)?.name ?? '') : t.name,
              partitionIndexes: t.partitionIndexes,
            })),
    }))
    const results = await coordinator.fetchOffsets(requests, req.requireStable)
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [],
      groups: results.map((g, gi) => ({
        groupId: g.groupId,
        errorCode: g.errorCode,
        topics: g.topics.map((t, ti) => {
          const requested = req.groups[gi]?.topics?.[ti]
          const topicId = byId
            ? (requested?.topicId ?? coordinator.topics?.byName(t.name)?.topicId ?? ZERO_UUID)
            : ZERO_UUID
          const unknownId = byId && t.name === ''
          return {
            name: byId ? '' : t.name,
            topicId,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              committedOffset: p.committedOffset,
              committedLeaderEpoch: p.committedLeaderEpoch,
              metadata: p.metadata,
              errorCode: unknownId ? ErrorCode.UNKNOWN_TOPIC_ID : p.errorCode,
            })),
          }
        }),
      })),
    }
  },
})
