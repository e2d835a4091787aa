// ListOffsets: v1-11 (v0's segment-based "offsets before" answer cannot be honoured from this log's
// contract and Kafka 4 removed it; the advertise policy may still list 0 for old clients' probes).
// Version notes: v2 isolationLevel · v4 currentLeaderEpoch, leaderEpoch in the answer · v5
// OFFSET_NOT_AVAILABLE (never here: the high watermark cannot lag on one node) · v6 flexible ·
// v7 MAX_TIMESTAMP (-3) · v8 EARLIEST_LOCAL (-4) · v9 LATEST_TIERED (-5) · v10 timeoutMs ·
// v11 EARLIEST_PENDING_UPLOAD (-6).
//
// Per partition, as Kafka's ReplicaManager.fetchOffset: duplicate → INVALID_REQUEST; timestamp too
// new for the version → UNSUPPORTED_VERSION; unknown → UNKNOWN_TOPIC_OR_PARTITION; stale/new
// leader epoch → FENCED/UNKNOWN_LEADER_EPOCH. Latest is the last fetchable offset (consumers:
// high watermark, or the last stable offset under read_committed; other replica ids: log end).
// Timestamp and max-timestamp lookups that land at or past it answer -1 (not yet visible).
// Without tiered storage, earliest-local is earliest and the tiered timestamps answer -1.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import type {
  ListOffsetsRequestListOffsetsPartition,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../protocol/generated/index.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import type { PartitionLog } from '../../storage/log-store.ts'
import { LEADER_EPOCH, leaderEpochError } from '../produce/leader-epoch.ts'
import { defineHandler } from '../registry.ts'

export const LATEST_TIMESTAMP = -1n
export const EARLIEST_TIMESTAMP = -2n
export const MAX_TIMESTAMP = -3n
export const EARLIEST_LOCAL_TIMESTAMP = -4n
export const LATEST_TIERED_TIMESTAMP = -5n
export const EARLIEST_PENDING_UPLOAD_TIMESTAMP = -6n

const CONSUMER_REPLICA_ID = -1
const READ_COMMITTED = 1

/** The version each special timestamp needs (Kafka's isListOffsetsTimestampUnsupported). */
function unsupported(timestamp: bigint, version: number): boolean {
  if (timestamp === MAX_TIMESTAMP) return version < 7
  if (timestamp === EARLIEST_LOCAL_TIMESTAMP) return version < 8
  if (timestamp === LATEST_TIERED_TIMESTAMP) return version < 9
  if (timestamp === EARLIEST_PENDING_UPLOAD_TIMESTAMP) return version < 11
  return false
}

function answer(
  partitionIndex: number,
  errorCode: number,
  timestamp = -1n,
  offset = -1n,
  leaderEpoch = -1,
): ListOffsetsResponseListOffsetsPartitionResponse {
  return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp, offset, leaderEpoch }
}

async function lookup(
  log: PartitionLog,
  p: ListOffsetsRequestListOffsetsPartition,
  lastFetchable: bigint,
): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const ts = p.timestamp
  const i = p.partitionIndex
  if (ts === EARLIEST_TIMESTAMP || ts === EARLIEST_LOCAL_TIMESTAMP)
    return answer(i, ErrorCode.NONE, -1n, log.logStartOffset(), LEADER_EPOCH)
  if (ts === LATEST_TIMESTAMP) return answer(i, ErrorCode.NONE, -1n, lastFetchable, LEADER_EPOCH)
  if (ts === LATEST_TIERED_TIMESTAMP || ts === EARLIEST_PENDING_UPLOAD_TIMESTAMP)
    return answer(i, ErrorCode.NONE, -1n, -1n, -1)
  const found = ts === MAX_TIMESTAMP ? await log.maxTimestamp() : await log.offsetForTimestamp(ts)
  if (found === undefined || found.offset >= lastFetchable) return answer(i, ErrorCode.NONE)
  return answer(i, ErrorCode.NONE, found.timestamp, found.offset, found.leaderEpoch)
}

export default defineHandler(ApiKey.ListOffsets, {
  versions: [1, 11],
  async handle(ctx, req) {
    const topics = ctx.services.topics
    const isClient = req.replicaId === CONSUMER_REPLICA_ID
    const seen = new Set<string>()
    const duplicates = new Set<string>()
    for (const t of req.topics)
      for (const p of t.partitions) {
        const key = `${p.partitionIndex}:${t.name}`
        if (seen.has(key)) duplicates.add(key)
        seen.add(key)
      }
    const out = []
    for (const t of req.topics) {
      const partitions: ListOffsetsResponseListOffsetsPartitionResponse[] = []
      for (const p of t.partitions) {
        const i = p.partitionIndex
        if (duplicates.has(`${i}:${t.name}`)) {
          partitions.push(answer(i, ErrorCode.INVALID_REQUEST))
          continue
        }
        if (unsupported(p.timestamp, ctx.apiVersion)) {
          partitions.push(answer(i, ErrorCode.UNSUPPORTED_VERSION))
          continue
        }
        const log = topics.partition(t.name, i)
        if (log === undefined) {
          partitions.push(answer(i, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
          continue
        }
        const epochError = leaderEpochError(p.currentLeaderEpoch)
        if (epochError !== ErrorCode.NONE) {
          partitions.push(answer(i, epochError))
          continue
        }
        const lastFetchable = !isClient
          ? log.logEndOffset()
          : req.isolationLevel === READ_COMMITTED
            ? log.lastStableOffset()
            : log.highWatermark()
        try {
          const found = await lookup(log, p, lastFetchable)
          // The epoch exists from v4 on (Kafka sets it only then).
          if (ctx.apiVersion < 4) found.leaderEpoch = -1
          partitions.push(found)
        } catch (err) {
          if (!(err instanceof KafkaError))
            ctx.logger.error({ err, topic: t.name, partition: i }, 'offset lookup failed')
          partitions.push(answer(i, toErrorCode(err)))
        }
      }
      out.push({ name: t.name, partitions })
    }
    return { throttleTimeMs: 0, topics: out }
  },
})
