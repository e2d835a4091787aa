// ElectLeaders: v0-2
// Version notes: v1 ElectionType (0 preferred, 1 unclean) and a top-level errorCode · v2 flexible.
// On one node every partition's leader already is its preferred (and only) replica, so each named
// partition answers ELECTION_NOT_NEEDED (UNKNOWN_TOPIC_OR_PARTITION when it does not exist). With
// null partitions ("all"), Kafka reports only partitions that had an election: none.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

const ELECTION_TYPES = new Set([0, 1])

export default defineHandler(ApiKey.ElectLeaders, {
  versions: [0, 2],
  handle(ctx, req) {
    const { topics } = ctx.services
    const validType = ctx.apiVersion === 0 || ELECTION_TYPES.has(req.electionType)
    return {
      throttleTimeMs: 0,
      errorCode: validType ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
      replicaElectionResults: !validType
        ? []
        : (req.topicPartitions ?? []).map((t) => ({
            topic: t.topic,
            partitionResult: t.partitions.map((p) => {
              const exists = topics.partition(t.topic, p) !== undefined
              return {
                partitionId: p,
                errorCode: exists ? ErrorCode.ELECTION_NOT_NEEDED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                errorMessage: exists
                  ? 'Leader election not needed for topic partition.'
                  : 'The partition does not exist.',
              }
            }),
          })),
    }
  },
})
