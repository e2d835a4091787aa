// ElectLeaders (API key 43): versions 0-2, flexible 2+.
// Request changes: v1: +electionType
// Response changes: v1: +errorCode

import { api, f, struct } from '../dsl.ts'

export const ElectLeaders = api({
  key: 43,
  name: 'ElectLeaders',
  valid: '0-2',
  flexible: '2+',
  request: {
    electionType: f.int8().versions('1+'),
    topicPartitions: f
      .array(
        struct('TopicPartitions', {
          topic: f.string().entity('topicName'),
          partitions: f.array(f.int32()),
        }),
      )
      .nullable('0+'),
    timeoutMs: f.int32().default(60000),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode().versions('1+'),
    replicaElectionResults: f.array(
      struct('ReplicaElectionResult', {
        topic: f.string().entity('topicName'),
        partitionResult: f.array(
          struct('PartitionResult', {
            partitionId: f.int32(),
            errorCode: f.errorCode(),
            errorMessage: f.string().nullable('0+'),
          }),
        ),
      }),
    ),
  },
})
