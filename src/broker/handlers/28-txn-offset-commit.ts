// TxnOffsetCommit: v0-5. Stages a consumer group's offsets in the producer's transaction: the
// transaction coordinator checks the producer (its transaction is ongoing and added the group with
// AddOffsetsToTxn), the group coordinator checks the consumer (KIP-447: member id, generation and
// group instance id, v3+) and keeps the offsets pending until the transaction ends.
// Version notes: v2 committedLeaderEpoch · v3 flexible, generationId/memberId/groupInstanceId ·
// v4 TRANSACTION_ABORTABLE (older versions get INVALID_TXN_STATE for a group not in the
// transaction) · v5 (KIP-890 part 2, transactions v2) same wire format; the group's
// __consumer_offsets partition is added to the transaction here, without AddOffsetsToTxn.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'
import { txnOffsetCommitVerificationError } from '../txn/verification-errors.ts'

/** The first version that adds the group's offsets partition to the transaction itself. */
const IMPLICIT_ADD_SINCE = 5

export default defineHandler(ApiKey.TxnOffsetCommit, {
  versions: [0, 5],
  async handle(ctx, req) {
    const all = (errorCode: number) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    })
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID)
    const coordinator = txnCoordinator(ctx)
    if (ctx.apiVersion >= IMPLICIT_ADD_SINCE) {
      const added = coordinator.addPartitionImplicitly(
        req.transactionalId,
        req.producerId,
        req.producerEpoch,
        coordinator.offsetsTopicPartition(req.groupId),
      )
      const code = added === undefined ? ErrorCode.NONE : await added
      if (code !== ErrorCode.NONE) return all(txnOffsetCommitVerificationError(code, ctx.apiVersion))
    }
    const code = coordinator.verifyOffsetCommit(
      req.transactionalId,
      req.producerId,
      req.producerEpoch,
      req.groupId,
    )
    if (code !== ErrorCode.NONE) return all(txnOffsetCommitVerificationError(code, ctx.apiVersion))
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
