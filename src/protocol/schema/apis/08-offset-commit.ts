// OffsetCommit (API key 8): versions 0-10, flexible 8+.
// Request changes: v1: +generationIdOrMemberEpoch, +memberId, +topics.partitions.commitTimestamp · v2: +retentionTimeMs; -topics.partitions.commitTimestamp · v5: -retentionTimeMs · v6: +topics.partitions.committedLeaderEpoch · v7: +groupInstanceId · v10: +topics.topicId; -topics.name
// Response changes: v3: +throttleTimeMs · v10: +topics.topicId; -topics.name
// v10 (Kafka 4.2, KIP-848): topics are named by topic ID instead of name, in request and response.

import { api, f, struct } from '../dsl.ts'

export const OffsetCommit = api({
  key: 8,
  name: 'OffsetCommit',
  valid: '0-10',
  flexible: '8+',
  request: {
    groupId: f.string().entity('groupId'),
    generationIdOrMemberEpoch: f.int32().versions('1+').default(-1).ignorable(),
    memberId: f.string().versions('1+').ignorable(),
    groupInstanceId: f.string().versions('7+').nullable('7+').default(null),
    retentionTimeMs: f.int64().versions('2-4').default(-1n).ignorable(),
    topics: f.array(
      struct('OffsetCommitRequestTopic', {
        name: f.string().versions('0-9').entity('topicName'),
        topicId: f.uuid().versions('10+'),
        partitions: f.array(
          struct('OffsetCommitRequestPartition', {
            partitionIndex: f.int32(),
            committedOffset: f.int64(),
            committedLeaderEpoch: f.int32().versions('6+').default(-1).ignorable(),
            commitTimestamp: f.int64().versions('1').default(-1n),
            committedMetadata: f.string().nullable('0+'),
          }),
        ),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32().versions('3+').ignorable(),
    topics: f.array(
      struct('OffsetCommitResponseTopic', {
        name: f.string().versions('0-9').entity('topicName'),
        topicId: f.uuid().versions('10+'),
        partitions: f.array(
          struct('OffsetCommitResponsePartition', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
          }),
        ),
      }),
    ),
  },
})
