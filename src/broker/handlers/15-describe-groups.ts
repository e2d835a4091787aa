// DescribeGroups: v0-6
// Version notes: v1 throttleTimeMs · v3 includeAuthorizedOperations · v4 member groupInstanceId ·
// v5 flexible · v6 per-group errorMessage and GROUP_ID_NOT_FOUND for unknown groups (KIP-1043;
// older versions describe an unknown group as an empty Dead group without error).
// Behaviour: metadata and assignments are shown only for Stable groups, as Kafka does; consumer
// (KIP-848) groups are described in the classic shape (protocol type "consumer").

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { authorizedOperations } from '../metadata/authorized-operations.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.DescribeGroups, {
  versions: [0, 6],
  async handle(ctx, req) {
    const groups = await groupCoordinator(ctx).describeGroups(req.groups)
    const ops = authorizedOperations('group', ctx.apiVersion >= 3 && req.includeAuthorizedOperations)
    return {
      throttleTimeMs: 0,
      groups: groups.map((g) => {
        const unknownOld = ctx.apiVersion < 6 && g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND
        return {
          errorCode: unknownOld ? ErrorCode.NONE : g.errorCode,
          errorMessage: ctx.apiVersion >= 6 ? g.errorMessage : null,
          groupId: g.groupId,
          groupState: g.groupState,
          protocolType: g.protocolType,
          protocolData: g.protocolData,
          members: g.members,
          authorizedOperations: g.errorCode === ErrorCode.NONE ? ops : authorizedOperations('group', false),
        }
      }),
    }
  },
})
