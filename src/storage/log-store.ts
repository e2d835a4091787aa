// The storage contract the broker uses: one PartitionLog per topic-partition, held by a LogStore.
// Two implementations: the segmented disk log (Kafka's on-disk format) and an in-memory log with
// the same behaviour, for tests and the `--memory` mode.
//
// Offsets are bigint throughout the interface (Kafka offsets are int64). Record data is always
// whole RecordBatch v2 batches as Buffers; the log never decodes individual records on the hot path.

import type { FrameLease } from '../protocol/receive-buffers.ts'
import type { ReadLease } from './read-buffer-pool.ts'

export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

/** Per-topic log settings, under Kafka's property names (see src/broker/config for parsing). */
export interface LogConfig {
  /** segment.bytes: roll the active segment past this size (default 1 GiB). */
  segmentBytes: number
  /** segment.ms: roll a segment this old (default 7 days). */
  segmentMs: number
  /** segment.index.bytes: maximum size of an offset/time index (default 10 MiB). */
  segmentIndexBytes: number
  /** index.interval.bytes: bytes of log between index entries (default 4096). */
  indexIntervalBytes: number
  /** retention.ms: delete segments older than this; -1 = keep forever (default 7 days). */
  retentionMs: number
  /** retention.bytes: delete old segments past this partition size; -1 = no limit. */
  retentionBytes: number
  /** cleanup.policy */
  cleanupPolicy: { delete: boolean; compact: boolean }
  /** flush.messages: fsync after this many messages (default: never, leave it to the OS). */
  flushMessages: number
  /** flush.ms: fsync when the oldest unflushed data is this old (default: never). */
  flushMs: number
  /** Opt-in durable mode: fsync before acknowledging an append (group commit across appends). */
  durable: boolean
  /** min.cleanable.dirty.ratio, delete.retention.ms, min.compaction.lag.ms: compaction knobs. */
  minCleanableDirtyRatio: number
  deleteRetentionMs: number
  minCompactionLagMs: number
  /**
   * max.compaction.lag.ms (KIP-354): a compacted log whose dirty section holds a segment whose
   * first batch is older than this is cleaned regardless of min.cleanable.dirty.ratio, and its
   * active segment rolls at this age (as segment.ms does). Default: never.
   */
  maxCompactionLagMs: number
  /** file.delete.delay.ms: how long deleted segments linger as .deleted files. */
  fileDeleteDelayMs: number
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: { delete: true, compact: false },
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  durable: false,
  minCleanableDirtyRatio: 0.5,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  fileDeleteDelayMs: 60_000,
})

export interface AppendOptions {
  /** Written into each batch's partitionLeaderEpoch field. */
  leaderEpoch: number
  /** When set, batches get timestamp type LogAppendTime with this max timestamp (CRC rewritten). */
  logAppendTime?: bigint
  /**
   * The pooled receive buffer `records` is a view of, when it is one. The caller holds a reference
   * until the append completed and releases it then. A log that keeps views of `records` longer
   * either takes a reference of its own (frame.retain(), released once it dropped every such view;
   * frame.pin() when a view leaves it for someone who never releases) or declares retainsAppended.
   */
  frame?: FrameLease
}

export interface AppendResult {
  baseOffset: bigint
  lastOffset: bigint
  /** The LogAppendTime used, or -1n for CreateTime. */
  logAppendTime: bigint
  logStartOffset: bigint
  /** Number of batches and records appended. */
  batches: number
  records: number
}

export interface ReadOptions {
  /** Do not return batches at or beyond this offset (the high watermark or LSO); default: HW. */
  maxOffset?: bigint
  /** Return at least one whole batch even if it is larger than maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean
  /**
   * The reader's hold on what the records are views of, released (lease.release()) only once no
   * view is used any more: the disk log reads segment bytes into the lease's pooled buffers
   * instead of fresh ones; the memory log returns views of its stored batches and keeps their
   * memory from reuse until the release (lease.onRelease). Without a lease the disk log reads into
   * fresh buffers and the memory log never reuses memory a view was returned from.
   */
  lease?: ReadLease
}

export interface ReadResult {
  /**
   * Whole batches, in offset order, as views of the stored bytes (memory) or freshly read from
   * the segment file (disk). Each Buffer holds one or more whole batches; concatenated they are
   * the Fetch response's records. May be empty (offset at the log end, or maxBytes too small
   * with minOneBatch false). The first batch may start before the requested offset.
   */
  records: Buffer[]
  /** Sum of records[i].length. */
  bytes: number
  highWatermark: bigint
  logStartOffset: bigint
  lastStableOffset: bigint
}

export interface AbortedTxn {
  producerId: bigint
  firstOffset: bigint
  lastOffset: bigint
  lastStableOffset: bigint
}

export interface TimestampLookup {
  offset: bigint
  timestamp: bigint
  leaderEpoch: number
}

/** One producer's state in a snapshot (Kafka's ProducerSnapshot entry, log/producer-snapshot-file.ts). */
export interface ProducerSnapshotEntry {
  producerId: bigint
  producerEpoch: number
  /** Last sequence of the producer's last batch; -1 when it wrote none (markers only). */
  lastSequence: number
  /** Last offset of that batch; -1n when none. */
  lastOffset: bigint
  /** lastOffset minus the batch's first offset. */
  offsetDelta: number
  /** When the producer last wrote (ms). */
  timestamp: bigint
  coordinatorEpoch: number
  /** First offset of its open transaction; -1n when none. */
  currentTxnFirstOffset: bigint
}

/** Producer state as of `offset`: every batch below it applied, none at or above. */
export interface ProducerSnapshot {
  offset: bigint
  entries: ProducerSnapshotEntry[]
}

/**
 * The owner of a partition's producer state (the transactions work), told by the log of the
 * events that decide its snapshots. Called synchronously from the log's own work; must not throw.
 */
export interface ProducerStateListener {
  /**
   * A new segment starts at `baseOffset` (everything below is in the log): the owner writes a
   * snapshot at `baseOffset` (Kafka takes one at every roll, named by the new segment).
   */
  rolled(baseOffset: bigint): void
  /** The log was cut to end at `logEndOffset`; snapshots above it are gone. State must be rebuilt. */
  truncated(logEndOffset: bigint): void
}

export interface PartitionLog {
  readonly topicPartition: TopicPartition
  logStartOffset(): bigint
  /** The next offset to be assigned. */
  logEndOffset(): bigint
  /** On a single node with acks semantics handled by the broker, HW follows the log end offset. */
  highWatermark(): bigint
  lastStableOffset(): bigint
  /** Total bytes held by the partition's segments. */
  sizeInBytes(): number

  /**
   * Appends one or more v2 batches (already validated by the broker). Assigns consecutive offsets
   * by patching each batch header in place (the caller hands over ownership of `records`).
   * Resolves once the data is in the log (and fsynced, in durable mode).
   */
  append(records: Buffer, options: AppendOptions): Promise<AppendResult>

  /**
   * Offered by logs whose appends complete synchronously (the in-memory log): the same append, its
   * result returned or its KafkaError thrown at once, so Produce needs no promise per partition.
   */
  appendNow?(records: Buffer, options: AppendOptions): AppendResult

  /**
   * Offered by logs whose appends can sometimes complete synchronously (the disk log: a small
   * append to an idle partition that needs no fsync, roll or file open): the append done at once,
   * its result returned or its KafkaError thrown; or undefined, having done nothing, when the
   * append must go through append().
   */
  tryAppendNow?(records: Buffer, options: AppendOptions): AppendResult | undefined

  /**
   * false: no view of a Buffer passed to append/appendNow survives the append's completion (its
   * promise settled, or appendNow returned or threw) other than through a reference it took on
   * options.frame, so the caller may reuse that memory once it released its own reference.
   * Absent or true: the log may keep views of it for as long as the data is in the log.
   */
  readonly retainsAppended?: boolean

  /**
   * Reads whole batches starting with the one containing `offset`, across segments, up to
   * maxBytes. Throws KafkaError(OFFSET_OUT_OF_RANGE) when offset < logStartOffset or
   * offset > logEndOffset.
   */
  read(offset: bigint, maxBytes: number, options?: ReadOptions): Promise<ReadResult>

  /** First offset whose timestamp is >= `timestamp` (ListOffsets), or undefined. */
  offsetForTimestamp(timestamp: bigint): Promise<TimestampLookup | undefined>
  /** The offset and timestamp of the record with the largest timestamp (ListOffsets -3). */
  maxTimestamp(): Promise<TimestampLookup | undefined>

  /** The largest epoch <= `epoch` and its end offset (OffsetForLeaderEpoch); -1s when unknown. */
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: bigint }

  /** Aborted transactions overlapping [from, to) for read_committed fetches. */
  abortedTransactions(from: bigint, to: bigint): AbortedTxn[]

  /**
   * Moves the log start offset forward (DeleteRecords); returns the new log start offset. Whole
   * segments below it are removed by the next maintain(). Throws KafkaError(OFFSET_OUT_OF_RANGE)
   * when offset < 0 or offset > high watermark.
   */
  deleteRecordsBefore(offset: bigint): Promise<bigint>

  /**
   * Removes every batch holding an offset >= `offset`; the log end offset becomes the base offset
   * of the first removed batch. No-op when offset >= log end offset. When `offset` is below the
   * log start offset, or the cut would fall below it (the log start lies inside a removed batch,
   * e.g. after DeleteRecords to a mid-batch offset), the log is emptied instead and starts over
   * with log start = log end = `offset` (Kafka's truncateFullyAndStartAt: records below the log
   * start are never brought back). Throws KafkaError(OFFSET_OUT_OF_RANGE) when offset < 0.
   */
  truncateTo(offset: bigint): Promise<void>

  /**
   * Records an aborted transaction (for the transactions work: call when the ABORT marker for
   * [firstOffset, lastOffset] has been appended). Kept in the segment's .txnindex on disk;
   * resolves once written.
   */
  addAbortedTransaction(txn: AbortedTxn): Promise<void>
  /**
   * The first offset of the oldest open transaction, or undefined when none is open: the last
   * stable offset is min(this, high watermark). Set by the transactions work.
   */
  setFirstUnstableOffset(offset: bigint | undefined): void

  /**
   * Producer-state snapshots kept with the log (Kafka's `<offset>.snapshot` files). The latest
   * readable one at or below the log end offset; an unreadable (torn, corrupt) one is deleted and
   * the next older one tried. undefined when none is left: rebuild from the log start.
   * Snapshots below the log start offset are deleted when it moves, above the log end offset by
   * truncation. The memory log keeps none (nothing it holds survives a restart).
   */
  latestProducerSnapshot(): Promise<ProducerSnapshot | undefined>
  /**
   * Stores a snapshot (replacing any at the same offset). Dropped when the log was truncated
   * since the call or the offset is outside [log start, log end] by the time it is written.
   */
  writeProducerSnapshot(snapshot: ProducerSnapshot): Promise<void>
  /** Registers (or with undefined removes) the partition's producer-state owner. */
  setProducerStateListener(listener: ProducerStateListener | undefined): void

  updateConfig(config: LogConfig): void
  flush(): Promise<void>
  close(): Promise<void>
}

export interface OpenOptions {
  /**
   * The topic id the partition belongs to. The disk store records it in the partition
   * directory (`partition.metadata`, as Kafka does) and refuses to open a directory recorded
   * for another id with KafkaError(INCONSISTENT_TOPIC_ID), leaving it untouched; both stores
   * refuse to reopen a log under a different id. Without it nothing is checked or recorded.
   */
  topicId?: string
}

export interface LogStore {
  /** Opens (creating if needed) the log of a partition. */
  open(tp: TopicPartition, config: LogConfig, options?: OpenOptions): Promise<PartitionLog>
  get(tp: TopicPartition): PartitionLog | undefined
  /** Removes a partition's log and its files. */
  delete(tp: TopicPartition): Promise<void>
  /** Partitions found on disk at startup or opened since. */
  partitions(): TopicPartition[]
  /**
   * Runs retention and compaction once (the broker schedules this periodically; Kafka's
   * log.retention.check.interval.ms). `now` is wall-clock ms, compared with record timestamps.
   */
  maintain(now: number): Promise<void>
  flush(): Promise<void>
  close(): Promise<void>
}
