// RemoveRaftVoter (API key 81): versions 0, flexible 0+.

import { api, f } from '../dsl.ts'

export const RemoveRaftVoter = api({
  key: 81,
  name: 'RemoveRaftVoter',
  valid: '0',
  flexible: '0+',
  request: {
    clusterId: f.string().nullable('0+'),
    voterId: f.int32(),
    voterDirectoryId: f.uuid(),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+').ignorable(),
  },
})
