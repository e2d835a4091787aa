// Produce (API key 0): versions 0-13, flexible 9+.
// Request changes: v3: +transactionalId · v13: +topicData.topicId; -topicData.name
// Response changes: v1: +throttleTimeMs · v2: +responses.partitionResponses.logAppendTimeMs · v5: +responses.partitionResponses.logStartOffset · v8: +responses.partitionResponses.recordErrors, +responses.partitionResponses.errorMessage · v10: +responses.partitionResponses.currentLeader, +nodeEndpoints · v13: +responses.topicId; -responses.name
// v12 (Kafka 4.0, KIP-890 part 2): no wire change; the broker adds partitions to the transaction itself.
// v13 (Kafka 4.1, KIP-516): topics are named by topic ID instead of name, in request and response.

import { api, f, struct } from '../dsl.ts'

export const Produce = api({
  key: 0,
  name: 'Produce',
  valid: '0-13',
  flexible: '9+',
  request: {
    transactionalId: f.string().versions('3+').nullable('3+').default(null).entity('transactionalId'),
    acks: f.int16(),
    timeoutMs: f.int32(),
    topicData: f.array(
      struct('TopicProduceData', {
        name: f.string().versions('0-12').entity('topicName'),
        topicId: f.uuid().versions('13+'),
        partitionData: f.array(
          struct('PartitionProduceData', {
            index: f.int32(),
            records: f.records().nullable('0+'),
          }),
        ),
      }),
    ),
  },
  response: {
    responses: f.array(
      struct('TopicProduceResponse', {
        name: f.string().versions('0-12').entity('topicName'),
        topicId: f.uuid().versions('13+'),
        partitionResponses: f.array(
          struct('PartitionProduceResponse', {
            index: f.int32(),
            errorCode: f.errorCode(),
            baseOffset: f.int64(),
            logAppendTimeMs: f.int64().versions('2+').default(-1n).ignorable(),
            logStartOffset: f.int64().versions('5+').default(-1n).ignorable(),
            recordErrors: f
              .array(
                struct('BatchIndexAndErrorMessage', {
                  batchIndex: f.int32().versions('8+'),
                  batchIndexErrorMessage: f.string().versions('8+').nullable('8+').default(null),
                }),
              )
              .versions('8+')
              .ignorable(),
            errorMessage: f.string().versions('8+').nullable('8+').default(null).ignorable(),
            currentLeader: f
              .struct(
                struct('LeaderIdAndEpoch', {
                  leaderId: f.int32().versions('10+').default(-1).entity('brokerId'),
                  leaderEpoch: f.int32().versions('10+').default(-1),
                }),
              )
              .versions('10+')
              .tag(0, '10+'),
          }),
        ),
      }),
    ),
    throttleTimeMs: f.int32().versions('1+').default(0).ignorable(),
    nodeEndpoints: f
      .array(
        struct('NodeEndpoint', {
          nodeId: f.int32().versions('10+').entity('brokerId'),
          host: f.string().versions('10+'),
          port: f.int32().versions('10+'),
          rack: f.string().versions('10+').nullable('10+').default(null),
        }),
      )
      .versions('10+')
      .tag(0, '10+'),
  },
})
