// AlterConfigs (API key 33): versions 0-2, flexible 2+.

import { api, f, struct } from '../dsl.ts'

export const AlterConfigs = api({
  key: 33,
  name: 'AlterConfigs',
  valid: '0-2',
  flexible: '2+',
  request: {
    resources: f.array(
      struct('AlterConfigsResource', {
        resourceType: f.int8(),
        resourceName: f.string(),
        configs: f.array(
          struct('AlterableConfig', {
            name: f.string(),
            value: f.string().nullable('0+'),
          }),
        ),
      }),
    ),
    validateOnly: f.bool(),
  },
  response: {
    throttleTimeMs: f.int32(),
    responses: f.array(
      struct('AlterConfigsResourceResponse', {
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+'),
        resourceType: f.int8(),
        resourceName: f.string(),
      }),
    ),
  },
})
