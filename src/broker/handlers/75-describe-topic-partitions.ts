// DescribeTopicPartitions: v0
// Version notes: v0 (KIP-966) flexible; topics by name (empty = all), a partition limit per response
// and a cursor to continue from; the admin client prefers it to Metadata when advertised.
// Topics are answered in name order; when the limit is reached, NextCursor names the first topic
// and partition not yet returned. A cursor naming a topic that is not requested is INVALID_REQUEST.

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import {
  ApiKey,
  type DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic as TopicResult,
} from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import { authorizedOperations } from '../metadata/authorized-operations.ts'
import { partitionViews } from '../metadata/partition-view.ts'
import { validateTopicName } from '../metadata/topic-names.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.DescribeTopicPartitions, {
  versions: [0, 0],
  handle(ctx, req) {
    const { services } = ctx
    const requested =
      req.topics.length === 0
        ? services.topics.list().map((t) => t.name)
        : [...new Set(req.topics.map((t) => t.name))]
    requested.sort()
    const cursor = req.cursor
    let start = 0
    if (cursor !== null) {
      start = requested.indexOf(cursor.topicName)
      if (start < 0 || cursor.partitionIndex < 0)
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          `Cursor topic ${cursor.topicName} is not among the requested topics.`,
        )
    }
    let budget = Math.max(1, req.responsePartitionLimit)
    const topics: TopicResult[] = []
    let nextCursor: { topicName: string; partitionIndex: number } | null = null
    for (let i = start; i < requested.length; i++) {
      const name = requested[i]!
      const t = services.topics.get(name)
      if (t === undefined) {
        topics.push({
          errorCode:
            validateTopicName(name) === undefined
              ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
              : ErrorCode.INVALID_TOPIC_EXCEPTION,
          name,
          topicId: ZERO_UUID,
          isInternal: false,
          partitions: [],
          topicAuthorizedOperations: authorizedOperations('topic', false),
        })
        continue
      }
      if (budget === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 }
        break
      }
      const from = cursor !== null && i === start ? cursor.partitionIndex : 0
      const all = partitionViews(t, services.nodeId).slice(from)
      const taken = all.slice(0, budget)
      budget -= taken.length
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: t.topicId,
        isInternal: services.topics.isInternal(name),
        partitions: taken.map((p) => ({ ...p, eligibleLeaderReplicas: [], lastKnownElr: [] })),
        topicAuthorizedOperations: authorizedOperations('topic', true),
      })
      if (taken.length < all.length) {
        nextCursor = { topicName: name, partitionIndex: from + taken.length }
        break
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor }
  },
})
