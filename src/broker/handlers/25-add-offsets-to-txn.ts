// AddOffsetsToTxn: v0-4. Adds the group's __consumer_offsets partition to the transaction, so
// TxnOffsetCommit may stage offsets that the transaction's end commits or drops.
// Version notes: v2 PRODUCER_FENCED (v0-1 get INVALID_PRODUCER_EPOCH) · v3 flexible · v4 same.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'
import { fencedErrorFor } from '../txn/fenced-error.ts'

export default defineHandler(ApiKey.AddOffsetsToTxn, {
  versions: [0, 4],
  async handle(ctx, req) {
    if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID }
    const code = await txnCoordinator(ctx).addOffsets(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.groupId,
    )
    return { throttleTimeMs: 0, errorCode: fencedErrorFor(code, ctx.apiVersion, 2) }
  },
})
