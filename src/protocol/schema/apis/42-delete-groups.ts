// DeleteGroups (API key 42): versions 0-2, flexible 2+.

import { api, f, struct } from '../dsl.ts'

export const DeleteGroups = api({
  key: 42,
  name: 'DeleteGroups',
  valid: '0-2',
  flexible: '2+',
  request: {
    groupsNames: f.array(f.string()).entity('groupId'),
  },
  response: {
    throttleTimeMs: f.int32(),
    results: f.array(
      struct('DeletableGroupResult', {
        groupId: f.string().entity('groupId'),
        errorCode: f.errorCode(),
      }),
    ),
  },
})
