// CreateDelegationToken (API key 38): versions 0-3, flexible 2+.
// Request changes: v3: +ownerPrincipalType, +ownerPrincipalName
// Response changes: v3: +tokenRequesterPrincipalType, +tokenRequesterPrincipalName

import { api, f, struct } from '../dsl.ts'

export const CreateDelegationToken = api({
  key: 38,
  name: 'CreateDelegationToken',
  valid: '0-3',
  flexible: '2+',
  request: {
    ownerPrincipalType: f.string().versions('3+').nullable('3+'),
    ownerPrincipalName: f.string().versions('3+').nullable('3+'),
    renewers: f.array(
      struct('CreatableRenewers', {
        principalType: f.string(),
        principalName: f.string(),
      }),
    ),
    maxLifetimeMs: f.int64(),
  },
  response: {
    errorCode: f.errorCode(),
    principalType: f.string(),
    principalName: f.string(),
    tokenRequesterPrincipalType: f.string().versions('3+'),
    tokenRequesterPrincipalName: f.string().versions('3+'),
    issueTimestampMs: f.int64(),
    expiryTimestampMs: f.int64(),
    maxTimestampMs: f.int64(),
    tokenId: f.string(),
    hmac: f.bytes(),
    throttleTimeMs: f.int32(),
  },
})
