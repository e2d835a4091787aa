// DeleteRecords (API key 21): versions 0-2, flexible 2+.

import { api, f, struct } from '../dsl.ts'

export const DeleteRecords = api({
  key: 21,
  name: 'DeleteRecords',
  valid: '0-2',
  flexible: '2+',
  request: {
    topics: f.array(
      struct('DeleteRecordsTopic', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('DeleteRecordsPartition', {
            partitionIndex: f.int32(),
            offset: f.int64(),
          }),
        ),
      }),
    ),
    timeoutMs: f.int32(),
  },
  response: {
    throttleTimeMs: f.int32(),
    topics: f.array(
      struct('DeleteRecordsTopicResult', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('DeleteRecordsPartitionResult', {
            partitionIndex: f.int32(),
            lowWatermark: f.int64(),
            errorCode: f.errorCode(),
          }),
        ),
      }),
    ),
  },
})
