// DescribeTransactions: v0. State, producer, timeout, start time and partitions of transactional ids.

import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'

export default defineHandler(ApiKey.DescribeTransactions, {
  versions: [0, 0],
  handle(ctx, req) {
    return { throttleTimeMs: 0, transactionStates: txnCoordinator(ctx).describe(req.transactionalIds) }
  },
})
