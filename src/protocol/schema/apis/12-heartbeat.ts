// Heartbeat (API key 12): versions 0-4, flexible 4+.
// Request changes: v3: +groupInstanceId
// Response changes: v1: +throttleTimeMs

import { api, f } from '../dsl.ts'

export const Heartbeat = api({
  key: 12,
  name: 'Heartbeat',
  valid: '0-4',
  flexible: '4+',
  request: {
    groupId: f.string().entity('groupId'),
    generationId: f.int32(),
    memberId: f.string(),
    groupInstanceId: f.string().versions('3+').nullable('3+').default(null),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    errorCode: f.errorCode(),
  },
})
