// ListOffsets (API key 2): versions 0-11, flexible 6+.
// Request changes: v1: -topics.partitions.maxNumOffsets · v2: +isolationLevel · v4: +topics.partitions.currentLeaderEpoch · v10: +timeoutMs
// Response changes: v1: +topics.partitions.timestamp, +topics.partitions.offset; -topics.partitions.oldStyleOffsets · v2: +throttleTimeMs · v4: +topics.partitions.leaderEpoch
// v11 (Kafka 4.2, KIP-1023): no wire change; enables timestamp -6 (EARLIEST_PENDING_UPLOAD) for tiered storage.

import { api, f, struct } from '../dsl.ts'

export const ListOffsets = api({
  key: 2,
  name: 'ListOffsets',
  valid: '0-11',
  flexible: '6+',
  request: {
    replicaId: f.int32().entity('brokerId'),
    isolationLevel: f.int8().versions('2+'),
    topics: f.array(
      struct('ListOffsetsTopic', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('ListOffsetsPartition', {
            partitionIndex: f.int32(),
            currentLeaderEpoch: f.int32().versions('4+').default(-1).ignorable(),
            timestamp: f.int64(),
            maxNumOffsets: f.int32().versions('0').default(1),
          }),
        ),
      }),
    ),
    timeoutMs: f.int32().versions('10+').ignorable(),
  },
  response: {
    throttleTimeMs: f.int32().versions('2+').ignorable(),
    topics: f.array(
      struct('ListOffsetsTopicResponse', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('ListOffsetsPartitionResponse', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
            oldStyleOffsets: f.array(f.int64()).versions('0'),
            timestamp: f.int64().versions('1+').default(-1n),
            offset: f.int64().versions('1+').default(-1n),
            leaderEpoch: f.int32().versions('4+').default(-1),
          }),
        ),
      }),
    ),
  },
})
