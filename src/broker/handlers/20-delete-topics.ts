// DeleteTopics: v0-6
// Version notes: v1 throttleTimeMs · v4 flexible · v5 errorMessage · v6 topics by name or by id
// (Topics replaces TopicNames; results carry topicId).
// As Kafka's controller: with delete.topic.enable=false the whole request fails (INVALID_REQUEST
// before v3, TOPIC_DELETION_DISABLED after); a name or id given twice, both name and id, or neither
// is INVALID_REQUEST for that entry; unknown names are UNKNOWN_TOPIC_OR_PARTITION, unknown ids
// UNKNOWN_TOPIC_ID. A topic named twice (once by name, once by id) is deleted once.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import { ApiKey, type DeleteTopicsResponseDeletableTopicResult } from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import { defineHandler } from '../registry.ts'

type Result = DeleteTopicsResponseDeletableTopicResult

export default defineHandler(ApiKey.DeleteTopics, {
  versions: [0, 6],
  async handle(ctx, req) {
    const { topics, config } = ctx.services
    if (!config.boolean('delete.topic.enable'))
      throw ctx.apiVersion < 3
        ? new KafkaError(ErrorCode.INVALID_REQUEST, 'Topic deletion is disabled.')
        : new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.')

    const results: Result[] = []
    const reply = (
      name: string | null,
      topicId: string,
      errorCode: number,
      errorMessage: string | null = null,
    ): void => {
      results.push({
        // Names are nullable only from v6.
        name: name ?? (ctx.apiVersion >= 6 ? null : ''),
        topicId,
        errorCode,
        errorMessage: ctx.apiVersion >= 5 ? errorMessage : null,
      })
    }

    const names: string[] = []
    const ids: string[] = []
    if (ctx.apiVersion >= 6) {
      for (const t of req.topics) {
        if (t.name === null && t.topicId === ZERO_UUID)
          reply(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.')
        else if (t.name !== null && t.topicId !== ZERO_UUID)
          reply(
            t.name,
            t.topicId,
            ErrorCode.INVALID_REQUEST,
            'You may not specify both topic name and topic id.',
          )
        else if (t.name !== null) names.push(t.name)
        else ids.push(t.topicId)
      }
    } else {
      names.push(...req.topicNames)
    }
    const dupNames = new Set(names.filter((n, i) => names.indexOf(n) !== i))
    const dupIds = new Set(ids.filter((n, i) => ids.indexOf(n) !== i))
    for (const n of dupNames) reply(n, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')
    for (const id of dupIds) reply(null, id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.')

    // Resolve everything to names first, so a topic named by both name and id is deleted once.
    const targets = new Map<string, { byId: boolean }>()
    for (const id of new Set(ids)) {
      if (dupIds.has(id)) continue
      const t = topics.getById(id)
      if (t === undefined) reply(null, id, ErrorCode.UNKNOWN_TOPIC_ID)
      else targets.set(t.name, { byId: true })
    }
    for (const n of new Set(names)) {
      if (dupNames.has(n)) continue
      if (topics.get(n) === undefined) reply(n, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      else if (targets.has(n))
        reply(
          n,
          topics.get(n)!.topicId,
          ErrorCode.INVALID_REQUEST,
          'The provided topic name maps to an ID that was already supplied.',
        )
      else targets.set(n, { byId: false })
    }

    for (const [name] of targets) {
      try {
        const deleted = await topics.delete(name)
        reply(deleted.name, ctx.apiVersion >= 6 ? deleted.topicId : ZERO_UUID, ErrorCode.NONE)
      } catch (err) {
        if (!(err instanceof KafkaError)) ctx.logger.error({ err, topic: name }, 'topic deletion failed')
        reply(name, ZERO_UUID, toErrorCode(err), err instanceof KafkaError ? err.errorMessage : null)
      }
    }
    return { throttleTimeMs: 0, responses: results }
  },
})
