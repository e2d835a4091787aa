// JoinGroup: v0-9
// Version notes: v1 rebalanceTimeoutMs (v0: the session timeout stands in) · v2 throttleTimeMs ·
// v4 two-step join (MEMBER_ID_REQUIRED) · v5 groupInstanceId (static membership, KIP-345) ·
// v6 flexible · v7 protocolType in the response, protocolName nullable · v8 reason ·
// v9 skipAssignment (KIP-814).
// Behaviour: the response is parked until the rebalance's join phase ends (group/classic-coordinator.ts).

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { joinError, type JoinResult } from '../group/classic-group.ts'
import { defineHandler } from '../registry.ts'

/** The response at the request's version: errors and fields older clients cannot receive are mapped. */
function toResponse(r: JoinResult, version: number) {
  // Old versions cannot carry null protocol names; FENCED_INSTANCE_ID only exists with v5's instance ids.
  const errorCode =
    version < 5 && r.errorCode === ErrorCode.FENCED_INSTANCE_ID ? ErrorCode.UNKNOWN_MEMBER_ID : r.errorCode
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: r.generationId,
    protocolType: version >= 7 ? r.protocolType : null,
    protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
    leader: r.leader,
    skipAssignment: version >= 9 && r.skipAssignment,
    memberId: r.memberId,
    members: r.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata,
    })),
  }
}

export default defineHandler(ApiKey.JoinGroup, {
  versions: [0, 9],
  async handle(ctx, req) {
    const r = await groupCoordinator(ctx).joinGroup(
      {
        groupId: req.groupId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        memberId: req.memberId,
        groupInstanceId: ctx.apiVersion >= 5 ? req.groupInstanceId : null,
        protocolType: req.protocolType,
        protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      },
      {
        apiVersion: ctx.apiVersion,
        clientId: ctx.clientId ?? '',
        clientHost: `/${ctx.connection.remoteAddress}`,
      },
    )
    return toResponse(r, ctx.apiVersion)
  },
  errorResponse(req, errorCode, _message, ctx) {
    return toResponse(joinError(errorCode, req.memberId), ctx.apiVersion)
  },
})
