// AlterPartitionReassignments: v0
// Version notes: v0 flexible (v1, AllowReplicationFactorChange, is not served).
// One node: the only possible assignment is [this node], which is the current one, so asking for
// it completes at once; any other broker is INVALID_REPLICA_ASSIGNMENT, an empty list likewise,
// cancelling (null replicas) finds NO_REASSIGNMENT_IN_PROGRESS, and unknown partitions are
// UNKNOWN_TOPIC_OR_PARTITION.

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.AlterPartitionReassignments, {
  versions: [0, 0],
  handle(ctx, req) {
    const { topics, nodeId } = ctx.services
    const result = (
      topic: string,
      partition: number,
      replicas: number[] | null,
    ): { errorCode: number; errorMessage: string | null } => {
      if (topics.partition(topic, partition) === undefined)
        return {
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: 'The partition does not exist.',
        }
      if (replicas === null)
        return {
          errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
          errorMessage: 'No ongoing reassignment to cancel.',
        }
      if (replicas.length === 0)
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: 'The manual partition assignment includes an empty replica list.',
        }
      const other = replicas.find((r) => r !== nodeId)
      if (other !== undefined)
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: `The manual partition assignment includes broker ${other}, but no such broker is registered.`,
        }
      if (replicas.length > 1)
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: 'The manual partition assignment includes duplicate replicas.',
        }
      return { errorCode: ErrorCode.NONE, errorMessage: null }
    }
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: true,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          ...result(t.name, p.partitionIndex, p.replicas),
        })),
      })),
    }
  },
})
