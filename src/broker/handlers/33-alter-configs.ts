// AlterConfigs: v0-2
// Version notes: v1 no change · v2 flexible.
// The legacy whole-resource form: the configs given become the resource's complete override set
// (anything not named returns to its default). Each resource succeeds or fails on its own.

import { ApiKey } from '../../protocol/generated/index.ts'
import { alterResourceResult, AlterOp } from '../config/config-resources.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.AlterConfigs, {
  versions: [0, 2],
  async handle(ctx, req) {
    const responses = []
    for (const r of req.resources)
      responses.push(
        await alterResourceResult(
          ctx.services,
          ctx.logger,
          r,
          r.configs.map((c) => ({ name: c.name, op: AlterOp.SET, value: c.value })),
          true,
          req.validateOnly,
        ),
      )
    return { throttleTimeMs: 0, responses }
  },
})
