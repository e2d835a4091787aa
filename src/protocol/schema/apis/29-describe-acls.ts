// DescribeAcls (API key 29): versions 0-3, flexible 2+.
// Request changes: v1: +patternTypeFilter
// Response changes: v1: +resources.patternType

import { api, f, struct } from '../dsl.ts'

export const DescribeAcls = api({
  key: 29,
  name: 'DescribeAcls',
  valid: '0-3',
  flexible: '2+',
  request: {
    resourceTypeFilter: f.int8(),
    resourceNameFilter: f.string().nullable('0+'),
    patternTypeFilter: f.int8().versions('1+').default(3),
    principalFilter: f.string().nullable('0+'),
    hostFilter: f.string().nullable('0+'),
    operation: f.int8(),
    permissionType: f.int8(),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
    resources: f.array(
      struct('DescribeAclsResource', {
        resourceType: f.int8(),
        resourceName: f.string(),
        patternType: f.int8().versions('1+').default(3),
        acls: f.array(
          struct('AclDescription', {
            principal: f.string(),
            host: f.string(),
            operation: f.int8(),
            permissionType: f.int8(),
          }),
        ),
      }),
    ),
  },
})
