// AlterConfigs: v0-2
// Version notes: v1 no change · v2 flexible.
// The legacy whole-resource form: the configs given become the resource's complete override set
// (anything not named returns to its default). Each resource succeeds or fails on its own.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { alterResource, AlterOp } from '../config/config-resources.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.AlterConfigs, {
  versions: [0, 2],
  async handle(ctx, req) {
    const responses = []
    for (const r of req.resources) {
      try {
        await alterResource(
          ctx.services,
          r.resourceType,
          r.resourceName,
          r.configs.map((c) => ({ name: c.name, op: AlterOp.SET, value: c.value })),
          true,
          req.validateOnly,
        )
        responses.push({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
        })
      } catch (err) {
        if (!(err instanceof KafkaError)) ctx.logger.error({ err }, 'altering configs failed')
        responses.push({
          errorCode: toErrorCode(err),
          errorMessage: err instanceof KafkaError ? (err.errorMessage ?? err.message) : null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
        })
      }
    }
    return { throttleTimeMs: 0, responses }
  },
})
