// OffsetFetch (API key 9): versions 0-10, flexible 6+.
// Request changes: v7: +requireStable · v8: +groups; -groupId, -topics, -topics.name, -topics.partitionIndexes · v9: +groups.memberId, +groups.memberEpoch · v10: +groups.topics.topicId; -groups.topics.name
// Response changes: v2: +errorCode · v3: +throttleTimeMs · v5: +topics.partitions.committedLeaderEpoch · v8: +groups; -topics, -topics.name, -topics.partitions, -topics.partitions.partitionIndex, -topics.partitions.committedOffset, -topics.partitions.committedLeaderEpoch, -topics.partitions.metadata, -topics.partitions.errorCode, -errorCode · v10: +groups.topics.topicId; -groups.topics.name
// v10 (Kafka 4.2, KIP-848): topics inside groups are named by topic ID instead of name, in request and response.

import { api, f, struct } from '../dsl.ts'

export const OffsetFetch = api({
  key: 9,
  name: 'OffsetFetch',
  valid: '0-10',
  flexible: '6+',
  request: {
    groupId: f.string().versions('0-7').entity('groupId'),
    topics: f
      .array(
        struct('OffsetFetchRequestTopic', {
          name: f.string().versions('0-7').entity('topicName'),
          partitionIndexes: f.array(f.int32()).versions('0-7'),
        }),
      )
      .versions('0-7')
      .nullable('2-7'),
    groups: f
      .array(
        struct('OffsetFetchRequestGroup', {
          groupId: f.string().versions('8+').entity('groupId'),
          memberId: f.string().versions('9+').nullable('9+').default(null).ignorable(),
          memberEpoch: f.int32().versions('9+').default(-1).ignorable(),
          topics: f
            .array(
              struct('OffsetFetchRequestTopics', {
                name: f.string().versions('8-9').entity('topicName'),
                topicId: f.uuid().versions('10+'),
                partitionIndexes: f.array(f.int32()).versions('8+'),
              }),
            )
            .versions('8+')
            .nullable('8+'),
        }),
      )
      .versions('8+'),
    requireStable: f.bool().versions('7+').default(false),
  },
  response: {
    throttleTimeMs: f.int32().versions('3+').ignorable(),
    topics: f
      .array(
        struct('OffsetFetchResponseTopic', {
          name: f.string().versions('0-7').entity('topicName'),
          partitions: f
            .array(
              struct('OffsetFetchResponsePartition', {
                partitionIndex: f.int32().versions('0-7'),
                committedOffset: f.int64().versions('0-7'),
                committedLeaderEpoch: f.int32().versions('5-7').default(-1).ignorable(),
                metadata: f.string().versions('0-7').nullable('0-7'),
                errorCode: f.errorCode().versions('0-7'),
              }),
            )
            .versions('0-7'),
        }),
      )
      .versions('0-7'),
    errorCode: f.errorCode().versions('2-7').default(0).ignorable(),
    groups: f
      .array(
        struct('OffsetFetchResponseGroup', {
          groupId: f.string().versions('8+').entity('groupId'),
          topics: f
            .array(
              struct('OffsetFetchResponseTopics', {
                name: f.string().versions('8-9').entity('topicName'),
                topicId: f.uuid().versions('10+'),
                partitions: f
                  .array(
                    struct('OffsetFetchResponsePartitions', {
                      partitionIndex: f.int32().versions('8+'),
                      committedOffset: f.int64().versions('8+'),
                      committedLeaderEpoch: f.int32().versions('8+').default(-1).ignorable(),
                      metadata: f.string().versions('8+').nullable('8+'),
                      errorCode: f.errorCode().versions('8+'),
                    }),
                  )
                  .versions('8+'),
              }),
            )
            .versions('8+'),
          errorCode: f.errorCode().versions('8+').default(0),
        }),
      )
      .versions('8+'),
  },
})
