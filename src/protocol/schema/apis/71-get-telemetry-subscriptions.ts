// GetTelemetrySubscriptions (API key 71): versions 0, flexible 0+.

import { api, f } from '../dsl.ts'

export const GetTelemetrySubscriptions = api({
  key: 71,
  name: 'GetTelemetrySubscriptions',
  valid: '0',
  flexible: '0+',
  request: {
    clientInstanceId: f.uuid(),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    clientInstanceId: f.uuid(),
    subscriptionId: f.int32(),
    acceptedCompressionTypes: f.array(f.int8()),
    pushIntervalMs: f.int32(),
    telemetryMaxBytes: f.int32(),
    deltaTemporality: f.bool(),
    requestedMetrics: f.array(f.string()),
  },
})
