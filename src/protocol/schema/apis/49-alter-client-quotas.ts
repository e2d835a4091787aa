// AlterClientQuotas (API key 49): versions 0-1, flexible 1+.

import { api, f, struct } from '../dsl.ts'

export const AlterClientQuotas = api({
  key: 49,
  name: 'AlterClientQuotas',
  valid: '0-1',
  flexible: '1+',
  request: {
    entries: f.array(
      struct('EntryData', {
        entity: f.array(
          struct('EntityData', {
            entityType: f.string(),
            entityName: f.string().nullable('0+'),
          }),
        ),
        ops: f.array(
          struct('OpData', {
            key: f.string(),
            value: f.float64(),
            remove: f.bool(),
          }),
        ),
      }),
    ),
    validateOnly: f.bool(),
  },
  response: {
    throttleTimeMs: f.int32(),
    entries: f.array(
      struct('EntryData', {
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+'),
        entity: f.array(
          struct('EntityData', {
            entityType: f.string(),
            entityName: f.string().nullable('0+'),
          }),
        ),
      }),
    ),
  },
})
