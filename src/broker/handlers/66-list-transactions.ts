// ListTransactions: v0-1. Transactional ids filtered by state name, producer id and (v1, KIP-994)
// how long the transaction has been running. Unknown state names come back in UnknownStateFilters.

import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'

export default defineHandler(ApiKey.ListTransactions, {
  versions: [0, 1],
  handle(ctx, req) {
    const r = txnCoordinator(ctx).list(req.stateFilters, req.producerIdFilters, req.durationFilter)
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      unknownStateFilters: r.unknownStateFilters,
      transactionStates: r.transactions,
    }
  },
})
