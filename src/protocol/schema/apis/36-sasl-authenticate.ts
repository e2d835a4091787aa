// SaslAuthenticate (API key 36): versions 0-2, flexible 2+.
// Response changes: v1: +sessionLifetimeMs

import { api, f } from '../dsl.ts'

export const SaslAuthenticate = api({
  key: 36,
  name: 'SaslAuthenticate',
  valid: '0-2',
  flexible: '2+',
  request: {
    authBytes: f.bytes(),
  },
  response: {
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
    authBytes: f.bytes(),
    sessionLifetimeMs: f.int64().versions('1+').default(0n).ignorable(),
  },
})
