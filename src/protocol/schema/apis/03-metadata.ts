// Metadata (API key 3): versions 0-13, flexible 9+.
// Request changes: v4: +allowAutoTopicCreation · v8: +includeClusterAuthorizedOperations, +includeTopicAuthorizedOperations · v10: +topics.topicId · v11: -includeClusterAuthorizedOperations
// Response changes: v1: +brokers.rack, +controllerId, +topics.isInternal · v2: +clusterId · v3: +throttleTimeMs · v5: +topics.partitions.offlineReplicas · v7: +topics.partitions.leaderEpoch · v8: +topics.topicAuthorizedOperations, +clusterAuthorizedOperations · v10: +topics.topicId · v11: -clusterAuthorizedOperations · v13: +errorCode
// v13 (Kafka 4.0, KIP-1102): a top-level error code, so the broker can tell a client to rebootstrap
// (REBOOTSTRAP_REQUIRED); the request is unchanged.

import { api, f, struct } from '../dsl.ts'

export const Metadata = api({
  key: 3,
  name: 'Metadata',
  valid: '0-13',
  flexible: '9+',
  request: {
    topics: f
      .array(
        struct('MetadataRequestTopic', {
          topicId: f.uuid().versions('10+').ignorable(),
          name: f.string().nullable('10+').entity('topicName'),
        }),
      )
      .nullable('1+'),
    allowAutoTopicCreation: f.bool().versions('4+').default(true),
    includeClusterAuthorizedOperations: f.bool().versions('8-10'),
    includeTopicAuthorizedOperations: f.bool().versions('8+'),
  },
  response: {
    throttleTimeMs: f.int32().versions('3+').ignorable(),
    brokers: f.array(
      struct('MetadataResponseBroker', {
        nodeId: f.int32().entity('brokerId'),
        host: f.string(),
        port: f.int32(),
        rack: f.string().versions('1+').nullable('1+').default(null).ignorable(),
      }),
    ),
    clusterId: f.string().versions('2+').nullable('2+').default(null).ignorable(),
    controllerId: f.int32().versions('1+').default(-1).ignorable().entity('brokerId'),
    topics: f.array(
      struct('MetadataResponseTopic', {
        errorCode: f.errorCode(),
        name: f.string().nullable('12+').entity('topicName'),
        topicId: f.uuid().versions('10+').ignorable(),
        isInternal: f.bool().versions('1+').default(false).ignorable(),
        partitions: f.array(
          struct('MetadataResponsePartition', {
            errorCode: f.errorCode(),
            partitionIndex: f.int32(),
            leaderId: f.int32().entity('brokerId'),
            leaderEpoch: f.int32().versions('7+').default(-1).ignorable(),
            replicaNodes: f.array(f.int32()).entity('brokerId'),
            isrNodes: f.array(f.int32()).entity('brokerId'),
            offlineReplicas: f.array(f.int32()).versions('5+').ignorable().entity('brokerId'),
          }),
        ),
        topicAuthorizedOperations: f.int32().versions('8+').default(-2147483648),
      }),
    ),
    clusterAuthorizedOperations: f.int32().versions('8-10').default(-2147483648),
    errorCode: f.errorCode().versions('13+').ignorable(),
  },
})
