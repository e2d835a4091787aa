// AddPartitionsToTxn: v0-5. v0-3 (clients): one transaction, per-partition results · v2
// PRODUCER_FENCED (v0-1 get INVALID_PRODUCER_EPOCH) · v3 flexible · v4+ (brokers, KIP-890): a batch
// of transactions, each possibly verifyOnly, with a top-level error code.
// A partition that does not exist fails with UNKNOWN_TOPIC_OR_PARTITION and fails the others of the
// same transaction with OPERATION_NOT_ATTEMPTED, as Kafka does. verifyOnly answers in the
// coordinator's own codes (TRANSACTION_ABORTABLE for a partition not in the transaction); an add at
// v5+ comes from a broker adding a transactions v2 client's partition, so the transaction is
// recorded as transactions v2 (Kafka: version > 4 means TV_2).

import { ErrorCode } from '../../protocol/errors.ts'
import {
  ApiKey,
  type AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../protocol/generated/index.ts'
import type { TopicPartition } from '../../storage/log-store.ts'
import { defineHandler } from '../registry.ts'
import type { RequestContext } from '../request-context.ts'
import { txnCoordinator } from '../txn/component.ts'
import { fencedErrorFor } from '../txn/fenced-error.ts'

function results(
  topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[],
  code: (tp: TopicPartition, i: number) => number,
): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  let i = 0
  return topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({
      partitionIndex: p,
      partitionErrorCode: code({ topic: t.name, partition: p }, i++),
    })),
  }))
}

async function addOne(
  ctx: RequestContext,
  txn: { transactionalId: string; producerId: bigint; producerEpoch: number; verifyOnly: boolean },
  topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[],
): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[]> {
  const coordinator = txnCoordinator(ctx)
  const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })))
  const missing = new Set<number>()
  partitions.forEach((tp, i) => {
    if (ctx.services.topics.partition(tp.topic, tp.partition) === undefined) missing.add(i)
  })
  if (missing.size > 0)
    return results(topics, (_, i) =>
      missing.has(i) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
    )
  const fenced = (code: number): number => fencedErrorFor(code, ctx.apiVersion, 2)
  if (txn.verifyOnly) {
    const codes = coordinator.verifyPartitions(
      txn.transactionalId,
      txn.producerId,
      txn.producerEpoch,
      partitions,
    )
    return results(topics, (_, i) => fenced(codes[i]!))
  }
  const clientVersion = ctx.apiVersion >= 5 ? 2 : 0
  const code = fenced(
    await coordinator.addPartitions(
      txn.transactionalId,
      txn.producerId,
      txn.producerEpoch,
      partitions,
      clientVersion,
    ),
  )
  return results(topics, () => code)
}

export default defineHandler(ApiKey.AddPartitionsToTxn, {
  versions: [0, 5],
  async handle(ctx, req) {
    if (ctx.apiVersion <= 3) {
      const resultsByTopicV3AndBelow = await addOne(
        ctx,
        {
          transactionalId: req.v3AndBelowTransactionalId,
          producerId: req.v3AndBelowProducerId,
          producerEpoch: req.v3AndBelowProducerEpoch,
          verifyOnly: false,
        },
        req.v3AndBelowTopics,
      )
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        resultsByTransaction: [],
        resultsByTopicV3AndBelow,
      }
    }
    const resultsByTransaction = await Promise.all(
      req.transactions.map(async (t) => ({
        transactionalId: t.transactionalId,
        topicResults: await addOne(ctx, t, t.topics),
      })),
    )
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction,
      resultsByTopicV3AndBelow: [],
    }
  },
})
