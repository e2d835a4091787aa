// CreatePartitions: v0-3
// Version notes: v1 no change · v2 flexible · v3 no change (quota errors).
// Grows topics to `count` partitions. Kafka's rules: an unknown topic is UNKNOWN_TOPIC_OR_PARTITION,
// a count not above the current one INVALID_PARTITIONS, manual assignments must give one entry per
// new partition and may only name this node (INVALID_REPLICA_ASSIGNMENT), a topic named twice is
// INVALID_REQUEST. ValidateOnly checks without changing anything.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import {
  ApiKey,
  type CreatePartitionsResponseCreatePartitionsTopicResult,
} from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.CreatePartitions, {
  versions: [0, 3],
  async handle(ctx, req) {
    const { topics, nodeId } = ctx.services
    const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = []
    const counts = new Map<string, number>()
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    const done = new Set<string>()
    for (const t of req.topics) {
      if (done.has(t.name)) continue
      done.add(t.name)
      try {
        if (counts.get(t.name)! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')
        const current = topics.validatePartitionCount(t.name, t.count)
        if (t.assignments !== null) {
          const added = t.count - current.partitions
          if (t.assignments.length !== added)
            throw new KafkaError(
              ErrorCode.INVALID_REPLICA_ASSIGNMENT,
              `Attempted to add ${added} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
            )
          for (const a of t.assignments)
            for (const b of a.brokerIds)
              if (b !== nodeId)
                throw new KafkaError(
                  ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                  `The manual partition assignment includes broker ${b}, but no such broker is registered.`,
                )
          if (t.assignments.some((a) => a.brokerIds.length !== 1))
            throw new KafkaError(
              ErrorCode.INVALID_REPLICA_ASSIGNMENT,
              'The manual partition assignment must name exactly one replica on this single-broker cluster.',
            )
        }
        if (!req.validateOnly) await topics.addPartitions(t.name, t.count)
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null })
      } catch (err) {
        if (!(err instanceof KafkaError))
          ctx.logger.error({ err, topic: t.name }, 'partition creation failed')
        results.push({
          name: t.name,
          errorCode: toErrorCode(err),
          errorMessage: err instanceof KafkaError ? (err.errorMessage ?? err.message) : null,
        })
      }
    }
    return { throttleTimeMs: 0, results }
  },
})
