// CreateAcls: v0-3
// Version notes: v1 ResourcePatternType · v2 flexible · v3 USER resource type.
// Without an authorizer Kafka fails every creation with SECURITY_DISABLED "No Authorizer is
// configured." (CreateAclsRequest.getErrorResponse: one result per creation), which is what the
// generated error response builds from the thrown error.

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.CreateAcls, {
  versions: [0, 3],
  handle() {
    throw new KafkaError(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.')
  },
})
