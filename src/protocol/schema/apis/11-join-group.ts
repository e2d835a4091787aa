// JoinGroup (API key 11): versions 0-9, flexible 6+.
// Request changes: v1: +rebalanceTimeoutMs · v5: +groupInstanceId · v8: +reason
// Response changes: v2: +throttleTimeMs · v5: +members.groupInstanceId · v7: +protocolType · v9: +skipAssignment

import { api, f, struct } from '../dsl.ts'

export const JoinGroup = api({
  key: 11,
  name: 'JoinGroup',
  valid: '0-9',
  flexible: '6+',
  request: {
    groupId: f.string().entity('groupId'),
    sessionTimeoutMs: f.int32(),
    rebalanceTimeoutMs: f.int32().versions('1+').default(-1).ignorable(),
    memberId: f.string(),
    groupInstanceId: f.string().versions('5+').nullable('5+').default(null),
    protocolType: f.string(),
    protocols: f.array(
      struct('JoinGroupRequestProtocol', {
        name: f.string(),
        metadata: f.bytes(),
      }),
    ),
    reason: f.string().versions('8+').nullable('8+').default(null).ignorable(),
  },
  response: {
    throttleTimeMs: f.int32().versions('2+').ignorable(),
    errorCode: f.errorCode(),
    generationId: f.int32().default(-1),
    protocolType: f.string().versions('7+').nullable('7+').default(null).ignorable(),
    protocolName: f.string().nullable('7+'),
    leader: f.string(),
    skipAssignment: f.bool().versions('9+').default(false),
    memberId: f.string(),
    members: f.array(
      struct('JoinGroupResponseMember', {
        memberId: f.string(),
        groupInstanceId: f.string().versions('5+').nullable('5+').default(null).ignorable(),
        metadata: f.bytes(),
      }),
    ),
  },
})
