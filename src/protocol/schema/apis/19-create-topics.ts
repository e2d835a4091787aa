// CreateTopics (API key 19): versions 0-7, flexible 5+.
// Request changes: v1: +validateOnly
// Response changes: v1: +topics.errorMessage · v2: +throttleTimeMs · v5: +topics.topicConfigErrorCode, +topics.numPartitions, +topics.replicationFactor, +topics.configs · v7: +topics.topicId

import { api, f, struct } from '../dsl.ts'

export const CreateTopics = api({
  key: 19,
  name: 'CreateTopics',
  valid: '0-7',
  flexible: '5+',
  request: {
    topics: f.array(
      struct('CreatableTopic', {
        name: f.string().entity('topicName'),
        numPartitions: f.int32(),
        replicationFactor: f.int16(),
        assignments: f.array(
          struct('CreatableReplicaAssignment', {
            partitionIndex: f.int32(),
            brokerIds: f.array(f.int32()).entity('brokerId'),
          }),
        ),
        configs: f.array(
          struct('CreatableTopicConfig', {
            name: f.string(),
            value: f.string().nullable('0+'),
          }),
        ),
      }),
    ),
    timeoutMs: f.int32().default(60000),
    validateOnly: f.bool().versions('1+').default(false),
  },
  response: {
    throttleTimeMs: f.int32().versions('2+').ignorable(),
    topics: f.array(
      struct('CreatableTopicResult', {
        name: f.string().entity('topicName'),
        topicId: f.uuid().versions('7+').ignorable(),
        errorCode: f.errorCode(),
        errorMessage: f.string().versions('1+').nullable('0+').ignorable(),
        topicConfigErrorCode: f.int16().versions('5+').tag(0, '5+').ignorable(),
        numPartitions: f.int32().versions('5+').default(-1).ignorable(),
        replicationFactor: f.int16().versions('5+').default(-1).ignorable(),
        configs: f
          .array(
            struct('CreatableTopicConfigs', {
              name: f.string().versions('5+'),
              value: f.string().versions('5+').nullable('5+'),
              readOnly: f.bool().versions('5+'),
              configSource: f.int8().versions('5+').default(-1).ignorable(),
              isSensitive: f.bool().versions('5+'),
            }),
          )
          .versions('5+')
          .nullable('5+')
          .ignorable(),
      }),
    ),
  },
})
