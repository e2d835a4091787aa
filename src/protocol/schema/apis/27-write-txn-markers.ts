// WriteTxnMarkers (API key 27): versions 0-2, flexible 1+.
// Request changes: v2: +markers.transactionVersion
// v2 (Kafka 4.2, KIP-1228): each marker carries the transaction version (0/1 = TV1, 2 = TV2) the
// coordinator used, so the partition leader can validate the marker's epoch accordingly.

import { api, f, struct } from '../dsl.ts'

export const WriteTxnMarkers = api({
  key: 27,
  name: 'WriteTxnMarkers',
  valid: '0-2',
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
        transactionVersion: f.int8().versions('2+'),
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
