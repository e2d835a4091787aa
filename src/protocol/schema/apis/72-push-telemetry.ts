// PushTelemetry (API key 72): versions 0, flexible 0+.

import { api, f } from '../dsl.ts'

export const PushTelemetry = api({
  key: 72,
  name: 'PushTelemetry',
  valid: '0',
  flexible: '0+',
  request: {
    clientInstanceId: f.uuid(),
    subscriptionId: f.int32(),
    terminating: f.bool(),
    compressionType: f.int8(),
    metrics: f.bytes(),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
  },
})
