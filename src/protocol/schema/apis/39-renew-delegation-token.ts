// RenewDelegationToken (API key 39): versions 0-2, flexible 2+.

import { api, f } from '../dsl.ts'

export const RenewDelegationToken = api({
  key: 39,
  name: 'RenewDelegationToken',
  valid: '0-2',
  flexible: '2+',
  request: {
    hmac: f.bytes(),
    renewPeriodMs: f.int64(),
  },
  response: {
    errorCode: f.errorCode(),
    expiryTimestampMs: f.int64(),
    throttleTimeMs: f.int32(),
  },
})
