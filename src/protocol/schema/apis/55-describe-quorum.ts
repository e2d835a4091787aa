// DescribeQuorum (API key 55): versions 0-2, flexible 0+.
// Response changes: v2: +errorMessage, +topics.partitions.errorMessage, +nodes

import { api, f, struct } from '../dsl.ts'

const ReplicaState = struct('ReplicaState', {
  replicaId: f.int32().entity('brokerId'),
  replicaDirectoryId: f.uuid().versions('2+'),
  logEndOffset: f.int64(),
  lastFetchTimestamp: f.int64().versions('1+').default(-1n).ignorable(),
  lastCaughtUpTimestamp: f.int64().versions('1+').default(-1n).ignorable(),
})

export const DescribeQuorum = api({
  key: 55,
  name: 'DescribeQuorum',
  valid: '0-2',
  flexible: '0+',
  request: {
    topics: f.array(
      struct('TopicData', {
        topicName: f.string().entity('topicName'),
        partitions: f.array(
          struct('PartitionData', {
            partitionIndex: f.int32(),
          }),
        ),
      }),
    ),
  },
  response: {
    errorCode: f.errorCode(),
    errorMessage: f.string().versions('2+').nullable('2+').ignorable(),
    topics: f.array(
      struct('TopicData', {
        topicName: f.string().entity('topicName'),
        partitions: f.array(
          struct('PartitionData', {
            partitionIndex: f.int32(),
            errorCode: f.errorCode(),
            errorMessage: f.string().versions('2+').nullable('2+').ignorable(),
            leaderId: f.int32().entity('brokerId'),
            leaderEpoch: f.int32(),
            highWatermark: f.int64(),
            currentVoters: f.array(ReplicaState),
            observers: f.array(ReplicaState),
          }),
        ),
      }),
    ),
    nodes: f
      .array(
        struct('Node', {
          nodeId: f.int32().versions('2+').entity('brokerId'),
          listeners: f
            .array(
              struct('Listener', {
                name: f.string().versions('2+'),
                host: f.string().versions('2+'),
                port: f.uint16().versions('2+'),
              }),
            )
            .versions('2+'),
        }),
      )
      .versions('2+'),
  },
})
