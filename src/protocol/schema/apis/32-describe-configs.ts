// DescribeConfigs (API key 32): versions 0-4, flexible 4+.
// Request changes: v1: +includeSynonyms · v3: +includeDocumentation
// Response changes: v1: +results.configs.configSource, +results.configs.synonyms; -results.configs.isDefault · v3: +results.configs.configType, +results.configs.documentation

import { api, f, struct } from '../dsl.ts'

export const DescribeConfigs = api({
  key: 32,
  name: 'DescribeConfigs',
  valid: '0-4',
  flexible: '4+',
  request: {
    resources: f.array(
      struct('DescribeConfigsResource', {
        resourceType: f.int8(),
        resourceName: f.string(),
        configurationKeys: f.array(f.string()).nullable('0+'),
      }),
    ),
    includeSynonyms: f.bool().versions('1+').default(false),
    includeDocumentation: f.bool().versions('3+').default(false),
  },
  response: {
    throttleTimeMs: f.int32(),
    results: f.array(
      struct('DescribeConfigsResult', {
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+'),
        resourceType: f.int8(),
        resourceName: f.string(),
        configs: f.array(
          struct('DescribeConfigsResourceResult', {
            name: f.string(),
            value: f.string().nullable('0+'),
            readOnly: f.bool(),
            isDefault: f.bool().versions('0'),
            configSource: f.int8().versions('1+').default(-1).ignorable(),
            isSensitive: f.bool(),
            synonyms: f
              .array(
                struct('DescribeConfigsSynonym', {
                  name: f.string().versions('1+'),
                  value: f.string().versions('1+').nullable('0+'),
                  source: f.int8().versions('1+'),
                }),
              )
              .versions('1+')
              .ignorable(),
            configType: f.int8().versions('3+').default(0).ignorable(),
            documentation: f.string().versions('3+').nullable('0+').ignorable(),
          }),
        ),
      }),
    ),
  },
})
