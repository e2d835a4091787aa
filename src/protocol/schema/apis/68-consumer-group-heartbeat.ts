// ConsumerGroupHeartbeat (API key 68): versions 0-1, flexible 0+.
// Request changes: v1: +subscribedTopicRegex
// v1 (Kafka 4.0, KIP-848, stable since 4.0): server-side regular-expression subscriptions
// (INVALID_REGULAR_EXPRESSION); v0 is the early-access version from 3.7.

import { api, f, struct } from '../dsl.ts'

const TopicPartitions = struct('TopicPartitions', {
  topicId: f.uuid(),
  partitions: f.array(f.int32()),
})

export const ConsumerGroupHeartbeat = api({
  key: 68,
  name: 'ConsumerGroupHeartbeat',
  valid: '0-1',
  flexible: '0+',
  request: {
    groupId: f.string().entity('groupId'),
    memberId: f.string(),
    memberEpoch: f.int32(),
    instanceId: f.string().nullable('0+').default(null),
    rackId: f.string().nullable('0+').default(null),
    rebalanceTimeoutMs: f.int32().default(-1),
    subscribedTopicNames: f.array(f.string()).nullable('0+').default(null).entity('topicName'),
    subscribedTopicRegex: f.string().versions('1+').nullable('1+').default(null),
    serverAssignor: f.string().nullable('0+').default(null),
    topicPartitions: f
      .array(
        struct('TopicPartitions', {
          topicId: f.uuid(),
          partitions: f.array(f.int32()),
        }),
      )
      .nullable('0+')
      .default(null),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+').default(null),
    memberId: f.string().nullable('0+').default(null),
    memberEpoch: f.int32(),
    heartbeatIntervalMs: f.int32(),
    assignment: f
      .struct(
        struct('Assignment', {
          topicPartitions: f.array(TopicPartitions),
        }),
      )
      .nullable('0+')
      .default(null),
  },
})
