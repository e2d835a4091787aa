// ListConfigResources (API key 74): versions 0-1, flexible 0+.
// Request changes: v1: +resourceTypes
// Response changes: v1: +configResources.resourceType
// Named ListClientMetricsResources until Kafka 4.1 (KIP-1142); v0 is that API unchanged on the wire and
// lists client-metrics resources only.
// v1 (Kafka 4.1, KIP-1142): lists any config resource, optionally filtered by resource type (empty = the
// broker's default set); each result carries its type (16 = CLIENT_METRICS, the v0 meaning).

import { api, f, struct } from '../dsl.ts'

export const ListConfigResources = api({
  key: 74,
  name: 'ListConfigResources',
  valid: '0-1',
  flexible: '0+',
  request: {
    resourceTypes: f.array(f.int8()).versions('1+'),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    configResources: f.array(
      struct('ConfigResource', {
        resourceName: f.string(),
        resourceType: f.int8().versions('1+').default(16),
      }),
    ),
  },
})
