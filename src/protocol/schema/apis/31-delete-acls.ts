// DeleteAcls (API key 31): versions 0-3, flexible 2+.
// Request changes: v1: +filters.patternTypeFilter
// Response changes: v1: +filterResults.matchingAcls.patternType

import { api, f, struct } from '../dsl.ts'

export const DeleteAcls = api({
  key: 31,
  name: 'DeleteAcls',
  valid: '0-3',
  flexible: '2+',
  request: {
    filters: f.array(
      struct('DeleteAclsFilter', {
        resourceTypeFilter: f.int8(),
        resourceNameFilter: f.string().nullable('0+'),
        patternTypeFilter: f.int8().versions('1+').default(3),
        principalFilter: f.string().nullable('0+'),
        hostFilter: f.string().nullable('0+'),
        operation: f.int8(),
        permissionType: f.int8(),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    filterResults: f.array(
      struct('DeleteAclsFilterResult', {
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+'),
        matchingAcls: f.array(
          struct('DeleteAclsMatchingAcl', {
            errorCode: f.errorCode(),
            errorMessage: f.string().nullable('0+'),
            resourceType: f.int8(),
            resourceName: f.string(),
            patternType: f.int8().versions('1+').default(3),
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
