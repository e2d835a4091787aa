// DeleteGroups: v0-2
// Version notes: v1 same shape (throttling hint) · v2 flexible.
// Behaviour: per group INVALID_GROUP_ID, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, or the group's
// offsets and metadata are tombstoned in __consumer_offsets.

import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.DeleteGroups, {
  versions: [0, 2],
  async handle(ctx, req) {
    const results = await groupCoordinator(ctx).deleteGroups(req.groupsNames)
    return { throttleTimeMs: 0, results }
  },
})
