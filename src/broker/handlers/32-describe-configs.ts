// DescribeConfigs: v0-4
// Version notes: v0 isDefault · v1 IncludeSynonyms, ConfigSource and synonyms (isDefault derived) ·
// v2 no change · v3 IncludeDocumentation, ConfigType, documentation · v4 flexible.
// Resources: TOPIC, BROKER (this node, or '' for the cluster default), BROKER_LOGGER (root level).
// A failing resource carries its own error; the others are still described.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { describeResource } from '../config/config-resources.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.DescribeConfigs, {
  versions: [0, 4],
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => {
        try {
          const configs = describeResource(ctx.services, r.resourceType, r.resourceName, {
            keys: r.configurationKeys,
            synonyms: ctx.apiVersion >= 1 && req.includeSynonyms,
            documentation: ctx.apiVersion >= 3 && req.includeDocumentation,
          }).map((c) => ({
            ...c,
            configType: ctx.apiVersion >= 3 ? c.configType : 0,
            // v0 has no ConfigSource; v1+ has no isDefault (derived from the source by clients).
            configSource: ctx.apiVersion >= 1 ? c.configSource : -1,
            isDefault: ctx.apiVersion === 0 ? c.isDefault : false,
          }))
          return {
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            configs,
          }
        } catch (err) {
          if (!(err instanceof KafkaError)) ctx.logger.error({ err }, 'describing configs failed')
          return {
            errorCode: toErrorCode(err),
            errorMessage: err instanceof KafkaError ? err.errorMessage : null,
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            configs: [],
          }
        }
      }),
    }
  },
})
