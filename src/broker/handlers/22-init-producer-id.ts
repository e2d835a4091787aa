// InitProducerId: v0-5. A null transactional id asks for an idempotent producer id; a transactional
// id gets its producer id and a bumped epoch (fencing any older producer with that id).
// Version notes: v2 flexible · v3 ProducerId/ProducerEpoch in the request (KIP-360 epoch bump for
// a producer that knows its id) · v4 PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH) ·
// v5 same as v4 (KIP-890 part 1 clients). The work is in src/broker/txn/coordinator.ts.

import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'
import { fencedErrorFor } from '../txn/fenced-error.ts'

export default defineHandler(ApiKey.InitProducerId, {
  versions: [0, 5],
  async handle(ctx, req) {
    const r = await txnCoordinator(ctx).initProducerId(
      req.transactionalId,
      req.transactionTimeoutMs,
      req.producerId,
      req.producerEpoch,
    )
    const errorCode = fencedErrorFor(r.errorCode, ctx.apiVersion, 4)
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch }
  },
})
