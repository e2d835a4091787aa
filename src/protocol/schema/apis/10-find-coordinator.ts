// FindCoordinator (API key 10): versions 0-6, flexible 3+.
// Request changes: v1: +keyType · v4: +coordinatorKeys; -key
// Response changes: v1: +throttleTimeMs, +errorMessage · v4: +coordinators; -errorCode, -errorMessage, -nodeId, -host, -port

import { api, f, struct } from '../dsl.ts'

export const FindCoordinator = api({
  key: 10,
  name: 'FindCoordinator',
  valid: '0-6',
  flexible: '3+',
  request: {
    key: f.string().versions('0-3'),
    keyType: f.int8().versions('1+').default(0),
    coordinatorKeys: f.array(f.string()).versions('4+'),
  },
  response: {
    throttleTimeMs: f.int32().versions('1+').ignorable(),
    errorCode: f.errorCode().versions('0-3'),
    errorMessage: f.string().versions('1-3').nullable('1-3').ignorable(),
    nodeId: f.int32().versions('0-3').entity('brokerId'),
    host: f.string().versions('0-3'),
    port: f.int32().versions('0-3'),
    coordinators: f
      .array(
        struct('Coordinator', {
          key: f.string().versions('4+'),
          nodeId: f.int32().versions('4+').entity('brokerId'),
          host: f.string().versions('4+'),
          port: f.int32().versions('4+'),
          errorCode: f.errorCode().versions('4+'),
          errorMessage: f.string().versions('4+').nullable('4+').ignorable(),
        }),
      )
      .versions('4+'),
  },
})
