// Names of the files in a partition directory, as Kafka lays them out (LogFileUtils):
//
//   00000000000000000000.log         record batches of the segment starting at offset 0
//   00000000000000000000.index       sparse offset index            (offset-index.ts)
//   00000000000000000000.timeindex   sparse time index              (time-index.ts)
//   00000000000000000000.txnindex    aborted transactions           (txn-index.ts)
//   00000000000000000000.snapshot    producer state snapshot        (producer-snapshot-file.ts)
//   leader-epoch-checkpoint          leader-epoch cache             (leader-epoch-checkpoint.ts)
//   partition.metadata               the topic id of the data       (partition-metadata-file.ts)
//
// Segment files are named by the base offset, zero-padded to 20 digits. Transient suffixes are
// appended to a full segment file name: `.cleaned` (a compaction output being written), `.swap`
// (a finished replacement about to be swapped in), `.deleted` (scheduled for deletion). `.tmp`
// is a checkpoint file being replaced. A partition directory is `<topic>-<partition>`; one being
// deleted is renamed to `<topic>-<partition>.<uuid>-delete` first.

export const LOG_SUFFIX = '.log'
export const INDEX_SUFFIX = '.index'
export const TIME_INDEX_SUFFIX = '.timeindex'
export const TXN_INDEX_SUFFIX = '.txnindex'
export const SNAPSHOT_SUFFIX = '.snapshot'
export const CLEANED_SUFFIX = '.cleaned'
export const SWAP_SUFFIX = '.swap'
export const DELETED_SUFFIX = '.deleted'
export const TMP_SUFFIX = '.tmp'
export const DELETE_DIR_SUFFIX = '-delete'

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint'
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint'
/** Per log dir: where each compacted partition's dirty section starts (src/storage/cleaner). */
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint'
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown'

export const SEGMENT_FILE_SUFFIXES = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX] as const

const MAX_OFFSET = (1n << 63n) - 1n

/** 20-digit zero-padded decimal, the prefix of every segment file. */
export function offsetPrefix(offset: bigint): string {
  if (offset < 0n || offset > MAX_OFFSET) throw new RangeError(`offset ${offset} is not a valid int64 offset`)
  return offset.toString().padStart(20, '0')
}

export function segmentFileName(baseOffset: bigint, suffix: string): string {
  return offsetPrefix(baseOffset) + suffix
}

export interface ParsedFileName {
  baseOffset: bigint
  /** The segment suffix (.log, .index, …). */
  suffix: string
  /** A transient suffix after it (.cleaned, .swap, .deleted), or '' */
  transient: string
}

/** Parses `<20 digits><suffix>[<transient>]`; undefined for any other name. */
export function parseSegmentFileName(name: string): ParsedFileName | undefined {
  const m = /^(\d{20})(\.[a-z]+)(\.(?:cleaned|swap|deleted))?$/.exec(name)
  if (m === null) return undefined
  const baseOffset = BigInt(m[1]!)
  if (baseOffset > MAX_OFFSET) return undefined
  return { baseOffset, suffix: m[2]!, transient: m[3] ?? '' }
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/**
 * Parses `<topic>-<partition>`; undefined for other names (including directories being deleted
 * and names that are not valid Kafka topic names).
 */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const m = /^([a-zA-Z0-9._-]{1,249})-(\d{1,10})$/.exec(name)
  if (m === null) return undefined
  const partition = Number(m[2])
  if (partition > 0x7fffffff) return undefined
  return { topic: m[1]!, partition }
}
