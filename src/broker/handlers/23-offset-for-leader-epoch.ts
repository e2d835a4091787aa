// OffsetForLeaderEpoch: v0-4. Consumers (KIP-320) ask where an epoch they saw ends, to detect log
// truncation after a leader change. Version notes: v1 leaderEpoch in the answer · v2
// currentLeaderEpoch (fencing), throttleTimeMs · v3 replicaId · v4 flexible.
// One node has one epoch (produce/leader-epoch.ts): it ends at the log end offset; older epochs come
// from the log's history, unknown or future ones answer -1/-1 (Kafka's UNDEFINED_EPOCH/_OFFSET).

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { epochEndOffset, leaderEpochError } from '../produce/leader-epoch.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.OffsetForLeaderEpoch, {
  versions: [0, 4],
  handle(ctx, req) {
    const topics = ctx.services.topics
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const log = topics.partition(t.topic, p.partition)
          const failed = (errorCode: number) => ({
            errorCode,
            partition: p.partition,
            leaderEpoch: -1,
            endOffset: -1n,
          })
          if (log === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
          const epochError = leaderEpochError(p.currentLeaderEpoch)
          if (epochError !== ErrorCode.NONE) return failed(epochError)
          const end = epochEndOffset(log, p.leaderEpoch)
          return {
            errorCode: ErrorCode.NONE,
            partition: p.partition,
            leaderEpoch: end.leaderEpoch,
            endOffset: end.endOffset,
          }
        }),
      })),
    }
  },
})
