// UpdateFeatures (API key 57): versions 0-2, flexible 0+.
// Request changes: v1: +featureUpdates.upgradeType, +validateOnly; -featureUpdates.allowDowngrade
// Response changes: v2: -results

import { api, f, struct } from '../dsl.ts'

export const UpdateFeatures = api({
  key: 57,
  name: 'UpdateFeatures',
  valid: '0-2',
  flexible: '0+',
  request: {
    timeoutMs: f.int32().default(60000),
    featureUpdates: f.array(
      struct('FeatureUpdateKey', {
        feature: f.string(),
        maxVersionLevel: f.int16(),
        allowDowngrade: f.bool().versions('0'),
        upgradeType: f.int8().versions('1+').default(1),
      }),
    ),
    validateOnly: f.bool().versions('1+').default(false),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
    results: f
      .array(
        struct('UpdatableFeatureResult', {
          feature: f.string(),
          errorCode: f.errorCode(),
          errorMessage: f.string().nullable('0+'),
        }),
      )
      .versions('0-1')
      .ignorable(),
  },
})
