// Metadata: v0-13
// Version notes: v0 empty topic list = all topics · v1 null = all, rack, controllerId, isInternal ·
// v2 clusterId · v3 throttleTimeMs · v4 AllowAutoTopicCreation · v5 offlineReplicas · v7 leaderEpoch ·
// v8 authorized operations (cluster ones until v10) · v9 flexible · v10 topic ids in the response
// (and the request) · v12 topics looked up by id, unknown names null · v13 top-level errorCode.
// The broker list holds this node with the advertised endpoint of the listener the client used.
// Topics the client names that do not exist are created when auto.create.topics.enable and the
// request's AllowAutoTopicCreation both allow it (synchronously: the reply already describes them).

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import { ApiKey, type MetadataResponseMetadataResponseTopic } from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import type { TopicRecord } from '../../storage/metadata-store.ts'
import { authorizedOperations } from '../metadata/authorized-operations.ts'
import { partitionViews } from '../metadata/partition-view.ts'
import { validateTopicName } from '../metadata/topic-names.ts'
import { defineHandler } from '../registry.ts'
import type { RequestContext } from '../request-context.ts'

type TopicResult = MetadataResponseMetadataResponseTopic

function describe(ctx: RequestContext, t: TopicRecord, withOps: boolean): TopicResult {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: ctx.services.topics.isInternal(t.name),
    partitions: partitionViews(t, ctx.services.nodeId),
    topicAuthorizedOperations: authorizedOperations('topic', withOps),
  }
}

function failed(
  ctx: RequestContext,
  errorCode: number,
  name: string | null,
  topicId = ZERO_UUID,
): TopicResult {
  return {
    errorCode,
    // Names are nullable only from v12; older versions echo an empty name for an unknown id.
    name: name ?? (ctx.apiVersion >= 12 ? null : ''),
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: authorizedOperations('topic', false),
  }
}

async function lookupOrCreate(
  ctx: RequestContext,
  name: string,
  autoCreate: boolean,
  withOps: boolean,
): Promise<TopicResult> {
  const { topics } = ctx.services
  const existing = topics.get(name)
  if (existing !== undefined) return describe(ctx, existing, withOps)
  if (validateTopicName(name) !== undefined) return failed(ctx, ErrorCode.INVALID_TOPIC_EXCEPTION, name)
  if (!autoCreate)
    return {
      ...failed(ctx, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name),
      isInternal: ctx.services.topics.isInternal(name),
    }
  try {
    return describe(ctx, await topics.ensure(name), withOps)
  } catch (err) {
    if (!(err instanceof KafkaError)) ctx.logger.error({ err, topic: name }, 'auto-creation failed')
    return failed(ctx, toErrorCode(err), name)
  }
}

export default defineHandler(ApiKey.Metadata, {
  versions: [0, 13],
  async handle(ctx, req) {
    const { services } = ctx
    const listener = ctx.connection.listener
    const withTopicOps = ctx.apiVersion >= 8 && req.includeTopicAuthorizedOperations
    const autoCreate =
      services.config.boolean('auto.create.topics.enable') &&
      (ctx.apiVersion < 4 || req.allowAutoTopicCreation)

    const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0)
    let topics: TopicResult[]
    if (all) {
      topics = services.topics
        .list()
        .map((t) => describe(ctx, t, withTopicOps))
        .sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1))
    } else {
      const requested = req.topics ?? []
      // Kafka: names only before v12 (topic ids there are an invalid request for the whole call).
      if (ctx.apiVersion < 12 && requested.some((t) => t.name === null || t.topicId !== ZERO_UUID))
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          `Topic IDs are not supported in requests for version ${ctx.apiVersion}`,
        )
      // One answer per distinct topic, as Kafka (which collects the request's topics in a set).
      const seen = new Set<string>()
      const unique = requested.filter((t) => {
        const k = t.topicId !== ZERO_UUID ? `id:${t.topicId}` : `name:${t.name ?? ''}`
        if (seen.has(k)) return false
        seen.add(k)
        return true
      })
      topics = await Promise.all(
        unique.map(async (t): Promise<TopicResult> => {
          if (t.topicId !== ZERO_UUID) {
            const byId = services.topics.getById(t.topicId)
            return byId !== undefined
              ? describe(ctx, byId, withTopicOps)
              : failed(ctx, ErrorCode.UNKNOWN_TOPIC_ID, null, t.topicId)
          }
          if (t.name === null) return failed(ctx, ErrorCode.INVALID_REQUEST, null)
          return lookupOrCreate(ctx, t.name, autoCreate, withTopicOps)
        }),
      )
    }

    return {
      throttleTimeMs: 0,
      brokers: [
        { nodeId: services.nodeId, host: listener.advertisedHost, port: listener.advertisedPort, rack: null },
      ],
      clusterId: services.clusterId,
      controllerId: services.nodeId,
      topics,
      clusterAuthorizedOperations: authorizedOperations(
        'cluster',
        ctx.apiVersion >= 8 && ctx.apiVersion <= 10 && req.includeClusterAuthorizedOperations,
      ),
      errorCode: ErrorCode.NONE,
    }
  },
})
