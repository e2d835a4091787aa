// DescribeProducers: v0. The active producers of each partition (producer state, see
// src/broker/txn/producer-state.ts), as kafka-transactions.sh describe-producers shows them.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import { txnCoordinator } from '../txn/component.ts'

export default defineHandler(ApiKey.DescribeProducers, {
  versions: [0, 0],
  handle(ctx, req) {
    txnCoordinator(ctx)
    const producers = ctx.services.transactions!.producers
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const log = ctx.services.topics.partition(t.name, partitionIndex)
          if (log === undefined)
            return {
              partitionIndex,
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              errorMessage: null,
              activeProducers: [],
            }
          return {
            partitionIndex,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            activeProducers: producers.describe(log),
          }
        }),
      })),
    }
  },
})
