// CreateTopics: v0-7
// Version notes: v1 ValidateOnly, errorMessage · v2 throttleTimeMs · v4 -1 partitions/replication
// factor = broker default · v5 flexible; result carries the effective configs, partition count and
// replication factor · v6 no change (quota errors) · v7 topicId in the result.
// Rules as Kafka's controller: legal names that do not collide ('.' vs '_'), partitions > 0 or -1,
// replication factor 1 or -1 on this single node (else INVALID_REPLICATION_FACTOR), manual
// assignments only naming this node and excluding counts, topic configs known and valid, names
// repeated in one request all refused with INVALID_REQUEST.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import {
  ApiKey,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import { topicConfigSource } from '../config/config-source.ts'
import { effectiveTopicConfigs } from '../config/topic-config.ts'
import type { CreateTopicSpec } from '../metadata/topic-manager.ts'
import { defineHandler } from '../registry.ts'
import type { RequestContext } from '../request-context.ts'

type Result = CreateTopicsResponseCreatableTopicResult

function specOf(ctx: RequestContext, t: CreateTopicsRequestCreatableTopic): CreateTopicSpec {
  const configs: Record<string, string> = {}
  const nulls: string[] = []
  for (const c of t.configs) {
    if (c.value === null) nulls.push(c.name)
    else configs[c.name] = c.value
  }
  if (nulls.length > 0)
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `Null value not supported for topic configs: ${nulls.join(',')}`,
    )
  if (t.assignments.length === 0)
    return { partitions: t.numPartitions, replicationFactor: t.replicationFactor, configs }
  if (t.numPartitions !== -1 || t.replicationFactor !== -1)
    throw new KafkaError(
      ErrorCode.INVALID_REQUEST,
      'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
    )
  const seen = new Set<number>()
  for (const a of t.assignments) {
    if (a.brokerIds.length !== 1 || a.brokerIds[0] !== ctx.services.nodeId)
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `The manual partition assignment for partition ${a.partitionIndex} names brokers other than the only broker, ${ctx.services.nodeId}.`,
      )
    seen.add(a.partitionIndex)
  }
  for (let i = 0; i < seen.size; i++)
    if (!seen.has(i))
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'partitions should be a consecutive 0-based integer sequence',
      )
  return { partitions: seen.size, replicationFactor: 1, configs }
}

function failure(name: string, err: unknown): Result {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode: toErrorCode(err),
    errorMessage: err instanceof KafkaError ? (err.errorMessage ?? err.message) : null,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  }
}

export default defineHandler(ApiKey.CreateTopics, {
  versions: [0, 7],
  async handle(ctx, req) {
    const { topics, config } = ctx.services
    const validateOnly = ctx.apiVersion >= 1 && req.validateOnly
    const counts = new Map<string, number>()
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)

    const results: Result[] = []
    const reported = new Set<string>()
    for (const t of req.topics) {
      if (reported.has(t.name)) continue
      reported.add(t.name)
      if (counts.get(t.name)! > 1) {
        results.push(
          failure(
            t.name,
            new KafkaError(
              ErrorCode.INVALID_REQUEST,
              `Create topics request contains multiple entries for the topic ${t.name}.`,
            ),
          ),
        )
        continue
      }
      try {
        const spec = specOf(ctx, t)
        let topicId = ZERO_UUID
        let partitions: number
        let overrides = spec.configs
        if (validateOnly) {
          partitions = topics.validateCreate(t.name, spec).partitions
        } else {
          const created = await topics.create(t.name, spec)
          topicId = created.topicId
          partitions = created.partitions
          overrides = created.configs
        }
        results.push({
          name: t.name,
          topicId,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          topicConfigErrorCode: 0,
          numPartitions: ctx.apiVersion >= 5 ? partitions : -1,
          replicationFactor: ctx.apiVersion >= 5 ? 1 : -1,
          configs:
            ctx.apiVersion >= 5
              ? effectiveTopicConfigs(overrides, config).map((c) => ({
                  name: c.def.name,
                  value: c.value,
                  readOnly: false,
                  configSource: topicConfigSource(c.origin),
                  isSensitive: false,
                }))
              : [],
        })
      } catch (err) {
        if (!(err instanceof KafkaError)) ctx.logger.error({ err, topic: t.name }, 'topic creation failed')
        results.push(failure(t.name, err))
      }
    }
    return { throttleTimeMs: 0, topics: results }
  },
})
