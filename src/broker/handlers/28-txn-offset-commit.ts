// TxnOffsetCommit: v0-4. Stages a consumer group's offsets in the producer's transaction: the
// transaction coordinator checks the producer (its transaction is ongoing and added the group with
// AddOffsetsToTxn), the group coordinator checks the consumer (KIP-447: member id, generation and
// group instance id, v3+) and keeps the offsets pending until the transaction ends.
// Version notes: v2 committedLeaderEpoch · v3 flexible, generationId/memberId/groupInstanceId ·
// v4 same · v5 (KIP-890 part 2) is not served (see EndTxn).

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'

export default defineHandler(ApiKey.TxnOffsetCommit, {
  versions: [0, 4],
  async handle(ctx, req) {
    const all = (errorCode: number) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    })
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID)
    const code = txnCoordinator(ctx).verifyOffsetCommit(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.groupId,
    )
    if (code !== ErrorCode.NONE) return all(code)
    const groups = ctx.services.groups
    if (groups === undefined) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    const topics = await groups.coordinator.txnCommitOffsets({
      groupId: req.groupId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      topics: req.topics,
    })
    return { throttleTimeMs: 0, topics }
  },
})
