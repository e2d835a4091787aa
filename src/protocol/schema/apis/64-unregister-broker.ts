// UnregisterBroker (API key 64): versions 0, flexible 0+.

import { api, f } from '../dsl.ts'

export const UnregisterBroker = api({
  key: 64,
  name: 'UnregisterBroker',
  valid: '0',
  flexible: '0+',
  request: {
    brokerId: f.int32().entity('brokerId'),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
  },
})
