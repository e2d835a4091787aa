// AlterPartitionReassignments (API key 45): versions 0-1, flexible 0+.
// Request changes: v1: +allowReplicationFactorChange
// Response changes: v1: +allowReplicationFactorChange
// v1 (Kafka 4.1, KIP-860): the client may forbid reassignments that change a partition's replication
// factor (INVALID_REPLICATION_FACTOR); the response echoes the option.

import { api, f, struct } from '../dsl.ts'

export const AlterPartitionReassignments = api({
  key: 45,
  name: 'AlterPartitionReassignments',
  valid: '0-1',
  flexible: '0+',
  request: {
    timeoutMs: f.int32().default(60000),
    allowReplicationFactorChange: f.bool().versions('1+').default(true),
    topics: f.array(
      struct('ReassignableTopic', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('ReassignablePartition', {
            partitionIndex: f.int32(),
            replicas: f.array(f.int32()).nullable('0+').default(null).entity('brokerId'),
          }),
        ),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    allowReplicationFactorChange: f.bool().versions('1+').default(true).ignorable(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
    responses: f.array(
      struct('ReassignableTopicResponse', {
        name: f.string().entity('topicName'),
        partitions: f.array(
          struct('ReassignablePartitionResponse', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
            errorMessage: f.string().nullable('0+'),
          }),
        ),
      }),
    ),
  },
})
