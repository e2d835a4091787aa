// Request and response headers (not APIs: they frame every message).
// RequestHeader v0: apiKey, apiVersion, correlationId (only ControlledShutdown v0 used it).
// v1 adds clientId, always a classic int16-length nullable string even in v2 (flexible 'none');
// ignorable and defaulting to '' as in Kafka's RequestHeader.json (v0 simply has no client id).
// v2 adds the tagged-field section. ResponseHeader v0: correlationId; v1 adds tagged fields.

import { f, message } from './dsl.ts'

export const RequestHeader = message('RequestHeader', '0-2', '2+', {
  requestApiKey: f.int16(),
  requestApiVersion: f.int16(),
  correlationId: f.int32(),
  clientId: f.string().versions('1+').nullable('1+').flexible('none').ignorable(),
})

export const ResponseHeader = message('ResponseHeader', '0-1', '1+', {
  correlationId: f.int32(),
})
