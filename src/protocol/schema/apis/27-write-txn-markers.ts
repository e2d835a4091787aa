// WriteTxnMarkers (API key 27): versions 0-1, flexible 1+.

import { api, f, struct } from '../dsl.ts'

export const WriteTxnMarkers = api({
  key: 27,
  name: 'WriteTxnMarkers',
  valid: '0-1',
  flexible: '1+',
  request: {
    markers: f.array(
      struct('WritableTxnMarker', {
        producerId: f.int64().entity('producerId'),
        producerEpoch: f.int16(),
        transactionResult: f.bool(),
        topics: f.array(
          struct('WritableTxnMarkerTopic', {
            name: f.string().entity('topicName'),
            partitionIndexes: f.array(f.int32()),
          }),
        ),
        coordinatorEpoch: f.int32(),
      }),
    ),
  },
  response: {
    markers: f.array(
      struct('WritableTxnMarkerResult', {
        producerId: f.int64().entity('producerId'),
        topics: f.array(
          struct('WritableTxnMarkerTopicResult', {
            name: f.string().entity('topicName'),
            partitions: f.array(
              struct('WritableTxnMarkerPartitionResult', {
                partitionIndex: f.int32(),
                errorCode: f.errorCode(),
              }),
            ),
          }),
        ),
      }),
    ),
  },
})
