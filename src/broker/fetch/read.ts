// Reading one Fetch request's partitions from their logs, in order, under the request's byte
// budget, into response partition data. Records stay the stored Buffers: a partition's batches are
// handed to the encoder as one Buffer — a view when the log returned one buffer or contiguous views
// of one allocation, and joined only when the log returned separate allocations.
//
// Per partition, as Kafka's ReplicaManager.readFromLog: unknown topic/partition (or topic id) →
// leader-epoch check → diverging-epoch check (v12+ lastFetchedEpoch, KIP-320) → read up to the high
// watermark (read_uncommitted) or the last stable offset (read_committed) → OFFSET_OUT_OF_RANGE
// outside [log start, log end]; a zstd topic refuses Fetch v4-9 (UNSUPPORTED_COMPRESSION_TYPE,
// those consumers cannot decompress it). KIP-74: only the first partition that returns data may exceed the
// byte limits (one whole batch); later ones get what is left of the request's budget.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import type {
  FetchResponseAbortedTransaction,
  FetchResponsePartitionData,
} from '../../protocol/generated/index.ts'
import { LOG_OVERHEAD, OFF_BATCH_LENGTH, OFF_LAST_OFFSET_DELTA } from '../../protocol/records/batch-header.ts'
import type { PartitionLog } from '../../storage/log-store.ts'
import type { ReadLease } from '../../storage/read-buffer-pool.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import type { Logger } from '../logger.ts'
import type { TopicManager } from '../metadata/topic-manager.ts'
import { epochEndOffset, leaderEpochError } from '../produce/leader-epoch.ts'

export const READ_UNCOMMITTED = 0
export const READ_COMMITTED = 1

/** One partition to read: as named by the request or remembered by a session. */
export interface FetchItem {
  /** Topic name (v0-12) or topic id (v13+), exactly as the client names it. */
  readonly topicKey: string
  readonly partition: number
  readonly fetchOffset: bigint
  readonly maxBytes: number
  readonly currentLeaderEpoch: number
  readonly lastFetchedEpoch: number
  /** Session map key, when the item comes from a session. */
  readonly sessionKey?: string
}

export interface ReadSettings {
  readonly apiVersion: number
  readonly config: BrokerConfig
  readonly topics: TopicManager
  readonly byTopicId: boolean
  readonly isolationLevel: number
  /** Request budget: min(request maxBytes, fetch.max.bytes). */
  readonly maxBytes: number
  readonly logger: Logger
  /**
   * The request's hold on what the records are views of, released once the response is written:
   * pooled buffers for the disk reads, the memory log's blocks kept from reuse. Without one, disk
   * reads get fresh buffers and memory blocks read from are never reused.
   */
  readonly lease?: ReadLease
}

export interface ReadPartition {
  readonly item: FetchItem
  /** Resolved topic name (undefined when unknown). */
  readonly topicName: string | undefined
  readonly log: PartitionLog | undefined
  readonly data: PartitionDataOut
  readonly bytes: number
  readonly diverging: boolean
}

export interface ReadAll {
  readonly partitions: ReadPartition[]
  readonly bytes: number
  readonly anyError: boolean
  readonly anyDiverging: boolean
}

const EMPTY = Buffer.alloc(0)
const NO_EPOCH_END = Object.freeze({ epoch: -1, endOffset: -1n })
const NO_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 })
const NO_SNAPSHOT = Object.freeze({ endOffset: -1n, epoch: -1 })

/**
 * A partition's response data as the handler hands it to the encoder: the records stay the list of
 * stored batches, which the Writer appends without joining them (zero copy for large batches).
 */
export type PartitionDataOut = Omit<FetchResponsePartitionData, 'records'> & {
  records: Buffer | readonly Buffer[] | null
}

function partitionData(
  partitionIndex: number,
  errorCode: number,
  fields?: Partial<PartitionDataOut>,
): PartitionDataOut {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    divergingEpoch: NO_EPOCH_END,
    currentLeader: NO_LEADER,
    snapshotId: NO_SNAPSHOT,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
    ...fields,
  }
}

/** The offset after the last batch in `bufs` (for the aborted-transaction range). */
function nextOffsetAfter(bufs: readonly Buffer[]): bigint | undefined {
  const last = bufs[bufs.length - 1]
  if (last === undefined) return undefined
  let pos = 0
  let lastPos = -1
  while (pos + LOG_OVERHEAD <= last.length) {
    lastPos = pos
    pos += LOG_OVERHEAD + last.readInt32BE(pos + OFF_BATCH_LENGTH)
  }
  if (lastPos < 0) return undefined
  return last.readBigInt64BE(lastPos) + BigInt(last.readInt32BE(lastPos + OFF_LAST_OFFSET_DELTA)) + 1n
}

async function readOne(
  item: FetchItem,
  s: ReadSettings,
  budget: number,
  minOneBatch: boolean,
): Promise<ReadPartition> {
  const record = s.byTopicId ? s.topics.getById(item.topicKey) : s.topics.get(item.topicKey)
  const log = record === undefined ? undefined : s.topics.partition(record.name, item.partition)
  const base = { item, topicName: record?.name, log, bytes: 0, diverging: false }
  if (record === undefined || log === undefined) {
    const code =
      record === undefined && s.byTopicId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    return { ...base, data: partitionData(item.partition, code) }
  }
  const epochError = leaderEpochError(item.currentLeaderEpoch)
  if (epochError !== ErrorCode.NONE) return { ...base, data: partitionData(item.partition, epochError) }
  // Kafka: a consumer older than Fetch v10 cannot read zstd, so a zstd topic refuses it.
  if (
    s.apiVersion < 10 &&
    (record.configs['compression.type'] ?? s.config.string('compression.type')) === 'zstd'
  )
    return { ...base, data: partitionData(item.partition, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE) }

  if (item.lastFetchedEpoch >= 0) {
    const end = epochEndOffset(log, item.lastFetchedEpoch)
    if (end.leaderEpoch < item.lastFetchedEpoch || end.endOffset < item.fetchOffset)
      return {
        ...base,
        diverging: true,
        data: partitionData(item.partition, ErrorCode.NONE, {
          highWatermark: log.highWatermark(),
          lastStableOffset: log.lastStableOffset(),
          logStartOffset: log.logStartOffset(),
          divergingEpoch: { epoch: end.leaderEpoch, endOffset: end.endOffset },
        }),
      }
  }

  const committed = s.isolationLevel === READ_COMMITTED
  const maxOffset = committed ? log.lastStableOffset() : log.highWatermark()
  // A caught-up consumer (the common case for idle partitions in a long poll or a session) has
  // nothing to read: answer from the offsets without touching the log's segments.
  if (item.fetchOffset === maxOffset && item.fetchOffset >= log.logStartOffset())
    return {
      ...base,
      data: partitionData(item.partition, ErrorCode.NONE, {
        highWatermark: log.highWatermark(),
        lastStableOffset: log.lastStableOffset(),
        logStartOffset: log.logStartOffset(),
        abortedTransactions: committed ? [] : null,
      }),
    }
  try {
    const r = await log.read(item.fetchOffset, Math.max(0, Math.min(item.maxBytes, budget)), {
      maxOffset,
      minOneBatch,
      lease: s.lease,
    })
    let aborted: FetchResponseAbortedTransaction[] | null = null
    if (committed) {
      const upper = nextOffsetAfter(r.records)
      aborted =
        upper === undefined
          ? []
          : log.abortedTransactions(item.fetchOffset, upper).map((t) => ({
              producerId: t.producerId,
              firstOffset: t.firstOffset,
            }))
    }
    return {
      ...base,
      bytes: r.bytes,
      data: partitionData(item.partition, ErrorCode.NONE, {
        highWatermark: r.highWatermark,
        lastStableOffset: r.lastStableOffset,
        logStartOffset: r.logStartOffset,
        abortedTransactions: aborted,
        records: r.records.length === 1 ? r.records[0]! : r.records,
      }),
    }
  } catch (err) {
    if (!(err instanceof KafkaError))
      s.logger.error({ err, topic: record.name, partition: item.partition }, 'fetch read failed')
    return { ...base, data: partitionData(item.partition, toErrorCode(err)) }
  }
}

/** Reads every item in order, sharing the request's byte budget (KIP-74 for the first with data). */
export async function readAll(items: readonly FetchItem[], s: ReadSettings): Promise<ReadAll> {
  const partitions: ReadPartition[] = []
  let budget = s.maxBytes
  let total = 0
  let anyError = false
  let anyDiverging = false
  for (const item of items) {
    const r = await readOne(item, s, budget, total === 0)
    partitions.push(r)
    total += r.bytes
    budget = Math.max(0, budget - r.bytes)
    if (r.data.errorCode !== ErrorCode.NONE) anyError = true
    if (r.diverging) anyDiverging = true
  }
  return { partitions, bytes: total, anyError, anyDiverging }
}
