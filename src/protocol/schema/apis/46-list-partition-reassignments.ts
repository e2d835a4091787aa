// ListPartitionReassignments (API key 46): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const ListPartitionReassignments = api({
  key: 46,
  name: 'ListPartitionReassignments',
  valid: '0',
  flexible: '0+',
  request: {
    timeoutMs: f.int32().default(60000),
    topics: f
      .array(
        struct('ListPartitionReassignmentsTopics', {
          name: f.string().entity('topicName'),
          partitionIndexes: f.array(f.int32()),
        }),
      )
      .nullable('0+')
      .default(null),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
    topics: f.array(
      struct('OngoingTopicReassignment', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('OngoingPartitionReassignment', {
            partitionIndex: f.int32(),
            replicas: f.array(f.int32()).entity('brokerId'),
            addingReplicas: f.array(f.int32()).entity('brokerId'),
            removingReplicas: f.array(f.int32()).entity('brokerId'),
          }),
        ),
      }),
    ),
  },
})
