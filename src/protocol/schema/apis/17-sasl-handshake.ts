// SaslHandshake (API key 17): versions 0-1, flexible none.

import { api, f } from '../dsl.ts'

export const SaslHandshake = api({
  key: 17,
  name: 'SaslHandshake',
  valid: '0-1',
  flexible: 'none',
  request: {
    mechanism: f.string(),
  },
  response: {
    errorCode: f.errorCode(),
    mechanisms: f.array(f.string()),
  },
})
