// ListGroups (API key 16): versions 0-5, flexible 3+.
// Request changes: v4: +statesFilter · v5: +typesFilter
// Response changes: v1: +throttleTimeMs · v4: +groups.groupState · v5: +groups.groupType

import { api, f, struct } from '../dsl.ts'

export const ListGroups = api({
  key: 16,
  name: 'ListGroups',
  valid: '0-5',
  flexible: '3+',
  request: {
    statesFilter: f.array(f.string()).versions('4+'),
    typesFilter: f.array(f.string()).versions('5+'),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    errorCode: f.errorCode(),
    groups: f.array(
      struct('ListedGroup', {
        groupId: f.string().entity('groupId'),
        protocolType: f.string(),
        groupState: f.string().versions('4+').ignorable(),
        groupType: f.string().versions('5+').ignorable(),
      }),
    ),
  },
})
