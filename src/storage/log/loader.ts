// Opening a partition directory: tidy up files left by interrupted operations, discover the
// segments, recover what may not have reached the disk, and work out the log's offsets.
//
// Steps (Kafka's LogLoader, restated):
//   1. Delete leftovers: `.deleted` (retention/truncation had already dropped them), `.cleaned`
//      (a compaction output not yet committed), `.tmp` (a checkpoint being replaced), and index
//      files whose `.log` is gone. A `<base>.log.swap` is a committed compaction output (see the
//      swap protocol in partition-log.ts), possibly several segments merged into one: the swap
//      is finished by deleting every other segment whose base offset lies inside the swap's
//      range (base, its next offset) (Kafka's LogLoader does the same), removing the old
//      segment's indexes, renaming a `<base>.txnindex.swap` (the merged aborted transactions)
//      over `<base>.txnindex` and the swap over `<base>.log`; the indexes are rebuilt from it. A
//      `.swap` whose `.log` is gone (the segment was deleted after the swap failed), or any other
//      `.swap` file, is deleted.
//   2. Segments are the `.log` files, ordered by base offset. A new or empty directory gets one
//      empty segment at the checkpointed log start offset whose `.log` file is created by the
//      first append (and made durable by the first flush or durable append): creating a
//      partition costs a stat and a mkdir, and a crash before the first append leaves an empty
//      directory, which loads as an empty log.
//   3. After an unclean shutdown, every segment from the one holding the recovery point onwards is
//      recovered: batches validated (length, magic, CRC, increasing offsets), indexes rebuilt, the
//      file cut at the first invalid byte, and all later segments deleted (they cannot be trusted
//      to follow on). A recovered segment that does not start exactly where its recovered
//      predecessor ends is treated the same way, so the recovered part is a gap-free prefix of
//      what was written. Gaps are accepted only where compaction can have made them: before the
//      first recovered segment, whose predecessors lie wholly below the recovery point and so were
//      fsynced whole (the cleaner only cleans below the recovery point and checkpoints it before
//      swapping segments in). Gaps inside a segment are always fine (offsets just increase). Recovered segments are fsynced so the new recovery point is honest.
//      After a clean shutdown nothing is recovered; a segment's missing or invalid index files
//      are rebuilt when it is first used.
//   4. The last segment becomes active; the log end offset is one past its last batch.
//      Aborted-transaction indexes (Kafka's LogSegment.recover): the .txnindex is written
//      without fsync on append and fsynced by the flush that moves the recovery point past it
//      (at once when its segment is no longer active), so only the segments from the one
//      holding the recovery point can have lost, torn or stale entries. Each recovered segment's
//      entries are derived again from its batches (aborted-txn-scan.ts), starting from the open
//      transactions at its base: those of the latest producer-state snapshot at or below it,
//      carried forward over the batches in between (from the first segment when there is no
//      snapshot). A .txnindex elsewhere that is damaged or implausible (an entry whose marker
//      is not in its segment, or out of order) is rebuilt the same way. A rebuilt index is
//      written atomically and fsynced, so after recovery every index equals what a full scan
//      derives.
//   5. Log start offset = max(checkpoint, first segment base), at most the log end offset. The
//      leader-epoch cache is loaded, extended from recovered batches, and cut to the log's range.
//   6. Producer-state snapshots that cannot be trusted or have no segment are deleted (the rules
//      are in producer-snapshots.ts).

import { KafkaError } from '../../protocol/errors.ts'
import {
  LOG_OVERHEAD,
  OFF_BASE_OFFSET,
  OFF_BATCH_LENGTH,
  OFF_LAST_OFFSET_DELTA,
  readBatchHeader,
} from '../../protocol/records/batch-header.ts'
import { errorCode, readFully, writeFileAtomic, type FileSystem } from '../fs.ts'
import { LeaderEpochCache, type EpochEntry } from '../leader-epoch-cache.ts'
import type { AbortedTxn, LogConfig } from '../log-store.ts'
import { AbortedTxnScan } from './aborted-txn-scan.ts'
import {
  CheckpointCorruptError,
  decodeLeaderEpochCheckpoint,
  encodeLeaderEpochCheckpoint,
} from './checkpoint-file.ts'
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LEADER_EPOCH_CHECKPOINT,
  LOG_SUFFIX,
  offsetPrefix,
  parseSegmentFileName,
  SNAPSHOT_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TMP_SUFFIX,
  TXN_INDEX_SUFFIX,
} from './file-names.ts'
import type { HandlePool } from './handle-pool.ts'
import { forEachBatchOf } from './partition-log.ts'
import { CorruptSnapshotError, decodeProducerSnapshot } from './producer-snapshot-file.ts'
import { ProducerSnapshots } from './producer-snapshots.ts'
import { Segment, type SegmentContext } from './segment.ts'

/** Header bytes up to and including lastOffsetDelta. */
const LAST_OFFSET_END = OFF_LAST_OFFSET_DELTA + 4

export interface LoadOptions {
  fs: FileSystem
  pool: HandlePool
  dir: string
  config: LogConfig
  now: number
  clock: () => number
  cleanShutdown: boolean
  /** From recovery-point-offset-checkpoint; undefined recovers every segment. */
  recoveryPoint: bigint | undefined
  /** From log-start-offset-checkpoint. */
  logStartOffset: bigint | undefined
}

export interface LoadedLog {
  segments: Segment[]
  nextOffset: bigint
  logStartOffset: bigint
  recoveryPoint: bigint
  epochs: EpochEntry[]
  /** False when the directory or its first segment file were just created and not yet synced. */
  dirsSynced: boolean
  /** What recovery did, for logs and tests. */
  recovered: { segments: number; truncatedBytes: number; deletedSegments: number }
  /** The producer-state snapshots kept (step 6). */
  producerSnapshots: ProducerSnapshots
}

export async function loadPartition(o: LoadOptions): Promise<LoadedLog> {
  const { fs, dir } = o
  const ctx: SegmentContext = { fs, pool: o.pool, dir, now: o.clock }
  // A new partition's directory entries are made durable lazily (by the first flush, or the
  // first durable append), so creating 10,000 partitions does not cost 20,000 fsyncs.
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err
    await fs.mkdir(dir)
    return await emptyLog(ctx, o)
  }
  let dirsSynced = true

  // 1. leftovers
  const logs = new Set<bigint>()
  const others: { name: string; base: bigint }[] = []
  const txnIndexes = new Set<bigint>()
  const swapped = await finishSwaps(fs, dir, names)
  for (const name of names) {
    if (
      name.endsWith(DELETED_SUFFIX) ||
      name.endsWith(CLEANED_SUFFIX) ||
      name.endsWith(SWAP_SUFFIX) ||
      name.endsWith(TMP_SUFFIX)
    ) {
      await fs.unlink(`${dir}/${name}`)
      continue
    }
    const parsed = parseSegmentFileName(name)
    if (parsed === undefined) continue
    if (parsed.suffix === LOG_SUFFIX) logs.add(parsed.baseOffset)
    else others.push({ name, base: parsed.baseOffset })
    if (parsed.suffix === TXN_INDEX_SUFFIX) txnIndexes.add(parsed.baseOffset)
  }
  // .snapshot files are named by offset, not by a segment: step 6 decides which stay.
  for (const f of others)
    if (!logs.has(f.base) && !f.name.endsWith('.snapshot')) await fs.unlink(`${dir}/${f.name}`)

  // 2. segments
  const segments: Segment[] = []
  /** Segments whose .txnindex was damaged (step 4 rebuilds them). */
  const txnDamaged = new Set<Segment>()
  for (const base of [...logs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const st = await fs.stat(`${dir}/${base.toString().padStart(20, '0')}${LOG_SUFFIX}`)
    const seg = new Segment(ctx, base, st?.size ?? 0, o.now, st?.mtimeMs ?? o.now)
    if (txnIndexes.has(base) && !(await seg.loadTxnIndex())) txnDamaged.add(seg)
    segments.push(seg)
  }
  let created = false
  if (segments.length === 0) {
    const seg = new Segment(ctx, o.logStartOffset ?? 0n, 0, o.now, o.now)
    dirsSynced = false
    seg.initEmpty()
    segments.push(seg)
    created = true
  }

  const epochEntries = await readEpochCheckpoint(fs, dir)
  const epochs = new LeaderEpochCache(epochEntries)
  const recovered = { segments: 0, truncatedBytes: 0, deletedSegments: 0 }

  // 3. recovery
  let nextOffset: bigint | undefined
  let lastRecovered = false
  /** Aborted transactions derived from the log, for the segments whose .txnindex is rebuilt. */
  const derived = new Map<Segment, AbortedTxn[]>()
  if (!created) {
    if (!o.cleanShutdown) {
      let start = 0
      if (o.recoveryPoint !== undefined)
        for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= o.recoveryPoint) start = i
      // Every recovered segment's aborted transactions are derived from its batches (below), and
      // so are those of a damaged .txnindex below them (read here): the scan starts from the
      // producer state at the first of them.
      const bad = (seg: Segment, i: number): boolean =>
        txnDamaged.has(seg) || !txnIndexSane(seg, segments[i + 1]!.baseOffset)
      const firstBad = segments.findIndex((seg, i) => i < start && bad(seg, i))
      const from = firstBad >= 0 ? firstBad : start
      const scan = await txnScanAt(fs, dir, names, segments, from)
      for (let i = from; i < start; i++) {
        const aborted = await deriveTxns(segments[i]!, scan)
        if (bad(segments[i]!, i)) derived.set(segments[i]!, aborted)
      }
      let prevEnd: bigint | undefined
      for (let i = start; i < segments.length; i++) {
        const seg = segments[i]!
        const fileSize = await o.pool.use(seg.logPath, (h) => h.size())
        const aborted: AbortedTxn[] = []
        // A segment must start exactly where its predecessor ends: an overlap is garbage, and a
        // gap means the predecessor lost its unsynced tail while this segment kept data, so this
        // segment and everything after it go (the log stays a prefix of what was appended).
        // Not checked for the first recovered segment (its predecessor may have been compacted).
        const result =
          i > start && prevEnd !== undefined && seg.baseOffset !== prevEnd
            ? undefined
            : await seg.recover(o.config.indexIntervalBytes, seg.baseOffset, (h, batch) => {
                if (h.partitionLeaderEpoch >= 0 && (epochs.latest()?.epoch ?? -1) < h.partitionLeaderEpoch)
                  epochs.assign(h.partitionLeaderEpoch, h.baseOffset)
                const txn = scan.visit(h, batch)
                if (txn !== undefined) aborted.push(txn)
              })
        if (result !== undefined) derived.set(seg, aborted)
        recovered.segments++
        if (result !== undefined) {
          recovered.truncatedBytes += fileSize - result.validBytes
          prevEnd = result.nextOffset
        }
        if (result === undefined || result.truncated || i === segments.length - 1) {
          // Later segments cannot be trusted to follow on from a cut; drop them.
          for (const later of segments.splice(result === undefined ? i : i + 1)) {
            for (const path of await later.markDeleted()) await fs.unlink(path)
            recovered.deletedSegments++
          }
          if (result !== undefined) {
            nextOffset = result.nextOffset
            lastRecovered = true
          }
          break
        }
        await seg.seal(false)
      }
      // Recovered bytes may only be in the page cache (process crash): make them durable before
      // the recovery point moves past them.
      for (const seg of segments.slice(start)) await seg.sync()
      if (recovered.deletedSegments > 0) await fs.syncDir(dir)
    } else {
      // Other indexes are loaded on first use, and a missing or invalid one rebuilt then
      // (Kafka's lazy indexes): opening 10,000 partitions stats no index files.
      for (const seg of segments)
        if (swapped.has(seg.baseOffset)) await seg.rebuildIndexes(o.config.indexIntervalBytes)
    }
  }

  // 4. active segment
  if (segments.length === 0) {
    // Everything was invalid: start over at the first segment's base.
    const seg = new Segment(ctx, o.logStartOffset ?? 0n, 0, o.now, o.now)
    await seg.createFile()
    await fs.syncDir(dir)
    seg.initEmpty()
    segments.push(seg)
    nextOffset = seg.baseOffset
  }
  const active = segments[segments.length - 1]!
  if (nextOffset === undefined || !lastRecovered) {
    nextOffset = created ? active.baseOffset : await active.activate()
  }

  // Aborted-transaction indexes (Kafka's LogSegment.recover / TransactionIndex.sanityCheck): the
  // recovered segments' are replaced by what their batches say. Any other damaged or
  // implausible one (after a clean shutdown every .txnindex was fsynced, and below the recovery
  // point too, so this is corruption) is rebuilt the same way, scanning from the producer state
  // at its base.
  const insane = segments.filter(
    (seg, i) =>
      !derived.has(seg) &&
      (txnDamaged.has(seg) || !txnIndexSane(seg, segments[i + 1]?.baseOffset ?? nextOffset)),
  )
  if (insane.length > 0) {
    const from = segments.indexOf(insane[0]!)
    const to = segments.indexOf(insane[insane.length - 1]!)
    const scan = await txnScanAt(fs, dir, names, segments, from)
    for (let i = from; i <= to; i++) {
      const aborted = await deriveTxns(segments[i]!, scan)
      if (insane.includes(segments[i]!)) derived.set(segments[i]!, aborted)
    }
  }
  let txnDirChanged = false
  for (const seg of segments) {
    const entries = derived.get(seg)
    if (entries !== undefined && (await seg.replaceTxnIndex(entries))) txnDirChanged = true
  }
  if (txnDirChanged) await fs.syncDir(dir)

  // 5. offsets and epochs
  const firstBase = segments[0]!.baseOffset
  let logStartOffset =
    o.logStartOffset !== undefined && o.logStartOffset > firstBase ? o.logStartOffset : firstBase
  if (logStartOffset > nextOffset) logStartOffset = nextOffset
  epochs.truncateFromEnd(nextOffset)
  epochs.truncateFromStart(logStartOffset)
  if (!sameEntries(epochs.entries(), epochEntries))
    await writeFileAtomic(
      fs,
      `${dir}/${LEADER_EPOCH_CHECKPOINT}`,
      encodeLeaderEpochCheckpoint(epochs.entries()),
    )

  // 6. producer-state snapshots (rules in producer-snapshots.ts)
  const producerSnapshots = await ProducerSnapshots.open(fs, dir, names, {
    segmentBases: segments.map((s) => s.baseOffset),
    logStartOffset,
    logEndOffset: nextOffset,
    ...(o.cleanShutdown ? {} : { uncleanRecoveryPoint: o.recoveryPoint ?? logStartOffset }),
  })

  return {
    segments,
    nextOffset,
    logStartOffset,
    recoveryPoint: nextOffset,
    epochs: [...epochs.entries()],
    dirsSynced,
    recovered,
    producerSnapshots,
  }
}

/** A brand-new directory: one empty segment whose file the first append creates (step 2). */
async function emptyLog(ctx: SegmentContext, o: LoadOptions): Promise<LoadedLog> {
  const base = o.logStartOffset ?? 0n
  // No files to list: no I/O (there is nothing to tidy).
  const producerSnapshots = await ProducerSnapshots.open(o.fs, o.dir, [], {
    segmentBases: [base],
    logStartOffset: base,
    logEndOffset: base,
  })
  const seg = new Segment(ctx, base, 0, o.now, o.now)
  seg.initEmpty()
  return {
    segments: [seg],
    nextOffset: base,
    logStartOffset: base,
    recoveryPoint: base,
    epochs: [],
    dirsSynced: false,
    recovered: { segments: 0, truncatedBytes: 0, deletedSegments: 0 },
    producerSnapshots,
  }
}

/**
 * Finishes compaction swaps: each `<base>.log.swap` replaces `<base>.log` (whose index files go
 * first, so a stale index never pairs with the new log). Updates the directory listing in place.
 */
async function finishSwaps(fs: FileSystem, dir: string, names: string[]): Promise<Set<bigint>> {
  const swapped = new Set<bigint>()
  const consumed = new Set<string>()
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed?.suffix !== LOG_SUFFIX || parsed.transient !== SWAP_SUFFIX) continue
    const prefix = name.slice(0, 20)
    // The swap protocol keeps the old .log until the final rename; without it the segment was
    // deleted since (retention on a log that went offline mid-swap) and the .swap is dropped.
    if (!names.includes(`${prefix}${LOG_SUFFIX}`)) continue
    // Segments merged into this one that the interrupted swap had not yet removed.
    const swapBase = BigInt(prefix)
    const swapNext = await nextOffsetOf(fs, `${dir}/${name}`, swapBase)
    for (const other of names) {
      const p = parseSegmentFileName(other)
      if (p?.suffix !== LOG_SUFFIX || p.transient !== '' || consumed.has(other)) continue
      if (p.baseOffset <= swapBase || p.baseOffset >= swapNext) continue
      await fs.unlink(`${dir}/${other}`)
      consumed.add(other)
    }
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const index = `${prefix}${suffix}`
      if (names.includes(index)) {
        await fs.unlink(`${dir}/${index}`)
        consumed.add(index)
      }
    }
    // A merge's .txnindex (its members' aborted transactions) is finished with it.
    const txnSwap = `${prefix}${TXN_INDEX_SUFFIX}${SWAP_SUFFIX}`
    if (names.includes(txnSwap)) {
      await fs.rename(`${dir}/${txnSwap}`, `${dir}/${prefix}${TXN_INDEX_SUFFIX}`)
      consumed.add(txnSwap)
    }
    await fs.rename(`${dir}/${name}`, `${dir}/${prefix}${LOG_SUFFIX}`)
    consumed.add(name)
    swapped.add(parsed.baseOffset)
  }
  if (consumed.size === 0) return swapped
  await fs.syncDir(dir)
  const live = names.filter((n) => !consumed.has(n))
  for (const name of consumed) {
    if (!name.endsWith(SWAP_SUFFIX)) continue
    const final = name.slice(0, -SWAP_SUFFIX.length)
    if (!live.includes(final)) live.push(final)
  }
  names.length = 0
  names.push(...live)
  return swapped
}

/**
 * One past the last offset of a (fully written, fsynced) segment file, by walking its batch
 * headers; `base` when it holds no whole batch.
 */
async function nextOffsetOf(fs: FileSystem, path: string, base: bigint): Promise<bigint> {
  const h = await fs.open(path, { create: false })
  try {
    const size = await h.size()
    let next = base
    for (let pos = 0; pos + LAST_OFFSET_END <= size;) {
      const head = await readFully(h, LAST_OFFSET_END, pos)
      if (head.length < LAST_OFFSET_END) break
      const length = LOG_OVERHEAD + head.readInt32BE(OFF_BATCH_LENGTH)
      if (length < LAST_OFFSET_END || pos + length > size) break
      next = head.readBigInt64BE(OFF_BASE_OFFSET) + BigInt(head.readInt32BE(OFF_LAST_OFFSET_DELTA)) + 1n
      pos += length
    }
    return next
  } finally {
    await h.close()
  }
}

async function readEpochCheckpoint(fs: FileSystem, dir: string): Promise<EpochEntry[]> {
  try {
    return decodeLeaderEpochCheckpoint(await fs.readFile(`${dir}/${LEADER_EPOCH_CHECKPOINT}`))
  } catch (err) {
    // Missing: a new partition. Corrupt: rebuilt from the batches recovery reads (best effort).
    if (errorCode(err) === 'ENOENT' || err instanceof CheckpointCorruptError) return []
    throw new KafkaError('KAFKA_STORAGE_ERROR', `cannot read ${dir}/${LEADER_EPOCH_CHECKPOINT}`, {
      cause: err,
    })
  }
}

function sameEntries(a: readonly EpochEntry[], b: readonly EpochEntry[]): boolean {
  return (
    a.length === b.length && a.every((e, i) => e.epoch === b[i]!.epoch && e.startOffset === b[i]!.startOffset)
  )
}

/**
 * Whether a segment's loaded aborted transactions are plausible: markers inside the segment
 * ([base, end)), in increasing order (Kafka's TransactionIndex.sanityCheck checks the first).
 */
function txnIndexSane(seg: Segment, end: bigint): boolean {
  let prev = seg.baseOffset - 1n
  for (const t of seg.aborted) {
    if (t.lastOffset <= prev || t.lastOffset >= end) return false
    prev = t.lastOffset
  }
  return true
}

/**
 * A scan positioned at the base of `segments[index]` (Kafka's rebuildProducerState before
 * LogSegment.recover): the open transactions of the latest producer-state snapshot at or below
 * that base, then the batches from the snapshot to the base. After an unclean shutdown the base
 * is at or below the recovery point, so the snapshot is one step 6 trusts too. Without a
 * readable snapshot the scan starts at the first segment with nothing open.
 */
async function txnScanAt(
  fs: FileSystem,
  dir: string,
  names: readonly string[],
  segments: readonly Segment[],
  index: number,
): Promise<AbortedTxnScan> {
  const base = segments[index]?.baseOffset
  if (base === undefined) return new AbortedTxnScan()
  const offsets: bigint[] = []
  for (const name of names) {
    const p = parseSegmentFileName(name)
    if (p?.suffix === SNAPSHOT_SUFFIX && p.transient === '' && p.baseOffset <= base)
      offsets.push(p.baseOffset)
  }
  offsets.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
  let from = segments[0]!.baseOffset
  let scan = new AbortedTxnScan()
  for (const offset of offsets) {
    let entries
    try {
      entries = decodeProducerSnapshot(await fs.readFile(`${dir}/${offsetPrefix(offset)}${SNAPSHOT_SUFFIX}`))
    } catch (err) {
      // Unreadable: the next older one (step 6 deletes it).
      if (err instanceof CorruptSnapshotError || errorCode(err) === 'ENOENT') continue
      throw err
    }
    scan = new AbortedTxnScan(
      entries
        .filter((e) => e.currentTxnFirstOffset >= 0n)
        .map((e) => [e.producerId, e.currentTxnFirstOffset]),
    )
    from = offset
    break
  }
  for (let i = 0; i < index; i++) {
    const seg = segments[i]!
    const next = segments[i + 1]!.baseOffset
    if (next <= from) continue
    await forEachBatchOf(seg, (batch) => {
      const h = readBatchHeader(batch, 0)
      if (h.baseOffset + BigInt(h.lastOffsetDelta) >= from) scan.visit(h, batch)
    })
  }
  return scan
}

/** Runs a whole segment through the scan; returns the aborted transactions it ends. */
async function deriveTxns(seg: Segment, scan: AbortedTxnScan): Promise<AbortedTxn[]> {
  const aborted: AbortedTxn[] = []
  await forEachBatchOf(seg, (batch) => {
    const txn = scan.visit(readBatchHeader(batch, 0), batch)
    if (txn !== undefined) aborted.push(txn)
  })
  return aborted
}
