// ListPartitionReassignments: v0
// Version notes: v0 flexible.
// A single node never has a reassignment in progress (AlterPartitionReassignments completes at
// once), so the list is always empty, whatever partitions are asked about.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.ListPartitionReassignments, {
  versions: [0, 0],
  handle() {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] }
  },
})
