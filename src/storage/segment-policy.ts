// Segment decisions shared by the memory and disk logs so both behave the same: when to roll the
// active segment, when to add sparse index entries, and which segments retention deletes.
// Rules follow Kafka's LogSegment.shouldRoll / LogSegment.append / UnifiedLog.deleteOldSegments.

import type { LogConfig } from './log-store.ts'

export const OFFSET_INDEX_ENTRY_SIZE = 8
export const TIME_INDEX_ENTRY_SIZE = 12
const MAX_RELATIVE_OFFSET = 0x7fffffffn

/** The sparse index entries one append adds (usually none). */
export interface IndexEntries {
  readonly offsetEntry?: { offset: bigint; position: number }
  readonly timeEntry?: { timestamp: bigint; offset: bigint }
}

/** Most appends add no index entry: one shared answer for them, not an object per append. */
const NO_INDEX_ENTRIES: IndexEntries = Object.freeze({})

/**
 * Per-segment bookkeeping of the sparse indexes: how many bytes since the last entry, how many
 * entries each index holds, and the segment's max timestamp (Kafka's maxTimestampAndOffsetSoFar).
 */
export class IndexCadence {
  bytesSinceLastIndexEntry = 0
  offsetEntries = 0
  timeEntries = 0
  lastTimeEntryTimestamp = -1n
  lastTimeEntryOffset: bigint
  maxTimestampSoFar = -1n
  offsetOfMaxTimestampSoFar: bigint
  /** Max timestamp of the segment's first batch: segment.ms counts from it (-1 when none). */
  rollingBaseTimestamp: bigint | undefined
  readonly baseOffset: bigint

  constructor(baseOffset: bigint) {
    this.baseOffset = baseOffset
    this.lastTimeEntryOffset = baseOffset
    this.offsetOfMaxTimestampSoFar = baseOffset
  }

  /**
   * Accounts for one append of `size` bytes at `position`; returns the index entries to write.
   * segment.ms counts from the first batch's max timestamp (what a restart can read back).
   * The offset entry maps the append's last offset to its first byte (lookups scan forward).
   */
  onAppend(
    position: number,
    firstBatchMaxTimestamp: bigint,
    size: number,
    lastOffset: bigint,
    maxTimestamp: bigint,
    offsetOfMaxTimestamp: bigint,
    indexIntervalBytes: number,
  ): IndexEntries {
    if (position === 0) this.rollingBaseTimestamp = firstBatchMaxTimestamp
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp
      this.offsetOfMaxTimestampSoFar = offsetOfMaxTimestamp
    }
    if (this.bytesSinceLastIndexEntry <= indexIntervalBytes) {
      this.bytesSinceLastIndexEntry += size
      return NO_INDEX_ENTRIES
    }
    this.offsetEntries++
    const out: IndexEntries = {
      offsetEntry: { offset: lastOffset, position },
      timeEntry: this.maybeTimeEntry(),
    }
    this.bytesSinceLastIndexEntry = size
    return out
  }

  /** A time-index entry for the max timestamp so far, if it is newer than the last entry. */
  maybeTimeEntry(): { timestamp: bigint; offset: bigint } | undefined {
    if (this.maxTimestampSoFar <= this.lastTimeEntryTimestamp) return undefined
    this.lastTimeEntryTimestamp = this.maxTimestampSoFar
    this.lastTimeEntryOffset = this.offsetOfMaxTimestampSoFar
    this.timeEntries++
    return { timestamp: this.maxTimestampSoFar, offset: this.offsetOfMaxTimestampSoFar }
  }

  /** A copy to plan a group of appends on, adopted once their write succeeded. */
  clone(): IndexCadence {
    const c = new IndexCadence(this.baseOffset)
    c.bytesSinceLastIndexEntry = this.bytesSinceLastIndexEntry
    c.offsetEntries = this.offsetEntries
    c.timeEntries = this.timeEntries
    c.lastTimeEntryTimestamp = this.lastTimeEntryTimestamp
    c.lastTimeEntryOffset = this.lastTimeEntryOffset
    c.maxTimestampSoFar = this.maxTimestampSoFar
    c.offsetOfMaxTimestampSoFar = this.offsetOfMaxTimestampSoFar
    c.rollingBaseTimestamp = this.rollingBaseTimestamp
    return c
  }

  offsetIndexFull(config: LogConfig): boolean {
    return this.offsetEntries >= Math.floor(config.segmentIndexBytes / OFFSET_INDEX_ENTRY_SIZE)
  }

  timeIndexFull(config: LogConfig): boolean {
    return this.timeEntries >= Math.floor(config.segmentIndexBytes / TIME_INDEX_ENTRY_SIZE)
  }
}

export interface RollCheck {
  /** Current size of the active segment in bytes. */
  size: number
  /** Wall-clock creation time of the active segment (ms). */
  createdMs: number
  cadence: IndexCadence
}

/** Kafka's LogSegment.shouldRoll for an append of `appendBytes` ending at `lastOffset`. */
export function shouldRoll(
  seg: RollCheck,
  config: LogConfig,
  now: number,
  appendBytes: number,
  appendMaxTimestamp: bigint,
  lastOffset: bigint,
): boolean {
  if (seg.size === 0) return false // an empty segment is reused rather than rolled
  const base = seg.cadence.rollingBaseTimestamp
  const waited = base !== undefined && base >= 0n ? Number(appendMaxTimestamp - base) : now - seg.createdMs
  return (
    seg.size > config.segmentBytes - appendBytes ||
    waited > maxSegmentMs(config) ||
    seg.cadence.offsetIndexFull(config) ||
    seg.cadence.timeIndexFull(config) ||
    lastOffset - seg.cadence.baseOffset > MAX_RELATIVE_OFFSET
  )
}

/**
 * The age at which the active segment rolls: segment.ms, or max.compaction.lag.ms when that is
 * shorter on a compacted log (Kafka's LogConfig.maxSegmentMs), since the cleaner never touches
 * the active segment and the lag could not be honoured otherwise.
 */
export function maxSegmentMs(config: LogConfig): number {
  return config.cleanupPolicy.compact && config.maxCompactionLagMs > 0
    ? Math.min(config.segmentMs, config.maxCompactionLagMs)
    : config.segmentMs
}

export interface RetentionSegment {
  baseOffset: bigint
  size: number
  /** Max record timestamp in the segment, or its last-modified time when it has none (ms). */
  largestTimestamp: number
}

/**
 * How many leading segments retention deletes now: log-start-offset breach always; then, for
 * cleanup.policy=delete, retention.bytes and retention.ms, each applied to what the previous left.
 * A segment is deletable only when the high watermark has passed its end; an empty last segment
 * never is. When the count covers every segment the caller rolls a fresh active segment first.
 */
export function retentionDeleteCount(
  segments: readonly RetentionSegment[],
  config: LogConfig,
  now: number,
  logStartOffset: bigint,
  highWatermark: bigint,
  logEndOffset: bigint,
): number {
  let first = 0
  const take = (predicate: (seg: RetentionSegment, next: RetentionSegment | undefined) => boolean): void => {
    while (first < segments.length) {
      const seg = segments[first]!
      const next = segments[first + 1]
      const upperBound = next !== undefined ? next.baseOffset : logEndOffset
      const lastAndEmpty = next === undefined && seg.size === 0
      if (lastAndEmpty || highWatermark < upperBound || !predicate(seg, next)) return
      first++
    }
  }
  take((_seg, next) => next !== undefined && next.baseOffset <= logStartOffset)
  if (config.cleanupPolicy.delete) {
    if (config.retentionBytes >= 0) {
      let diff = segments.slice(first).reduce((n, s) => n + s.size, 0) - config.retentionBytes
      if (diff >= 0)
        take((seg) => {
          if (diff - seg.size < 0) return false
          diff -= seg.size
          return true
        })
    }
    if (config.retentionMs >= 0) take((seg) => now - seg.largestTimestamp > config.retentionMs)
  }
  return first
}
