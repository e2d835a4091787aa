// DescribeProducers (API key 61): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const DescribeProducers = api({
  key: 61,
  name: 'DescribeProducers',
  valid: '0',
  flexible: '0+',
  request: {
    topics: f.array(
      struct('TopicRequest', {
        name: f.string().entity('topicName'),
        partitionIndexes: f.array(f.int32()),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    topics: f.array(
      struct('TopicResponse', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('PartitionResponse', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
            errorMessage: f.string().nullable('0+').default(null),
            activeProducers: f.array(
              struct('ProducerState', {
                producerId: f.int64().entity('producerId'),
                producerEpoch: f.int32(),
                lastSequence: f.int32().default(-1),
                lastTimestamp: f.int64().default(-1n),
                coordinatorEpoch: f.int32(),
                currentTxnStartOffset: f.int64().default(-1n),
              }),
            ),
          }),
        ),
      }),
    ),
  },
})
