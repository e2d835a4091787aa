// AddRaftVoter (API key 80): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const AddRaftVoter = api({
  key: 80,
  name: 'AddRaftVoter',
  valid: '0',
  flexible: '0+',
  request: {
    clusterId: f.string().nullable('0+'),
    timeoutMs: f.int32(),
    voterId: f.int32(),
    voterDirectoryId: f.uuid(),
    listeners: f.array(
      struct('Listener', {
        name: f.string(),
        host: f.string(),
        port: f.uint16(),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+').ignorable(),
  },
})
