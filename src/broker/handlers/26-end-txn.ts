// EndTxn: v0-5. Commits or aborts the producer's transaction: PrepareCommit/PrepareAbort is written
// to __transaction_state, markers to every partition, then CompleteCommit/CompleteAbort.
// Version notes: v2 PRODUCER_FENCED (v0-1 get INVALID_PRODUCER_EPOCH) · v3 flexible · v4 same ·
// v5 (KIP-890 part 2, transactions v2): the epoch is bumped at every end and the response carries
// the ProducerId/ProducerEpoch the client goes on with (a new id at epoch 0 once the epoch is
// exhausted). Served whatever transaction.version is finalized, as Kafka does: clients choose v5
// only when the finalized level is ≥ 2.

import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'
import { fencedErrorFor } from '../txn/fenced-error.ts'

export default defineHandler(ApiKey.EndTxn, {
  versions: [0, 5],
  async handle(ctx, req) {
    const r = await txnCoordinator(ctx).endTxn(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.committed,
      ctx.apiVersion >= 5 ? 2 : 0,
    )
    const errorCode = fencedErrorFor(r.errorCode, ctx.apiVersion, 2)
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch }
  },
})
