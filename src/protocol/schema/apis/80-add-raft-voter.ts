// AddRaftVoter (API key 80): versions 0-1, flexible 0+.
// Request changes: v1: +ackWhenCommitted
// v1 (Kafka 4.2, KIP-1186): false lets the leader answer once the new voter set is written locally
// rather than committed.

import { api, f, struct } from '../dsl.ts'

export const AddRaftVoter = api({
  key: 80,
  name: 'AddRaftVoter',
  valid: '0-1',
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
    ackWhenCommitted: f.bool().versions('1+').default(true),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+').ignorable(),
  },
})
