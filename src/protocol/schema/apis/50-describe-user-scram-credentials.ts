// DescribeUserScramCredentials (API key 50): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const DescribeUserScramCredentials = api({
  key: 50,
  name: 'DescribeUserScramCredentials',
  valid: '0',
  flexible: '0+',
  request: {
    users: f
      .array(
        struct('UserName', {
          name: f.string(),
        }),
      )
      .nullable('0+'),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+'),
    results: f.array(
      struct('DescribeUserScramCredentialsResult', {
        user: f.string(),
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+'),
        credentialInfos: f.array(
          struct('CredentialInfo', {
            mechanism: f.int8(),
            iterations: f.int32(),
          }),
        ),
      }),
    ),
  },
})
