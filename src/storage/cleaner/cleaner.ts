// One cleaning pass over a compacted log (cleanup.policy=compact or compact,delete), shared by the
// disk log and the memory log through the CleanableLog interface. Kafka's LogCleaner, restated:
//
//   firstDirty   where the previous pass stopped (cleaner-offset-checkpoint), at least the log
//                start offset. Below it the log is "clean": every key appears at most once there.
//   cleanableEnd the base offset of the first segment that may not be cleaned yet: the active
//                segment, a segment reaching the last stable offset (open transactions; and on
//                disk the recovery point, so cleaned segments are always below the checkpointed
//                recovery point), a segment with records newer than min.compaction.lag.ms, or
//                the segment at which the offset map filled up.
//   dirty ratio  bytes in [firstDirty, cleanableEnd) / bytes in [log start, cleanableEnd); a pass
//                runs when it reaches min.cleanable.dirty.ratio, or regardless of it when the
//                max compaction lag is exceeded (KIP-354): some non-active segment holding dirty
//                offsets has a first batch older than now - max.compaction.lag.ms (Kafka's
//                needCompactionNow, from each segment's first batch max timestamp).
//
// A pass builds the offset map (latest offset per key) from the dirty section, then rewrites every
// segment below cleanableEnd with the rules of compact-batch.ts, a group of consecutive segments
// at a time (the log swaps each group in atomically as one segment with the group's first base
// offset), and returns cleanableEnd as the new firstDirty. Tombstones go once their batch's delete
// horizon (set by the first pass that kept them) has passed.
//
// Transactions (Kafka's CleanedTransactionMetadata, txn-state.ts): both walks (the map's over the
// dirty section, the rewrite's from the first segment) are fed the log's aborted transactions
// (.txnindex entries) and classify every transactional batch as aborted (records discarded,
// kept out of the map) or committed (compacted like any other). Markers go as compact-batch.ts
// says. Each rewritten group's .txnindex becomes the aborted transactions whose marker it keeps
// and whose records are not all gone; a group is rewritten when only that changed, too. Whether
// a batch is its producer's last needs every producer batch below the end: the clean section's
// come from a header walk (Kafka asks its producer state).
//
// Groups (Kafka's groupSegmentsBySize): consecutive segments are merged while their total size
// (before cleaning) stays within segment.bytes, the merged indexes stay within
// segment.index.bytes (estimated from index.interval.bytes), and the offset range fits a relative
// int32; so repeated passes do not leave thousands of tiny segments (the members' aborted
// transactions move into the merged segment's .txnindex). Differences from Kafka: an emptied
// group other than the first is removed instead of kept as an empty segment; the last batch of
// a pass is not kept for its offset; an aborted transaction's index entry goes in the pass that
// removes its last records (Kafka's one pass later).
//
// Delete-horizon passes (KIP-534): a log with no new dirty bytes is still picked once the
// earliest delete horizon among its kept tombstone or marker batches has passed. Such a pass has no dirty
// section (horizonPlan): it reads the cleanable segments, judges each batch from its header,
// decodes and rewrites only batches (segments) whose horizon has passed, and leaves firstDirty
// where it was (round.ts ignores its cleanedTo).
// Every pass reports the earliest horizon still pending in what it read (CleanResult), which is
// how the cleaner tracks when to come back.

import { OFF_PRODUCER_ID, readBatchHeader } from '../../protocol/records/batch-header.ts'
import type { AbortedTxn, LogConfig } from '../log-store.ts'
import { addBatchToMap, cleanBatch } from './compact-batch.ts'
import { OffsetMap } from './offset-map.ts'
import { TxnCleanState } from './txn-state.ts'

export interface CleanerSegment {
  baseOffset: bigint
  /** Bytes in the segment. */
  size: number
  /** Largest record timestamp in the segment (-1 when none). */
  largestTimestamp: bigint
  /**
   * Max timestamp of the segment's first batch (-1 when empty); needed only for
   * max.compaction.lag.ms, so logs may leave it out when that is not set.
   */
  firstBatchTimestamp?: bigint
}

/** Writes the replacement of a group of segments; nothing is visible until commit(). */
export interface SegmentRewrite {
  write(batch: Buffer): Promise<void>
  /**
   * Swaps the new contents in, with `aborted` (the aborted transactions whose ABORT marker the
   * new contents keep and whose records remain) as the replacement's aborted-transaction index.
   * Returns false (and discards them) when the segment changed meanwhile (truncated or
   * deleted), so the pass stops.
   */
  commit(aborted: AbortedTxn[]): Promise<boolean>
  abort(): Promise<void>
}

export interface CleanableLog {
  logStartOffset(): bigint
  /** Every segment in offset order, the active one last. */
  cleanerSegments(): Promise<CleanerSegment[]>
  /** Offsets at or above this are never cleaned (last stable offset; on disk also the recovery point). */
  cleanUpperBound(): bigint
  /** The aborted transactions indexed with lastOffset >= from and firstOffset < to. */
  abortedTransactions(from: bigint, to: bigint): AbortedTxn[]
  /** Calls `visit` with each whole batch of the segment, in order. */
  forEachBatch(segment: CleanerSegment, visit: (batch: Buffer) => Promise<void> | void): Promise<void>
  /**
   * Starts the replacement of consecutive segments (one or more) by one segment with the first's
   * base offset; commit() fails (returns false) when any of them changed meanwhile.
   */
  rewriteSegments(group: readonly CleanerSegment[]): Promise<SegmentRewrite>
}

/** The log settings a pass uses. */
export type CleanConfig = Pick<
  LogConfig,
  'deleteRetentionMs' | 'segmentBytes' | 'segmentIndexBytes' | 'indexIntervalBytes'
>

export interface CleanPlan {
  firstDirty: bigint
  cleanableEnd: bigint
  /** Segments below cleanableEnd (all of them are rewritten). */
  segments: CleanerSegment[]
  /** Index in `segments` of the first dirty one. */
  firstDirtyIndex: number
  cleanBytes: number
  dirtyBytes: number
  dirtyRatio: number
  /** The dirty section is older than max.compaction.lag.ms: clean whatever the ratio. */
  maxLagExceeded: boolean
}

export interface CleanResult {
  /** The new first dirty offset (where the next pass starts). */
  cleanedTo: bigint
  segmentsRewritten: number
  /** Segments that went away by merging into the group before them. */
  segmentsMerged: number
  recordsRemoved: number
  /** False when the log changed under the pass; the offsets before it are still clean. */
  complete: boolean
  /**
   * The earliest delete horizon of a batch below `cleanedTo` that may still hold a tombstone
   * (undefined: none); meaningful only when `complete`.
   */
  deleteHorizon: bigint | undefined
}

/** Kafka's log.cleaner.dedupe.buffer.size default. */
export const DEFAULT_MAP_BYTES = 128 * 1024 * 1024

/**
 * Works out what a pass would clean; undefined when nothing is dirty and cleanable. The offset
 * map bound is applied later (a pass may stop earlier than `cleanableEnd`).
 */
export function planClean(
  segments: readonly CleanerSegment[],
  config: Pick<LogConfig, 'minCompactionLagMs'> & Partial<Pick<LogConfig, 'maxCompactionLagMs'>>,
  now: number,
  logStartOffset: bigint,
  upperBound: bigint,
  checkpointed: bigint | undefined,
): CleanPlan | undefined {
  const lagLimit = BigInt(now) - BigInt(config.minCompactionLagMs)
  const cleanable: CleanerSegment[] = []
  for (let i = 0; i + 1 < segments.length; i++) {
    const seg = segments[i]!
    const next = segments[i + 1]!
    if (next.baseOffset > upperBound) break
    if (seg.largestTimestamp > lagLimit) break
    cleanable.push(seg)
  }
  // Segments wholly below the log start offset are retention's to delete.
  const live = cleanable.filter((_s, i) => {
    const next = cleanable[i + 1]?.baseOffset ?? segments[cleanable.length]?.baseOffset
    return next === undefined || next > logStartOffset
  })
  if (live.length === 0) return undefined
  const cleanableEnd = segments[cleanable.length]!.baseOffset
  let firstDirty = checkpointed ?? logStartOffset
  if (firstDirty < logStartOffset || firstDirty > cleanableEnd) firstDirty = logStartOffset
  let firstDirtyIndex = live.length
  for (let i = 0; i < live.length; i++) {
    const next = live[i + 1]?.baseOffset ?? cleanableEnd
    if (next > firstDirty) {
      firstDirtyIndex = i
      break
    }
  }
  let cleanBytes = 0
  let dirtyBytes = 0
  live.forEach((s, i) => {
    if (i < firstDirtyIndex) cleanBytes += s.size
    else dirtyBytes += s.size
  })
  if (dirtyBytes === 0) return undefined
  return {
    maxLagExceeded: maxLagExceeded(segments, config, now, firstDirty),
    firstDirty,
    cleanableEnd,
    segments: live,
    firstDirtyIndex,
    cleanBytes,
    dirtyBytes,
    dirtyRatio: dirtyBytes / (cleanBytes + dirtyBytes),
  }
}

/**
 * Kafka's maxCompactionDelay > 0: the earliest first-batch timestamp among the non-active
 * segments holding offsets at or above `firstDirty` is older than now - max.compaction.lag.ms.
 * Segments without a (non-negative) timestamp do not count.
 */
function maxLagExceeded(
  segments: readonly CleanerSegment[],
  config: Partial<Pick<LogConfig, 'maxCompactionLagMs'>>,
  now: number,
  firstDirty: bigint,
): boolean {
  const maxLag = config.maxCompactionLagMs
  if (maxLag === undefined || maxLag >= Number.MAX_SAFE_INTEGER) return false
  const cleanUntil = BigInt(now) - BigInt(Math.max(0, Math.trunc(maxLag)))
  for (let i = 0; i + 1 < segments.length; i++) {
    if (segments[i + 1]!.baseOffset <= firstDirty) continue
    const ts = segments[i]!.firstBatchTimestamp
    if (ts !== undefined && ts >= 0n && ts < cleanUntil) return true
  }
  return false
}

/**
 * The plan of a delete-horizon pass over the segments of `full` (a plan made from the log start):
 * nothing counts as dirty, so the pass only drops tombstones whose horizon has passed.
 */
export function horizonPlan(full: CleanPlan): CleanPlan {
  const bytes = full.cleanBytes + full.dirtyBytes
  return {
    ...full,
    firstDirty: full.cleanableEnd,
    firstDirtyIndex: full.segments.length,
    cleanBytes: bytes,
    dirtyBytes: 0,
    dirtyRatio: 0,
    maxLagExceeded: false,
  }
}

/** Whether the plan is dirty enough (or its dirt old enough) to run under `config`. */
export function shouldClean(plan: CleanPlan, config: Pick<LogConfig, 'minCleanableDirtyRatio'>): boolean {
  return plan.dirtyRatio >= config.minCleanableDirtyRatio || plan.maxLagExceeded
}

/** Relative offsets in a segment (and its offset index) are int32. */
const MAX_RELATIVE_OFFSET = 0x7fffffffn

/**
 * Kafka's groupSegmentsBySize over the plan's segments below `end`: each group is consecutive
 * segments whose total size is at most segment.bytes, whose merged indexes fit
 * segment.index.bytes, and whose offsets (up to the next segment's base) stay within a relative
 * int32 of the first base.
 */
export function groupSegments(
  plan: Pick<CleanPlan, 'segments' | 'cleanableEnd'>,
  end: bigint,
  config: Pick<LogConfig, 'segmentBytes' | 'segmentIndexBytes' | 'indexIntervalBytes'>,
): CleanerSegment[][] {
  const segments = plan.segments.filter((s) => s.baseOffset < end)
  const nextBase = (i: number): bigint => plan.segments[i + 1]?.baseOffset ?? plan.cleanableEnd
  // An index entry needs more than index.interval.bytes of log since the last one (plus the time
  // index's closing entry); the time index (12-byte entries) is the larger one.
  const maxIndexedBytes = (Math.floor(config.segmentIndexBytes / 12) - 1) * (config.indexIntervalBytes + 1)
  const groups: CleanerSegment[][] = []
  let i = 0
  while (i < segments.length) {
    const first = segments[i]!
    const group = [first]
    let size = first.size
    let j = i + 1
    for (; j < segments.length; j++) {
      const next = segments[j]!
      if (size + next.size > config.segmentBytes || size + next.size > maxIndexedBytes) break
      if (nextBase(j) - 1n - first.baseOffset > MAX_RELATIVE_OFFSET) break
      group.push(next)
      size += next.size
    }
    groups.push(group)
    i = j
  }
  return groups
}

/** Runs one pass of `plan` over `log`. */
export async function cleanLog(
  log: CleanableLog,
  plan: CleanPlan,
  config: CleanConfig,
  now: number,
  mapBytes = DEFAULT_MAP_BYTES,
): Promise<CleanResult> {
  // 1. The offset map over the dirty section, a whole segment at a time until it is full.
  //    Records of aborted transactions stay out of it (the walk's TxnCleanState tells them).
  const map = new OffsetMap(mapBytes)
  let end = plan.cleanableEnd
  const dirtyTxns = new TxnCleanState(log.abortedTransactions(plan.firstDirty, plan.cleanableEnd))
  for (let i = plan.firstDirtyIndex; i < plan.segments.length; i++) {
    const seg = plan.segments[i]!
    if (map.full && i > plan.firstDirtyIndex) {
      end = seg.baseOffset
      break
    }
    await log.forEachBatch(seg, (b) => addBatchToMap(b, map, plan.cleanableEnd, dirtyTxns))
  }
  const expiredOnly = plan.firstDirtyIndex >= plan.segments.length
  // Whether a batch is its producer's last (kept, for the producer state rebuilt from headers)
  // needs every producer batch after it below the end: the dirty section's were noted above; for
  // a batch in the clean section the clean section's too, from a header walk done the first time
  // such a batch comes up (never for a log without producer ids; Kafka asks its producer state).
  const clean = new Set(plan.segments.slice(0, plan.firstDirtyIndex))
  let cleanNoted = clean.size === 0
  const noteClean = async (): Promise<void> => {
    cleanNoted = true
    for (const seg of clean)
      await log.forEachBatch(seg, (b) => {
        const h = readBatchHeader(b, 0)
        if (h.producerId >= 0n) map.noteProducerBatch(h.producerId, h.baseOffset)
      })
  }
  // 2. Rewrite every segment below the end of what the map covers, in groups, walking the
  //    transactions from the first segment.
  const first = plan.segments[0]?.baseOffset ?? plan.firstDirty
  const rules = {
    map,
    now: BigInt(now),
    deleteRetentionMs: BigInt(config.deleteRetentionMs),
    expiredOnly,
    txns: new TxnCleanState(log.abortedTransactions(first, end)),
  }
  const result: CleanResult = {
    cleanedTo: end,
    segmentsRewritten: 0,
    segmentsMerged: 0,
    recordsRemoved: 0,
    complete: true,
    deleteHorizon: undefined,
  }
  // A delete-horizon pass stays cheap (it decodes only expired batches): it merges nothing.
  const groups = rules.expiredOnly
    ? plan.segments.filter((s) => s.baseOffset < end).map((s) => [s])
    : groupSegments(plan, end, config)
  for (const [g, group] of groups.entries()) {
    const rewrite = await log.rewriteSegments(group)
    let removed = 0
    // Merging is a change in itself.
    let changed = group.length > 1
    const aborted: AbortedTxn[] = []
    try {
      for (const seg of group)
        await log.forEachBatch(seg, async (b) => {
          if (!cleanNoted && clean.has(seg) && b.readBigInt64BE(OFF_PRODUCER_ID) >= 0n) await noteClean()
          const cleaned = cleanBatch(b, rules)
          removed += cleaned.removed
          if (cleaned.changed) changed = true
          const h = cleaned.pendingHorizon
          if (h !== undefined && (result.deleteHorizon === undefined || h < result.deleteHorizon))
            result.deleteHorizon = h
          if (cleaned.indexed !== undefined) aborted.push(cleaned.indexed)
          if (cleaned.batch !== undefined) await rewrite.write(cleaned.batch)
        })
    } catch (err) {
      await rewrite.abort()
      throw err
    }
    // The group's index changes when a transaction's last records went (in this group or an
    // earlier one) while its marker stays.
    const groupEnd = groups[g + 1]?.[0]!.baseOffset ?? nextBaseAfter(plan, group)
    const indexed = log
      .abortedTransactions(group[0]!.baseOffset, groupEnd)
      .filter((t) => t.lastOffset >= group[0]!.baseOffset && t.lastOffset < groupEnd)
    if (!sameAbortedTxns(indexed, aborted)) changed = true
    if (!changed) {
      await rewrite.abort()
      continue
    }
    if (!(await rewrite.commit(aborted))) {
      // Truncated or deleted under us: the next pass starts over from the old dirty point.
      result.cleanedTo = plan.firstDirty
      result.complete = false
      return result
    }
    result.segmentsRewritten += group.length
    result.segmentsMerged += group.length - 1
    result.recordsRemoved += removed
  }
  return result
}

/** The base offset of the segment after the group's last (the plan's end when none). */
function nextBaseAfter(
  plan: Pick<CleanPlan, 'segments' | 'cleanableEnd'>,
  group: readonly CleanerSegment[],
): bigint {
  const i = plan.segments.indexOf(group[group.length - 1]!)
  return plan.segments[i + 1]?.baseOffset ?? plan.cleanableEnd
}

/** Whether two aborted-transaction lists are the same entries in the same order. */
export function sameAbortedTxns(a: readonly AbortedTxn[], b: readonly AbortedTxn[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (t, i) =>
        t.producerId === b[i]!.producerId &&
        t.firstOffset === b[i]!.firstOffset &&
        t.lastOffset === b[i]!.lastOffset &&
        t.lastStableOffset === b[i]!.lastStableOffset,
    )
  )
}
