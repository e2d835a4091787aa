// DescribeAcls: v0-3
// Version notes: v1 PatternTypeFilter/PatternType (KIP-290) · v2 flexible · v3 USER resource type.
// Samsa runs without an authorizer, and Kafka without one answers SECURITY_DISABLED with this
// message and no resources (AclApis.handleDescribeAcls). Advertising v2 still matters: it is how
// kafka-python 2.0.2 recognises a modern broker.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.DescribeAcls, {
  versions: [0, 3],
  handle() {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.SECURITY_DISABLED,
      errorMessage: 'No Authorizer is configured on the broker',
      resources: [],
    }
  },
})
