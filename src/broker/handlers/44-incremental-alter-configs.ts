// IncrementalAlterConfigs: v0-1
// Version notes: v1 flexible.
// Per config: SET (0), DELETE (1, back to the default), APPEND (2) / SUBTRACT (3) for list configs
// (starting from the effective value when the resource has no override). A resource named twice
// in one request fails with INVALID_REQUEST; each resource succeeds or fails on its own.

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { alterResourceResult } from '../config/config-resources.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.IncrementalAlterConfigs, {
  versions: [0, 1],
  async handle(ctx, req) {
    const key = (r: { resourceType: number; resourceName: string }): string =>
      `${r.resourceType}:${r.resourceName}`
    const seen = new Map<string, number>()
    for (const r of req.resources) seen.set(key(r), (seen.get(key(r)) ?? 0) + 1)
    const responses = []
    for (const r of req.resources)
      responses.push(
        await alterResourceResult(
          ctx.services,
          ctx.logger,
          r,
          r.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })),
          false,
          req.validateOnly,
          seen.get(key(r))! > 1
            ? new KafkaError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate resources in the request.')
            : undefined,
        ),
      )
    return { throttleTimeMs: 0, responses }
  },
})
