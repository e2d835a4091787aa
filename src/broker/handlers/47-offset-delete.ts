// OffsetDelete: v0
// Version notes: v0 only, never flexible (KIP-496).
// Behaviour: GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP for live groups that do not use
// the consumer protocol, GROUP_SUBSCRIBED_TO_TOPIC per partition of a topic the group consumes.

import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.OffsetDelete, {
  versions: [0, 0],
  async handle(ctx, req) {
    const r = await groupCoordinator(ctx).deleteOffsets(
      req.groupId,
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    )
    return {
      errorCode: r.errorCode,
      throttleTimeMs: 0,
      topics: r.topics.map((t) => ({ name: t.name, partitions: t.partitions })),
    }
  },
})
