// ApiVersions (API key 18): versions 0-4, flexible 3+.
// Request changes: v3: +clientSoftwareName, +clientSoftwareVersion
// Response changes: v1: +throttleTimeMs · v3: +supportedFeatures, +finalizedFeaturesEpoch, +finalizedFeatures, +zkMigrationReady

import { api, f, struct } from '../dsl.ts'

export const ApiVersions = api({
  key: 18,
  name: 'ApiVersions',
  valid: '0-4',
  flexible: '3+',
  request: {
    clientSoftwareName: f.string().versions('3+').ignorable(),
    clientSoftwareVersion: f.string().versions('3+').ignorable(),
  },
  response: {
    errorCode: f.errorCode(),
    apiKeys: f.array(
      struct('ApiVersion', {
        apiKey: f.int16(),
        minVersion: f.int16(),
        maxVersion: f.int16(),
      }),
    ),
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    supportedFeatures: f
      .array(
        struct('SupportedFeatureKey', {
          name: f.string().versions('3+'),
          minVersion: f.int16().versions('3+'),
          maxVersion: f.int16().versions('3+'),
        }),
      )
      .versions('3+')
      .tag(0, '3+')
      .ignorable(),
    finalizedFeaturesEpoch: f.int64().versions('3+').tag(1, '3+').default(-1n).ignorable(),
    finalizedFeatures: f
      .array(
        struct('FinalizedFeatureKey', {
          name: f.string().versions('3+'),
          maxVersionLevel: f.int16().versions('3+'),
          minVersionLevel: f.int16().versions('3+'),
        }),
      )
      .versions('3+')
      .tag(2, '3+')
      .ignorable(),
    zkMigrationReady: f.bool().versions('3+').tag(3, '3+').default(false).ignorable(),
  },
})
