// DescribeDelegationToken (API key 41): versions 0-3, flexible 2+.
// Response changes: v3: +tokens.tokenRequesterPrincipalType, +tokens.tokenRequesterPrincipalName

import { api, f, struct } from '../dsl.ts'

export const DescribeDelegationToken = api({
  key: 41,
  name: 'DescribeDelegationToken',
  valid: '0-3',
  flexible: '2+',
  request: {
    owners: f
      .array(
        struct('DescribeDelegationTokenOwner', {
          principalType: f.string(),
          principalName: f.string(),
        }),
      )
      .nullable('0+'),
  },
  response: {
    errorCode: f.errorCode(),
    tokens: f.array(
      struct('DescribedDelegationToken', {
        principalType: f.string(),
        principalName: f.string(),
        tokenRequesterPrincipalType: f.string().versions('3+'),
        tokenRequesterPrincipalName: f.string().versions('3+'),
        issueTimestamp: f.int64(),
        expiryTimestamp: f.int64(),
        maxTimestamp: f.int64(),
        tokenId: f.string(),
        hmac: f.bytes(),
        renewers: f.array(
          struct('DescribedDelegationTokenRenewer', {
            principalType: f.string(),
            principalName: f.string(),
          }),
        ),
      }),
    ),
    throttleTimeMs: f.int32(),
  },
})
