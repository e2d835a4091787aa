// SyncGroup (API key 14): versions 0-5, flexible 4+.
// Request changes: v3: +groupInstanceId · v5: +protocolType, +protocolName
// Response changes: v1: +throttleTimeMs · v5: +protocolType, +protocolName

import { api, f, struct } from '../dsl.ts'

export const SyncGroup = api({
  key: 14,
  name: 'SyncGroup',
  valid: '0-5',
  flexible: '4+',
  request: {
    groupId: f.string().entity('groupId'),
    generationId: f.int32(),
    memberId: f.string(),
    groupInstanceId: f.string().versions('3+').nullable('3+').default(null),
    protocolType: f.string().versions('5+').nullable('5+').default(null).ignorable(),
    protocolName: f.string().versions('5+').nullable('5+').default(null).ignorable(),
    assignments: f.array(
      struct('SyncGroupRequestAssignment', {
        memberId: f.string(),
        assignment: f.bytes(),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    errorCode: f.errorCode(),
    protocolType: f.string().versions('5+').nullable('5+').default(null).ignorable(),
    protocolName: f.string().versions('5+').nullable('5+').default(null).ignorable(),
    assignment: f.bytes(),
  },
})
