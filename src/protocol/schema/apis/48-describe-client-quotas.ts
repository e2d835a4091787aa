// DescribeClientQuotas (API key 48): versions 0-1, flexible 1+.

import { api, f, struct } from '../dsl.ts'

export const DescribeClientQuotas = api({
  key: 48,
  name: 'DescribeClientQuotas',
  valid: '0-1',
  flexible: '1+',
  request: {
    components: f.array(
      struct('ComponentData', {
        entityType: f.string(),
        matchType: f.int8(),
        match: f.string().nullable('0+'),
      }),
    ),
    strict: f.bool(),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
    entries: f
      .array(
        struct('EntryData', {
          entity: f.array(
            struct('EntityData', {
              entityType: f.string(),
              entityName: f.string().nullable('0+'),
            }),
          ),
          values: f.array(
            struct('ValueData', {
              key: f.string(),
              value: f.float64(),
            }),
          ),
        }),
      )
      .nullable('0+'),
  },
})
