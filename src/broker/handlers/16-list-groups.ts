// ListGroups: v0-5
// Version notes: v1 throttleTimeMs · v3 flexible · v4 statesFilter and groupState (KIP-518) ·
// v5 typesFilter and groupType (KIP-848: "classic" / "consumer").
// Behaviour: filters compare case-insensitively; an empty filter matches everything.

import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.ListGroups, {
  versions: [0, 5],
  async handle(ctx, req) {
    const groups = await groupCoordinator(ctx).listGroups(
      ctx.apiVersion >= 4 ? req.statesFilter : [],
      ctx.apiVersion >= 5 ? req.typesFilter : [],
    )
    return { throttleTimeMs: 0, errorCode: 0, groups }
  },
})
