// OffsetCommit: v0-10
// Version notes: v1 generation/member id and a per-partition commit timestamp · v2-4 retentionTimeMs
// (an explicit expiry) · v3 throttleTimeMs · v6 committedLeaderEpoch · v7 groupInstanceId ·
// v8 flexible · v9 KIP-848 member epochs (GenerationIdOrMemberEpoch; STALE_MEMBER_EPOCH,
// GROUP_ID_NOT_FOUND for unknown groups) · v10 topics named by id (UNKNOWN_TOPIC_ID).
// Behaviour: v0 commits are kept like v1 commits with generation -1 (Kafka once sent them to ZooKeeper).

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.OffsetCommit, {
  versions: [0, 10],
  async handle(ctx, req) {
    const coordinator = groupCoordinator(ctx)
    const byId = ctx.apiVersion >= 10
    // v10 names topics by id: resolve them; an unknown id fails only its own partitions.
    const named = req.topics.map((t) => {
      const name = byId ? coordinator.topics?.byId(t.topicId)?.name : t.name
      return { topic: t, name }
    })
    const known = named.filter((n): n is typeof n & { name: string } => n.name !== undefined)
    const results = await coordinator.commitOffsets(
      {
        groupId: req.groupId,
        generationIdOrMemberEpoch: ctx.apiVersion >= 1 ? req.generationIdOrMemberEpoch : -1,
        memberId: ctx.apiVersion >= 1 ? req.memberId : '',
        groupInstanceId: ctx.apiVersion >= 7 ? req.groupInstanceId : null,
        retentionTimeMs: ctx.apiVersion >= 2 && ctx.apiVersion <= 4 ? req.retentionTimeMs : -1n,
        topics: known.map(({ topic, name }) => ({
          name,
          partitions: topic.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: ctx.apiVersion >= 6 ? p.committedLeaderEpoch : -1,
            commitTimestamp: ctx.apiVersion === 1 ? p.commitTimestamp : -1n,
            committedMetadata: p.committedMetadata,
          })),
        })),
      },
      ctx.apiVersion,
    )
    let next = 0
    return {
      throttleTimeMs: 0,
      topics: named.map(({ topic, name }) => {
        if (name === undefined)
          return {
            name: '',
            topicId: topic.topicId,
            partitions: topic.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
            })),
          }
        const r = results[next++]
        return {
          name: byId ? '' : name,
          topicId: byId ? topic.topicId : ZERO_UUID,
          partitions: r?.partitions ?? [],
        }
      }),
    }
  },
})
