// Fetch (API key 1): versions 0-18, flexible 12+.
// Request changes: v3: +maxBytes · v4: +isolationLevel · v5: +topics.partitions.logStartOffset · v7: +sessionId, +sessionEpoch, +forgottenTopicsData · v9: +topics.partitions.currentLeaderEpoch · v11: +rackId · v12: +clusterId, +topics.partitions.lastFetchedEpoch · v13: +topics.topicId, +forgottenTopicsData.topicId; -topics.topic, -forgottenTopicsData.topic · v15: +replicaState; -replicaId · v17: +topics.partitions.replicaDirectoryId · v18: +topics.partitions.highWatermark (tagged)
// Response changes: v1: +throttleTimeMs · v4: +responses.partitions.lastStableOffset, +responses.partitions.abortedTransactions · v5: +responses.partitions.logStartOffset · v7: +errorCode, +sessionId · v11: +responses.partitions.preferredReadReplica · v12: +responses.partitions.divergingEpoch, +responses.partitions.currentLeader, +responses.partitions.snapshotId · v13: +responses.topicId; -responses.topic · v16: +nodeEndpoints
// v18 (Kafka 4.1, KIP-1166): followers report their high watermark in tagged field 1 of each partition;
// nothing changes for consumers, whose topics are already named by ID since v13.

import { api, f, struct } from '../dsl.ts'

export const Fetch = api({
  key: 1,
  name: 'Fetch',
  valid: '0-18',
  flexible: '12+',
  request: {
    clusterId: f.string().versions('12+').nullable('12+').tag(0, '12+').default(null).ignorable(),
    replicaId: f.int32().versions('0-14').default(-1).entity('brokerId'),
    replicaState: f
      .struct(
        struct('ReplicaState', {
          replicaId: f.int32().versions('15+').default(-1).entity('brokerId'),
          replicaEpoch: f.int64().versions('15+').default(-1n),
        }),
      )
      .versions('15+')
      .tag(1, '15+'),
    maxWaitMs: f.int32(),
    minBytes: f.int32(),
    maxBytes: f.int32().versions('3+').default(2147483647).ignorable(),
    isolationLevel: f.int8().versions('4+').default(0).ignorable(),
    sessionId: f.int32().versions('7+').default(0).ignorable(),
    sessionEpoch: f.int32().versions('7+').default(-1).ignorable(),
    topics: f.array(
      struct('FetchTopic', {
        topic: f.string().versions('0-12').ignorable().entity('topicName'),
        topicId: f.uuid().versions('13+').ignorable(),
        partitions: f.array(
          struct('FetchPartition', {
            partition: f.int32(),
            currentLeaderEpoch: f.int32().versions('9+').default(-1).ignorable(),
            fetchOffset: f.int64(),
            lastFetchedEpoch: f.int32().versions('12+').default(-1),
            logStartOffset: f.int64().versions('5+').default(-1n).ignorable(),
            partitionMaxBytes: f.int32(),
            replicaDirectoryId: f.uuid().versions('17+').tag(0, '17+').ignorable(),
            // Int64 max means "not supported" (the default), -1 means "not known".
            highWatermark: f.int64().versions('18+').tag(1, '18+').default(9223372036854775807n).ignorable(),
          }),
        ),
      }),
    ),
    forgottenTopicsData: f
      .array(
        struct('ForgottenTopic', {
          topic: f.string().versions('7-12').ignorable().entity('topicName'),
          topicId: f.uuid().versions('13+').ignorable(),
          partitions: f.array(f.int32()).versions('7+'),
        }),
      )
      .versions('7+'),
    rackId: f.string().versions('11+').default('').ignorable(),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    errorCode: f.errorCode().versions('7+').ignorable(),
    sessionId: f.int32().versions('7+').default(0),
    responses: f.array(
      struct('FetchableTopicResponse', {
        topic: f.string().versions('0-12').ignorable().entity('topicName'),
        topicId: f.uuid().versions('13+').ignorable(),
        partitions: f.array(
          struct('PartitionData', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
            highWatermark: f.int64(),
            lastStableOffset: f.int64().versions('4+').default(-1n).ignorable(),
            logStartOffset: f.int64().versions('5+').default(-1n).ignorable(),
            divergingEpoch: f
              .struct(
                struct('EpochEndOffset', {
                  epoch: f.int32().versions('12+').default(-1),
                  endOffset: f.int64().versions('12+').default(-1n),
                }),
              )
              .versions('12+')
              .tag(0, '12+'),
            currentLeader: f
              .struct(
                struct('LeaderIdAndEpoch', {
                  leaderId: f.int32().versions('12+').default(-1).entity('brokerId'),
                  leaderEpoch: f.int32().versions('12+').default(-1),
                }),
              )
              .versions('12+')
              .tag(1, '12+'),
            snapshotId: f
              .struct(
                struct('SnapshotId', {
                  endOffset: f.int64().default(-1n),
                  epoch: f.int32().default(-1),
                }),
              )
              .versions('12+')
              .tag(2, '12+'),
            abortedTransactions: f
              .array(
                struct('AbortedTransaction', {
                  producerId: f.int64().versions('4+').entity('producerId'),
                  firstOffset: f.int64().versions('4+'),
                }),
              )
              .versions('4+')
              .nullable('4+')
              .ignorable(),
            preferredReadReplica: f.int32().versions('11+').default(-1).entity('brokerId'),
            records: f.records().nullable('0+'),
          }),
        ),
      }),
    ),
    nodeEndpoints: f
      .array(
        struct('NodeEndpoint', {
          nodeId: f.int32().versions('16+').entity('brokerId'),
          host: f.string().versions('16+'),
          port: f.int32().versions('16+'),
          rack: f.string().versions('16+').nullable('16+').default(null),
        }),
      )
      .versions('16+')
      .tag(0, '16+'),
  },
})
