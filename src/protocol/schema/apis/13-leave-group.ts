// LeaveGroup (API key 13): versions 0-5, flexible 4+.
// Request changes: v3: +members; -memberId · v5: +members.reason
// Response changes: v1: +throttleTimeMs · v3: +members

import { api, f, struct } from '../dsl.ts'

export const LeaveGroup = api({
  key: 13,
  name: 'LeaveGroup',
  valid: '0-5',
  flexible: '4+',
  request: {
    groupId: f.string().entity('groupId'),
    memberId: f.string().versions('0-2'),
    members: f
      .array(
        struct('MemberIdentity', {
          memberId: f.string().versions('3+'),
          groupInstanceId: f.string().versions('3+').nullable('3+').default(null),
          reason: f.string().versions('5+').nullable('5+').default(null).ignorable(),
        }),
      )
      .versions('3+'),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    errorCode: f.errorCode(),
    members: f
      .array(
        struct('MemberResponse', {
          memberId: f.string().versions('3+'),
          groupInstanceId: f.string().versions('3+').nullable('3+'),
          errorCode: f.errorCode().versions('3+'),
        }),
      )
      .versions('3+'),
  },
})
