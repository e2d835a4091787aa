// DeleteRecords: v0-2 (v2 flexible). Moves each partition's log start offset forward; whole segments
// below it go at the next retention pass. One node needs no wait for followers' low watermarks,
// so the answer is immediate (timeoutMs has nothing to bound).
//
// Per partition, as Kafka's ReplicaManager.deleteRecords / Partition.deleteRecordsOnLeader: unknown
// → UNKNOWN_TOPIC_OR_PARTITION; offset -1 means "up to the high watermark"; any other negative
// offset or one past the high watermark → OFFSET_OUT_OF_RANGE; a topic whose cleanup.policy lacks
// delete → POLICY_VIOLATION. lowWatermark is the new log start offset (-1 on error).

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

const HIGH_WATERMARK = -1n

export default defineHandler(ApiKey.DeleteRecords, {
  versions: [0, 2],
  async handle(ctx, req) {
    const s = ctx.services
    const topics = []
    for (const t of req.topics) {
      const partitions = []
      const record = s.topics.get(t.name)
      const cleanup = record?.configs['cleanup.policy']
      const policies =
        cleanup !== undefined ? cleanup.split(',').map((x) => x.trim()) : s.config.list('log.cleanup.policy')
      for (const p of t.partitions) {
        const log = s.topics.partition(t.name, p.partitionIndex)
        const failed = (code: number) => ({
          partitionIndex: p.partitionIndex,
          lowWatermark: -1n,
          errorCode: code,
        })
        if (log === undefined) {
          partitions.push(failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
          continue
        }
        if (!policies.includes('delete')) {
          partitions.push(failed(ErrorCode.POLICY_VIOLATION))
          continue
        }
        const offset = p.offset === HIGH_WATERMARK ? log.highWatermark() : p.offset
        if (offset < 0n || offset > log.highWatermark()) {
          partitions.push(failed(ErrorCode.OFFSET_OUT_OF_RANGE))
          continue
        }
        try {
          const lowWatermark = await log.deleteRecordsBefore(offset)
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark, errorCode: ErrorCode.NONE })
        } catch (err) {
          if (!(err instanceof KafkaError)) ctx.logger.error({ err, topic: t.name }, 'delete records failed')
          partitions.push(failed(toErrorCode(err)))
        }
      }
      topics.push({ name: t.name, partitions })
    }
    return { throttleTimeMs: 0, topics }
  },
})
