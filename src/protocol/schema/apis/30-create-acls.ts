// CreateAcls (API key 30): versions 0-3, flexible 2+.
// Request changes: v1: +creations.resourcePatternType

import { api, f, struct } from '../dsl.ts'

export const CreateAcls = api({
  key: 30,
  name: 'CreateAcls',
  valid: '0-3',
  flexible: '2+',
  request: {
    creations: f.array(
      struct('AclCreation', {
        resourceType: f.int8(),
        resourceName: f.string(),
        resourcePatternType: f.int8().versions('1+').default(3),
        principal: f.string(),
        host: f.string(),
        operation: f.int8(),
        permissionType: f.int8(),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    results: f.array(
      struct('AclCreationResult', {
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+'),
      }),
    ),
  },
})
