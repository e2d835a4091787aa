// TxnOffsetCommit (API key 28): versions 0-5, flexible 3+.
// Request changes: v2: +topics.partitions.committedLeaderEpoch · v3: +generationId, +memberId, +groupInstanceId
// v5 (Kafka 4.0, KIP-890 part 2): no wire change; the coordinator adds the group to the transaction
// itself, and TRANSACTION_ABORTABLE may be returned.

import { api, f, struct } from '../dsl.ts'

export const TxnOffsetCommit = api({
  key: 28,
  name: 'TxnOffsetCommit',
  valid: '0-5',
  flexible: '3+',
  request: {
    transactionalId: f.string().entity('transactionalId'),
    groupId: f.string().entity('groupId'),
    producerId: f.int64().entity('producerId'),
    producerEpoch: f.int16(),
    generationId: f.int32().versions('3+').default(-1),
    memberId: f.string().versions('3+').default(''),
    groupInstanceId: f.string().versions('3+').nullable('3+').default(null),
    topics: f.array(
      struct('TxnOffsetCommitRequestTopic', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('TxnOffsetCommitRequestPartition', {
            partitionIndex: f.int32(),
            committedOffset: f.int64(),
            committedLeaderEpoch: f.int32().versions('2+').default(-1).ignorable(),
            committedMetadata: f.string().nullable('0+'),
          }),
        ),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    topics: f.array(
      struct('TxnOffsetCommitResponseTopic', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('TxnOffsetCommitResponsePartition', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
          }),
        ),
      }),
    ),
  },
})
