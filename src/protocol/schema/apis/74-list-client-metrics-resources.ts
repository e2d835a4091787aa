// ListClientMetricsResources (API key 74): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const ListClientMetricsResources = api({
  key: 74,
  name: 'ListClientMetricsResources',
  valid: '0',
  flexible: '0+',
  request: {},
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    clientMetricsResources: f.array(
      struct('ClientMetricsResource', {
        name: f.string(),
      }),
    ),
  },
})
