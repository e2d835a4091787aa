// IncrementalAlterConfigs (API key 44): versions 0-1, flexible 1+.

import { api, f, struct } from '../dsl.ts'

export const IncrementalAlterConfigs = api({
  key: 44,
  name: 'IncrementalAlterConfigs',
  valid: '0-1',
  flexible: '1+',
  request: {
    resources: f.array(
      struct('AlterConfigsResource', {
        resourceType: f.int8(),
        resourceName: f.string(),
        configs: f.array(
          struct('AlterableConfig', {
            name: f.string(),
            configOperation: f.int8(),
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
