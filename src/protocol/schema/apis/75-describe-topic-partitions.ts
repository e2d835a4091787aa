// DescribeTopicPartitions (API key 75): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const DescribeTopicPartitions = api({
  key: 75,
  name: 'DescribeTopicPartitions',
  valid: '0',
  flexible: '0+',
  request: {
    topics: f.array(
      struct('TopicRequest', {
        name: f.string().entity('topicName'),
      }),
    ),
    responsePartitionLimit: f.int32().default(2000),
    cursor: f
      .struct(
        struct('Cursor', {
          topicName: f.string().entity('topicName'),
          partitionIndex: f.int32(),
        }),
      )
      .nullable('0+')
      .default(null),
  },
  response: {
    throttleTimeMs: f.int32().ignorable(),
    topics: f.array(
      struct('DescribeTopicPartitionsResponseTopic', {
        errorCode: f.errorCode(),
        name: f.string().nullable('0+').entity('topicName'),
        topicId: f.uuid().ignorable(),
        isInternal: f.bool().default(false).ignorable(),
        partitions: f.array(
          struct('DescribeTopicPartitionsResponsePartition', {
            errorCode: f.errorCode(),
            partitionIndex: f.int32(),
            leaderId: f.int32().entity('brokerId'),
            leaderEpoch: f.int32().default(-1).ignorable(),
            replicaNodes: f.array(f.int32()).entity('brokerId'),
            isrNodes: f.array(f.int32()).entity('brokerId'),
            eligibleLeaderReplicas: f.array(f.int32()).nullable('0+').default(null).entity('brokerId'),
            lastKnownElr: f.array(f.int32()).nullable('0+').default(null).entity('brokerId'),
            offlineReplicas: f.array(f.int32()).ignorable().entity('brokerId'),
          }),
        ),
        topicAuthorizedOperations: f.int32().default(-2147483648),
      }),
    ),
    nextCursor: f
      .struct(
        struct('Cursor', {
          topicName: f.string().entity('topicName'),
          partitionIndex: f.int32(),
        }),
      )
      .nullable('0+')
      .default(null),
  },
})
