// CreatePartitions (API key 37): versions 0-3, flexible 2+.

import { api, f, struct } from '../dsl.ts'

export const CreatePartitions = api({
  key: 37,
  name: 'CreatePartitions',
  valid: '0-3',
  flexible: '2+',
  request: {
    topics: f.array(
      struct('CreatePartitionsTopic', {
        name: f.string().entity('topicName'),
        count: f.int32(),
        assignments: f
          .array(
            struct('CreatePartitionsAssignment', {
              brokerIds: f.array(f.int32()).entity('brokerId'),
            }),
          )
          .nullable('0+'),
      }),
    ),
    timeoutMs: f.int32(),
    validateOnly: f.bool(),
  },
  response: {
    throttleTimeMs: f.int32(),
    results: f.array(
      struct('CreatePartitionsTopicResult', {
        name: f.string().entity('topicName'),
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+').default(null),
      }),
    ),
  },
})
