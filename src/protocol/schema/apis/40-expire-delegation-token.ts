// ExpireDelegationToken (API key 40): versions 0-2, flexible 2+.

import { api, f } from '../dsl.ts'

export const ExpireDelegationToken = api({
  key: 40,
  name: 'ExpireDelegationToken',
  valid: '0-2',
  flexible: '2+',
  request: {
    hmac: f.bytes(),
    expiryTimePeriodMs: f.int64(),
  },
  response: {
    errorCode: f.errorCode(),
    expiryTimestampMs: f.int64(),
    throttleTimeMs: f.int32(),
  },
})
