// OffsetForLeaderEpoch (API key 23): versions 0-4, flexible 4+.
// Request changes: v2: +topics.partitions.currentLeaderEpoch · v3: +replicaId
// Response changes: v1: +topics.partitions.leaderEpoch · v2: +throttleTimeMs

import { api, f, struct } from '../dsl.ts'

export const OffsetForLeaderEpoch = api({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  valid: '0-4',
  flexible: '4+',
  request: {
    replicaId: f.int32().versions('3+').default(-2).ignorable().entity('brokerId'),
    topics: f.array(
      struct('OffsetForLeaderTopic', {
        topic: f.string().entity('topicName'),
        partitions: f.array(
          struct('OffsetForLeaderPartition', {
            partition: f.int32(),
            currentLeaderEpoch: f.int32().versions('2+').default(-1).ignorable(),
            leaderEpoch: f.int32(),
          }),
        ),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32().versions('2+').ignorable(),
    topics: f.array(
      struct('OffsetForLeaderTopicResult', {
        topic: f.string().entity('topicName'),
        partitions: f.array(
          struct('EpochEndOffset', {
            errorCode: f.errorCode(),
            partition: f.int32(),
            leaderEpoch: f.int32().versions('1+').default(-1).ignorable(),
            endOffset: f.int64().default(-1n),
          }),
        ),
      }),
    ),
  },
})
