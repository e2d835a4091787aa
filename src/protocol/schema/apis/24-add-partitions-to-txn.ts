// AddPartitionsToTxn (API key 24): versions 0-5, flexible 3+.
// Request changes: v4: +transactions; -v3AndBelowTransactionalId, -v3AndBelowProducerId, -v3AndBelowProducerEpoch, -v3AndBelowTopics
// Response changes: v4: +errorCode, +resultsByTransaction; -resultsByTopicV3AndBelow

import { api, f, struct } from '../dsl.ts'

const AddPartitionsToTxnTopic = struct('AddPartitionsToTxnTopic', {
  name: f.string().entity('topicName'),
  partitions: f.array(f.int32()),
})

const AddPartitionsToTxnPartitionResult = struct('AddPartitionsToTxnPartitionResult', {
  partitionIndex: f.int32(),
  partitionErrorCode: f.int16(),
})

const AddPartitionsToTxnTopicResult = struct('AddPartitionsToTxnTopicResult', {
  name: f.string().entity('topicName'),
  resultsByPartition: f.array(AddPartitionsToTxnPartitionResult),
})

export const AddPartitionsToTxn = api({
  key: 24,
  name: 'AddPartitionsToTxn',
  valid: '0-5',
  flexible: '3+',
  request: {
    transactions: f
      .array(
        struct('AddPartitionsToTxnTransaction', {
          transactionalId: f.string().versions('4+').entity('transactionalId'),
          producerId: f.int64().versions('4+').entity('producerId'),
          producerEpoch: f.int16().versions('4+'),
          verifyOnly: f.bool().versions('4+').default(false),
          topics: f.array(AddPartitionsToTxnTopic).versions('4+'),
        }),
      )
      .versions('4+'),
    v3AndBelowTransactionalId: f.string().versions('0-3').entity('transactionalId'),
    v3AndBelowProducerId: f.int64().versions('0-3').entity('producerId'),
    v3AndBelowProducerEpoch: f.int16().versions('0-3'),
    v3AndBelowTopics: f.array(AddPartitionsToTxnTopic).versions('0-3'),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode().versions('4+').ignorable(),
    resultsByTransaction: f
      .array(
        struct('AddPartitionsToTxnResult', {
          transactionalId: f.string().versions('4+').entity('transactionalId'),
          topicResults: f.array(AddPartitionsToTxnTopicResult).versions('4+'),
        }),
      )
      .versions('4+'),
    resultsByTopicV3AndBelow: f.array(AddPartitionsToTxnTopicResult).versions('0-3'),
  },
})
