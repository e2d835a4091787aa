// AlterUserScramCredentials (API key 51): versions 0, flexible 0+.

import { api, f, struct } from '../dsl.ts'

export const AlterUserScramCredentials = api({
  key: 51,
  name: 'AlterUserScramCredentials',
  valid: '0',
  flexible: '0+',
  request: {
    deletions: f.array(
      struct('ScramCredentialDeletion', {
        name: f.string(),
        mechanism: f.int8(),
      }),
    ),
    upsertions: f.array(
      struct('ScramCredentialUpsertion', {
        name: f.string(),
        mechanism: f.int8(),
        iterations: f.int32(),
        salt: f.bytes(),
        saltedPassword: f.bytes(),
      }),
    ),
  },
  response: {
    throttleTimeMs: f.int32(),
    results: f.array(
      struct('AlterUserScramCredentialsResult', {
        user: f.string(),
        errorCode: f.errorCode(),
        errorMessage: f.string().nullable('0+'),
      }),
    ),
  },
})
