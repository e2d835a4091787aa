// DescribeGroups (API key 15): versions 0-6, flexible 5+.
// Request changes: v3: +includeAuthorizedOperations
// Response changes: v1: +throttleTimeMs · v3: +groups.authorizedOperations · v4: +groups.members.groupInstanceId · v6: +groups.errorMessage
// v6 (Kafka 4.0, KIP-1043): a per-group error message; GROUP_ID_NOT_FOUND for unknown groups instead of an empty Dead group.

import { api, f, struct } from '../dsl.ts'

export const DescribeGroups = api({
  key: 15,
  name: 'DescribeGroups',
  valid: '0-6',
  flexible: '5+',
  request: {
    groups: f.array(f.string()).entity('groupId'),
    includeAuthorizedOperations: f.bool().versions('3+'),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    groups: f.array(
      struct('DescribedGroup', {
        errorCode: f.errorCode(),
        errorMessage: f.string().versions('6+').nullable('6+').default(null).ignorable(),
        groupId: f.string().entity('groupId'),
        groupState: f.string(),
        protocolType: f.string(),
        protocolData: f.string(),
        members: f.array(
          struct('DescribedGroupMember', {
            memberId: f.string(),
            groupInstanceId: f.string().versions('4+').nullable('4+').default(null).ignorable(),
            clientId: f.string(),
            clientHost: f.string(),
            memberMetadata: f.bytes(),
            memberAssignment: f.bytes(),
          }),
        ),
        authorizedOperations: f.int32().versions('3+').default(-2147483648),
      }),
    ),
  },
})
