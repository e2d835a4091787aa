// SyncGroup: v0-5
// Version notes: v1 throttleTimeMs · v3 groupInstanceId · v4 flexible · v5 protocolType and
// protocolName in request (checked against the group's) and response (KIP-559).
// Behaviour: a follower's response is parked until the leader's assignment is stored.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import type { SyncResult } from '../group/classic-group.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

function toResponse(r: SyncResult, version: number) {
  const errorCode =
    version < 3 && r.errorCode === ErrorCode.FENCED_INSTANCE_ID ? ErrorCode.UNKNOWN_MEMBER_ID : r.errorCode
  return {
    throttleTimeMs: 0,
    errorCode,
    protocolType: version >= 5 ? r.protocolType : null,
    protocolName: version >= 5 ? r.protocolName : null,
    assignment: r.assignment,
  }
}

export default defineHandler(ApiKey.SyncGroup, {
  versions: [0, 5],
  async handle(ctx, req) {
    const r = await groupCoordinator(ctx).syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      protocolType: ctx.apiVersion >= 5 ? req.protocolType : null,
      protocolName: ctx.apiVersion >= 5 ? req.protocolName : null,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    })
    return toResponse(r, ctx.apiVersion)
  },
  errorResponse(_req, errorCode, _message, ctx) {
    return toResponse(
      { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) },
      ctx.apiVersion,
    )
  },
})
