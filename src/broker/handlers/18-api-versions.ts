// ApiVersions: v0-4
// Version notes: v1 throttleTimeMs · v3 flexible, ClientSoftwareName/Version in the request and the
// tagged SupportedFeatures/FinalizedFeatures/ZkMigrationReady in the response · v4 same shape (a
// client sending v4 accepts the v0-shaped UNSUPPORTED_VERSION fallback; KIP-511).
// The response header is always v0 (request-frame.ts). Unsupported versions never reach this
// handler: the connection answers them with the v0-shaped UNSUPPORTED_VERSION reply.
// The advertised table is the registry's (services.apiVersions), the same whatever the feature
// levels are (as Kafka: clients choose their transaction protocol from FinalizedFeatures, not from
// the Produce/EndTxn/TxnOffsetCommit maxima). SupportedFeatures and FinalizedFeatures come from
// src/broker/features.ts; before v4 features with a 0 minimum are left out (KAFKA-17492).

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { supportedFeaturesFor } from '../features.ts'
import { defineHandler } from '../registry.ts'

/** Kafka's rule for ClientSoftwareName/Version (v3+): alphanumerics, '-' and '.', alphanumeric at both ends. */
const SOFTWARE_FIELD = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/

export default defineHandler(ApiKey.ApiVersions, {
  versions: [0, 4],
  handle(ctx, req) {
    const valid =
      ctx.apiVersion < 3 ||
      (SOFTWARE_FIELD.test(req.clientSoftwareName) && SOFTWARE_FIELD.test(req.clientSoftwareVersion))
    const features = ctx.services.features
    return {
      errorCode: valid ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
      apiKeys: valid ? ctx.services.apiVersions.map((r) => ({ ...r })) : [],
      throttleTimeMs: 0,
      supportedFeatures: supportedFeaturesFor(ctx.apiVersion),
      finalizedFeaturesEpoch: features.epoch,
      finalizedFeatures: features
        .finalized()
        .map((f) => ({ name: f.name, minVersionLevel: f.level, maxVersionLevel: f.level })),
      zkMigrationReady: false,
    }
  },
})
