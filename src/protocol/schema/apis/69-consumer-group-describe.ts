// ConsumerGroupDescribe (API key 69): versions 0-1, flexible 0+.
// Response changes: v1: +groups.members.memberType
// v1 (Kafka 4.0, KIP-1099): each member says whether it joined with the classic (0) or the consumer (1)
// protocol; -1 = unknown.

import { api, f, struct } from '../dsl.ts'

const TopicPartitions = struct('TopicPartitions', {
  topicId: f.uuid(),
  topicName: f.string().entity('topicName'),
  partitions: f.array(f.int32()),
})

const Assignment = struct('Assignment', {
  topicPartitions: f.array(TopicPartitions),
})

export const ConsumerGroupDescribe = api({
  key: 69,
  name: 'ConsumerGroupDescribe',
  valid: '0-1',
  flexible: '0+',
  request: {
    groupIds: f.array(f.string()).entity('groupId'),
    includeAuthorizedOperations: f.bool(),
  },
  response: {
    throttleTimeMs: f.int32(),
    groups: f.array(
      struct('DescribedGroup', {
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+').default(null),
        groupId: f.string().entity('groupId'),
        groupState: f.string(),
        groupEpoch: f.int32(),
        assignmentEpoch: f.int32(),
        assignorName: f.string(),
        members: f.array(
          struct('Member', {
            memberId: f.string(),
            instanceId: f.string().nullable('0+').default(null),
            rackId: f.string().nullable('0+').default(null),
            memberEpoch: f.int32(),
            clientId: f.string(),
            clientHost: f.string(),
            subscribedTopicNames: f.array(f.string()).entity('topicName'),
            subscribedTopicRegex: f.string().nullable('0+').default(null),
            assignment: f.struct(Assignment),
            targetAssignment: f.struct(Assignment),
            memberType: f.int8().versions('1+').default(-1).ignorable(),
          }),
        ),
        authorizedOperations: f.int32().default(-2147483648),
      }),
    ),
  },
})
