// UpdateFeatures: v0-2
// Version notes: v0 AllowDowngrade per update (true = safe downgrade) · v1 UpgradeType per update
// (1 upgrade, 2 safe downgrade, 3 unsafe downgrade) and ValidateOnly · v2 the response carries no
// per-feature results.
// Behaviour (Kafka's controller, src/broker/features.ts): all or nothing — the first invalid update
// fails the request with INVALID_UPDATE_VERSION ("The update failed for all features since…") and
// no per-feature results; on success v0-1 list every updated feature with NONE. Durable before
// the response, and the finalized-features epoch in ApiVersions moves on.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { UpgradeType } from '../features.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.UpdateFeatures, {
  versions: [0, 2],
  async handle(ctx, req) {
    const updates = req.featureUpdates.map((u) => ({
      feature: u.feature,
      level: u.maxVersionLevel,
      upgradeType:
        ctx.apiVersion === 0
          ? u.allowDowngrade
            ? UpgradeType.SAFE_DOWNGRADE
            : UpgradeType.UPGRADE
          : u.upgradeType,
    }))
    const { services } = ctx
    const invalid = await services.features.update(updates, {
      validateOnly: req.validateOnly,
      nodeId: services.nodeId,
      store: services.metadata,
      nowMs: () => services.clock.now(),
    })
    if (invalid !== undefined) {
      ctx.logger.warn({ reason: invalid }, 'feature update refused')
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_UPDATE_VERSION,
        errorMessage: `The update failed for all features since the following feature had an error: ${invalid}`,
        results: [],
      }
    }
    if (!req.validateOnly && updates.length > 0)
      ctx.logger.info({ updates, epoch: services.features.epoch.toString() }, 'finalized features updated')
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      results:
        ctx.apiVersion <= 1
          ? updates.map((u) => ({ feature: u.feature, errorCode: ErrorCode.NONE, errorMessage: null }))
          : [],
    }
  },
})
