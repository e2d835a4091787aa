// EndTxn: v0-4. Commits or aborts the producer's transaction: PrepareCommit/PrepareAbort is written
// to __transaction_state, markers to every partition, then CompleteCommit/CompleteAbort.
// Version notes: v2 PRODUCER_FENCED (v0-1 get INVALID_PRODUCER_EPOCH) · v3 flexible · v4 same ·
// v5 (KIP-890 part 2: epoch bump per transaction, implicit partition adds) is not served: clients
// use it only with the transaction.version feature, which this broker does not advertise.

import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'
import { fencedErrorFor } from '../txn/fenced-error.ts'

export default defineHandler(ApiKey.EndTxn, {
  versions: [0, 4],
  async handle(ctx, req) {
    const r = await txnCoordinator(ctx).endTxn(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.committed,
    )
    const errorCode = fencedErrorFor(r.errorCode, ctx.apiVersion, 2)
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch }
  },
})
