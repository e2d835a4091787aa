// OffsetDelete (API key 47): versions 0, flexible none.

import { api, f, struct } from '../dsl.ts'

export const OffsetDelete = api({
  key: 47,
  name: 'OffsetDelete',
  valid: '0',
  flexible: 'none',
  request: {
    groupId: f.string().entity('groupId'),
    topics: f.array(
      struct('OffsetDeleteRequestTopic', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('OffsetDeleteRequestPartition', {
            partitionIndex: f.int32(),
          }),
        ),
      }),
    ),
  },
  response: {
    errorCode: f.errorCode(),
    throttleTimeMs: f.int32().ignorable(),
    topics: f.array(
      struct('OffsetDeleteResponseTopic', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('OffsetDeleteResponsePartition', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
          }),
        ),
      }),
    ),
  },
})
