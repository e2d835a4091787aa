// LeaveGroup: v0-5
// Version notes: v1 throttleTimeMs · v3 a batch of members (memberId + groupInstanceId) with
// per-member errors (KIP-345) · v4 flexible · v5 per-member reason.
// Behaviour: before v3 the single member's error is the top-level error (as Kafka's LeaveGroupResponse).

import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.LeaveGroup, {
  versions: [0, 5],
  async handle(ctx, req) {
    const members =
      ctx.apiVersion >= 3
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: req.memberId, groupInstanceId: null }]
    const r = await groupCoordinator(ctx).leaveGroup(req.groupId, members)
    if (ctx.apiVersion >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members }
    const memberError = r.members[0]?.errorCode ?? 0
    return { throttleTimeMs: 0, errorCode: r.errorCode !== 0 ? r.errorCode : memberError, members: [] }
  },
})
