// Heartbeat: v0-4
// Version notes: v1 throttleTimeMs · v3 groupInstanceId (static membership, KIP-345) · v4 flexible.
// Behaviour: REBALANCE_IN_PROGRESS tells a member to rejoin; a heartbeat resets its session timer.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.Heartbeat, {
  versions: [0, 4],
  async handle(ctx, req) {
    const code = await groupCoordinator(ctx).heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
    })
    const errorCode =
      ctx.apiVersion < 3 && code === ErrorCode.FENCED_INSTANCE_ID ? ErrorCode.UNKNOWN_MEMBER_ID : code
    return { throttleTimeMs: 0, errorCode }
  },
})
