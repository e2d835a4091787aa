// DeleteTopics (API key 20): versions 0-6, flexible 4+.
// Request changes: v6: +topics; -topicNames
// Response changes: v1: +throttleTimeMs · v5: +responses.errorMessage · v6: +responses.topicId

import { api, f, struct } from '../dsl.ts'

export const DeleteTopics = api({
  key: 20,
  name: 'DeleteTopics',
  valid: '0-6',
  flexible: '4+',
  request: {
    topics: f
      .array(
        struct('DeleteTopicState', {
          name: f.string().versions('6+').nullable('6+').default(null).entity('topicName'),
          topicId: f.uuid().versions('6+'),
        }),
      )
      .versions('6+'),
    topicNames: f.array(f.string()).versions('0-5').ignorable().entity('topicName'),
    timeoutMs: f.int32(),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    responses: f.array(
      struct('DeletableTopicResult', {
        name: f.string().nullable('6+').entity('topicName'),
        topicId: f.uuid().versions('6+').ignorable(),
        errorCode: f.errorCode(),
        errorMessage: f.string().versions('5+').nullable('5+').default(null).ignorable(),
      }),
    ),
  },
})
