// DescribeTransactions (API key 65): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const DescribeTransactions = api({
  key: 65,
  name: 'DescribeTransactions',
  valid: '0',
  flexible: '0+',
  request: {
    transactionalIds: f.array(f.string()).entity('transactionalId'),
  },
  response: {
    throttleTimeMs: f.int32(),
    transactionStates: f.array(
      struct('TransactionState', {
        errorCode: f.errorCode(),
        transactionalId: f.string().entity('transactionalId'),
        transactionState: f.string(),
        transactionTimeoutMs: f.int32(),
        transactionStartTimeMs: f.int64(),
        producerId: f.int64().entity('producerId'),
        producerEpoch: f.int16(),
        topics: f.array(
          struct('TopicData', {
            topic: f.string().entity('topicName'),
            partitions: f.array(f.int32()),
          }),
        ),
      }),
    ),
  },
})
