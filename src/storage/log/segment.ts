// One segment of a partition's disk log: the `.log` file of record batches starting at
// `baseOffset`, with its sparse offset and time indexes and its aborted-transaction index.
//
// Contract (Kafka's LogSegment): batches are stored exactly as appended; `size` counts only bytes
// whose write has completed, so readers never see a partial batch. The active segment keeps its
// indexes and index cadence in memory and writes new index entries out on flush, roll and close.
// Inactive segments load their indexes lazily (validated structurally; a bad index is rebuilt
// from the log) and may drop them again when idle. `recover()` re-reads every batch, checks
// length, magic, CRC and offsets, rebuilds the indexes and truncates at the first invalid byte.

import { dirname } from 'node:path'
import {
  BATCH_OVERHEAD,
  LOG_OVERHEAD,
  OFF_BATCH_LENGTH,
  readBatchHeader,
  scanBatches,
  type BatchHeader,
} from '../../protocol/records/batch-header.ts'
import { readFully, writeFileAtomic, writeFully, type FileSystem } from '../fs.ts'
import type { AbortedTxn } from '../log-store.ts'
import { IndexCadence } from '../segment-policy.ts'
import {
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  segmentFileName,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
} from './file-names.ts'
import type { ReadLease } from '../read-buffer-pool.ts'
import type { HandlePool } from './handle-pool.ts'
import { IndexCorruptError, OffsetIndex } from './offset-index.ts'
import { TimeIndex } from './time-index.ts'
import { decodeTxnIndexPrefix, encodeAbortedTxn, TXN_ENTRY_SIZE } from './txn-index.ts'

/** Bytes read per chunk when walking batch headers. */
const SCAN_CHUNK = 64 * 1024
/** Bytes read per chunk during recovery. */
const RECOVER_CHUNK = 8 * 1024 * 1024
/** Batch starts remembered for readers' next positionOf (a few consumers at different places). */
const STARTS_KEPT = 8

export interface SegmentContext {
  fs: FileSystem
  pool: HandlePool
  dir: string
  now: () => number
}

export interface RecoverResult {
  /** Bytes of valid batches kept. */
  validBytes: number
  /** Whether invalid bytes were cut off. */
  truncated: boolean
  /** One past the last offset in the segment (baseOffset when empty). */
  nextOffset: bigint
}

/**
 * Thrown by a segment that compaction replaced: its files now hold the new contents, so the old
 * object must not read them (readers retry with the log's current segments).
 */
export class SegmentRetiredError extends Error {
  override name = 'SegmentRetiredError'
}

export class Segment {
  readonly baseOffset: bigint
  /** Set when compaction swapped in a replacement (see SegmentRetiredError). */
  retired = false
  readonly #ctx: SegmentContext
  /** Completed bytes of the .log file. */
  size: number
  createdMs: number
  lastModifiedMs: number
  /** Index bookkeeping; kept for the active segment and after recovery. */
  cadence: IndexCadence | undefined
  #offsetIndex: OffsetIndex | undefined
  #timeIndex: TimeIndex | undefined
  /** Cached max timestamp of an inactive segment (from its time index). */
  #largestTimestamp: bigint | undefined
  aborted: AbortedTxn[] = []
  /**
   * Where readers' next reads start (offset → file position of the first batch with lastOffset
   * >= offset), noted after each read so positionOf finds them without scanning headers: the
   * offset index holds each batch's last offset, so otherwise a consumer's next offset costs two
   * header reads from the previous batch on. Dropped when the file is cut (recover).
   */
  readonly #starts: Array<{ offset: bigint; position: number }> = []
  #nextStart = 0
  /** Bumped whenever the file is cut, so a note from a read before the cut is ignored. */
  #cuts = 0
  #txnPersisted = 0
  lastUsedMs: number
  #logPath: string | undefined
  /** Index files as last written by flushIndexes (undefined: not known, stat it). */
  readonly #indexFiles = new Map<string, { size: number; dirty: boolean }>()

  constructor(
    ctx: SegmentContext,
    baseOffset: bigint,
    size: number,
    createdMs: number,
    lastModifiedMs: number,
  ) {
    this.#ctx = ctx
    this.baseOffset = baseOffset
    this.size = size
    this.createdMs = createdMs
    this.lastModifiedMs = lastModifiedMs
    this.lastUsedMs = createdMs
  }

  path(suffix: string): string {
    return `${this.#ctx.dir}/${segmentFileName(this.baseOffset, suffix)}`
  }

  get logPath(): string {
    // Cached: it is on the append path.
    this.#logPath ??= this.path(LOG_SUFFIX)
    return this.#logPath
  }

  /** Starts the in-memory state of a brand-new (empty) active segment. */
  initEmpty(): void {
    this.cadence = new IndexCadence(this.baseOffset)
    this.#offsetIndex = new OffsetIndex(this.baseOffset)
    this.#timeIndex = new TimeIndex(this.baseOffset)
    this.#largestTimestamp = -1n
  }

  async createFile(): Promise<void> {
    await this.#ctx.pool.use(this.logPath, (h) => h.truncate(0), true)
  }

  // ------------------------------------------------------------------------------ indexes

  async offsetIndex(): Promise<OffsetIndex> {
    if (this.#offsetIndex === undefined) await this.#loadIndexes()
    return this.#offsetIndex!
  }

  async timeIndex(): Promise<TimeIndex> {
    if (this.#timeIndex === undefined) await this.#loadIndexes()
    return this.#timeIndex!
  }

  /** Loads both indexes from their files; a missing or invalid one triggers a rebuild. */
  async #loadIndexes(): Promise<void> {
    this.#checkLive()
    try {
      const [oi, ti] = await Promise.all([
        this.#ctx.fs.readFile(this.path(INDEX_SUFFIX)),
        this.#ctx.fs.readFile(this.path(TIME_INDEX_SUFFIX)),
      ])
      this.#checkLive()
      const offsetIndex = OffsetIndex.fromBytes(this.baseOffset, oi, Math.max(this.size, 1))
      const timeIndex = TimeIndex.fromBytes(this.baseOffset, ti)
      if (this.#offsetIndex === undefined) this.#offsetIndex = offsetIndex
      if (this.#timeIndex === undefined) this.#timeIndex = timeIndex
    } catch (err) {
      if (!(err instanceof IndexCorruptError) && !isNotFound(err)) throw err
      this.#checkLive()
      await this.rebuildIndexes()
    }
  }

  #checkLive(): void {
    if (this.retired) throw new SegmentRetiredError(`segment ${this.logPath} was replaced by compaction`)
  }

  /** Whether both index files exist (clean-shutdown sanity check). */
  async indexFilesExist(): Promise<boolean> {
    const [a, b] = await Promise.all([
      this.#ctx.fs.stat(this.path(INDEX_SUFFIX)),
      this.#ctx.fs.stat(this.path(TIME_INDEX_SUFFIX)),
    ])
    return a !== undefined && b !== undefined
  }

  /** Forgets the loaded indexes of an inactive segment (they are reloaded on demand). */
  dropIndexes(): void {
    if (this.cadence !== undefined) return
    this.#offsetIndex = undefined
    this.#timeIndex = undefined
  }

  /** The segment's largest record timestamp (-1 when none), what retention.ms compares. */
  async largestTimestamp(): Promise<bigint> {
    if (this.cadence !== undefined) return this.cadence.maxTimestampSoFar
    if (this.#largestTimestamp === undefined)
      this.#largestTimestamp = (await this.timeIndex()).lastEntry().timestamp
    return this.#largestTimestamp
  }

  /** Offset of the (last batch carrying the) largest timestamp, per the index bookkeeping. */
  async offsetOfLargestTimestamp(): Promise<bigint> {
    if (this.cadence !== undefined) return this.cadence.offsetOfMaxTimestampSoFar
    return (await this.timeIndex()).lastEntry().offset
  }

  /**
   * Restores the cadence of a segment that becomes active at load: entry counts from the indexes,
   * then a header walk from the last indexed position to the end for the tail. Returns the
   * segment's next offset.
   */
  async activate(): Promise<bigint> {
    const oi = await this.offsetIndex()
    const ti = await this.timeIndex()
    const cadence = new IndexCadence(this.baseOffset)
    cadence.offsetEntries = oi.entries
    cadence.timeEntries = ti.entries
    const lastTime = ti.lastEntry()
    cadence.lastTimeEntryTimestamp = lastTime.timestamp
    cadence.lastTimeEntryOffset = lastTime.offset
    cadence.maxTimestampSoFar = lastTime.timestamp
    cadence.offsetOfMaxTimestampSoFar = lastTime.offset
    const start = oi.lastEntry().position
    let next = this.baseOffset
    let first = true
    await this.scanHeaders(start, (h) => {
      if (first && start === 0) cadence.rollingBaseTimestamp = h.maxTimestamp
      first = false
      const last = h.baseOffset + BigInt(h.lastOffsetDelta)
      if (h.maxTimestamp > cadence.maxTimestampSoFar) {
        cadence.maxTimestampSoFar = h.maxTimestamp
        cadence.offsetOfMaxTimestampSoFar = last
      }
      next = last + 1n
      return true
    })
    if (start > 0) {
      const firstHeader = await this.readHeader(0)
      cadence.rollingBaseTimestamp = firstHeader?.maxTimestamp
      if (next === this.baseOffset) next = oi.lastEntry().offset + 1n
    }
    cadence.bytesSinceLastIndexEntry = this.size - start
    this.cadence = cadence
    return next
  }

  /** Applies the index entries an append produced. */
  indexAppend(entries: ReturnType<IndexCadence['onAppend']>): void {
    if (entries.offsetEntry !== undefined)
      this.#offsetIndex!.append(entries.offsetEntry.offset, entries.offsetEntry.position)
    if (entries.timeEntry !== undefined)
      this.#timeIndex!.maybeAppend(entries.timeEntry.timestamp, entries.timeEntry.offset)
  }

  /**
   * Writes index entries not yet on disk (and with `sync`, fsyncs the index files). The files'
   * sizes and whether they changed since their last fsync are remembered, so a flush with
   * nothing new neither stats nor fsyncs them. An index file with no entries is never fsynced:
   * its directory entry rides on the directory fsync that follows, and a lost or torn index
   * is rebuilt from the log when first used.
   */
  async flushIndexes(sync: boolean): Promise<void> {
    const jobs: Promise<void>[] = []
    for (const [idx, suffix] of [
      [this.#offsetIndex, INDEX_SUFFIX],
      [this.#timeIndex, TIME_INDEX_SUFFIX],
    ] as const) {
      if (idx === undefined) continue
      const known = this.#indexFiles.get(suffix)
      const { position, data } = idx.unpersisted()
      if (
        known !== undefined &&
        known.size === position &&
        data.length === 0 &&
        (!sync || !known.dirty || known.size === 0)
      )
        continue
      const path = this.path(suffix)
      jobs.push(
        this.#ctx.pool.use(
          path,
          async (h) => {
            const { position, data, entries } = idx.unpersisted()
            let file = this.#indexFiles.get(suffix)
            if (file === undefined) {
              file = { size: await h.size(), dirty: true }
              this.#indexFiles.set(suffix, file)
            }
            if (file.size !== position) {
              file.dirty = true
              await h.truncate(position)
              file.size = position
            }
            if (data.length > 0) {
              file.dirty = true
              await writeFully(h, Buffer.from(data), position)
              file.size = position + data.length
            }
            idx.markPersisted(entries)
            if (sync && file.dirty && file.size > 0) {
              file.dirty = false
              try {
                await h.sync()
              } catch (err) {
                file.dirty = true
                throw err
              }
            }
          },
          true,
        ),
      )
    }
    try {
      await Promise.all(jobs)
    } catch (err) {
      // A failed write leaves the files' state unknown: stat them again next time.
      this.#indexFiles.clear()
      throw err
    }
  }

  /** Makes the segment inactive: final time-index entry, indexes written out. */
  async seal(sync: boolean): Promise<void> {
    const cadence = this.cadence
    if (cadence !== undefined) {
      const ti = await this.timeIndex()
      // Kafka's onBecomeInactiveSegment: the last entry carries the segment's max timestamp.
      if (cadence.maxTimestampSoFar >= 0n)
        ti.maybeAppend(cadence.maxTimestampSoFar, cadence.offsetOfMaxTimestampSoFar)
      this.#largestTimestamp = cadence.maxTimestampSoFar
    }
    this.cadence = undefined
    await this.flushIndexes(sync)
  }

  // ------------------------------------------------------------------------------ reads

  /**
   * The bytes at [position, position+length), short at the end of the file. With a lease the
   * bytes land in one of its pooled buffers (the caller releases the lease once no view of them
   * is used); otherwise in a fresh buffer.
   */
  async read(position: number, length: number, lease?: ReadLease): Promise<Buffer> {
    this.#checkLive()
    this.lastUsedMs = this.#ctx.now()
    if (length <= 0) return Buffer.alloc(0)
    const into = lease?.take(length)
    const data = await this.#ctx.pool.use(this.logPath, (h) => readFully(h, length, position, into))
    // The file may have been swapped while the read was queued: never hand out its bytes.
    this.#checkLive()
    return data
  }

  async readHeader(position: number): Promise<BatchHeader | undefined> {
    if (position + BATCH_OVERHEAD > this.size) return undefined
    const b = await this.read(position, BATCH_OVERHEAD)
    return b.length === BATCH_OVERHEAD ? readBatchHeader(b, 0) : undefined
  }

  /**
   * Walks batch headers from `position` to the end of the committed bytes, calling `visit` with
   * each (position = file position) until it returns false. Returns the position where it stopped
   * (the visited batch's start when `visit` returned false).
   */
  async scanHeaders(position: number, visit: (h: BatchHeader) => boolean): Promise<number> {
    const end = this.size
    let pos = position
    while (pos + BATCH_OVERHEAD <= end) {
      const chunk = await this.read(pos, Math.min(SCAN_CHUNK, end - pos))
      let at = 0
      while (at + BATCH_OVERHEAD <= chunk.length) {
        const h = readBatchHeader(chunk, at)
        if (h.size < BATCH_OVERHEAD || pos + at + h.size > end) return pos + at
        h.position = pos + at
        if (!visit(h)) return pos + at
        at += h.size
      }
      if (at === 0) return pos
      pos += at
    }
    return pos
  }

  /** Identifies the file's contents for noteStart (changes when the file is cut). */
  get generation(): number {
    return this.#cuts
  }

  /**
   * Notes that the batches before `position` all end below `offset` and the one at `position`
   * (if any yet) starts at `offset`, as seen by a read started at `generation`.
   */
  noteStart(offset: bigint, position: number, generation: number): void {
    if (generation !== this.#cuts || position > this.size) return
    for (const s of this.#starts)
      if (s.offset === offset) {
        s.position = position
        return
      }
    const entry = { offset, position }
    if (this.#starts.length < STARTS_KEPT) this.#starts.push(entry)
    else {
      this.#starts[this.#nextStart] = entry
      this.#nextStart = (this.#nextStart + 1) % STARTS_KEPT
    }
  }

  /** File position of the first batch with lastOffset >= offset (size when none). */
  async positionOf(offset: bigint): Promise<number> {
    for (const s of this.#starts) if (s.offset === offset && s.position <= this.size) return s.position
    const start = (await this.offsetIndex()).lookup(offset).position
    let found = this.size
    await this.scanHeaders(start, (h) => {
      if (h.baseOffset + BigInt(h.lastOffsetDelta) >= offset) {
        found = h.position
        return false
      }
      return true
    })
    return found
  }

  // ------------------------------------------------------------------------------ recovery

  /**
   * Re-reads the segment: validates every batch (length, magic, CRC, offsets increasing from
   * `minOffset`), rebuilds both indexes and the cadence, truncates the file at the first invalid
   * byte, and rewrites the index files. `onBatch` sees each valid batch (leader-epoch rebuild).
   */
  async recover(
    indexIntervalBytes: number,
    minOffset: bigint,
    onBatch?: (h: BatchHeader, batch: Buffer) => void,
  ): Promise<RecoverResult> {
    this.#cuts++
    this.#starts.length = 0
    const fileSize = await this.#ctx.pool.use(this.logPath, (h) => h.size())
    const cadence = new IndexCadence(this.baseOffset)
    const oi = new OffsetIndex(this.baseOffset)
    const ti = new TimeIndex(this.baseOffset)
    let expected = minOffset > this.baseOffset ? minOffset : this.baseOffset
    let valid = 0
    let invalid = false
    while (valid < fileSize && !invalid) {
      let want = Math.min(RECOVER_CHUNK, fileSize - valid)
      const head = await this.#ctx.pool.use(this.logPath, (h) => readFully(h, Math.min(want, 12), valid))
      if (head.length === 12) {
        const size = LOG_OVERHEAD + head.readInt32BE(OFF_BATCH_LENGTH)
        if (size > want && size <= fileSize - valid) want = size
      }
      const chunk = await this.#ctx.pool.use(this.logPath, (h) => readFully(h, want, valid))
      const base = valid
      const scan = scanBatches(chunk, 0, chunk.length, true, (pos, size) => {
        if (invalid) return
        const h = readBatchHeader(chunk, pos)
        const last = h.baseOffset + BigInt(h.lastOffsetDelta)
        if (h.baseOffset < expected || h.lastOffsetDelta < 0 || last - this.baseOffset > 0x7fffffffn) {
          invalid = true
          return
        }
        h.position = base + pos
        onBatch?.(h, chunk.subarray(pos, pos + size))
        const entries = cadence.onAppend(
          base + pos,
          h.maxTimestamp,
          size,
          last,
          h.maxTimestamp,
          last,
          indexIntervalBytes,
        )
        if (entries.offsetEntry !== undefined)
          oi.append(entries.offsetEntry.offset, entries.offsetEntry.position)
        if (entries.timeEntry !== undefined)
          ti.maybeAppend(entries.timeEntry.timestamp, entries.timeEntry.offset)
        expected = last + 1n
        valid = base + pos + size
      })
      if (scan.problem !== undefined) {
        // 'truncated' at the chunk end just means the next batch continues in the next chunk.
        const atChunkEnd = scan.problem === 'truncated' && base + chunk.length < fileSize && scan.position > 0
        if (!atChunkEnd) invalid = true
      } else if (valid === base) invalid = true
    }
    const truncated = valid < fileSize
    if (truncated) await this.#ctx.pool.use(this.logPath, (h) => h.truncate(valid))
    this.size = valid
    this.cadence = cadence
    this.#offsetIndex = oi
    this.#timeIndex = ti
    this.#largestTimestamp = undefined
    oi.markPersisted(0)
    ti.markPersisted(0)
    await this.#rewriteIndexFiles()
    this.aborted = this.aborted.filter((t) => t.lastOffset < expected)
    await this.rewriteTxnIndex()
    return { validBytes: valid, truncated, nextOffset: expected }
  }

  async #rewriteIndexFiles(): Promise<void> {
    this.#indexFiles.clear()
    await Promise.all(
      [INDEX_SUFFIX, TIME_INDEX_SUFFIX].map((suffix) =>
        this.#ctx.pool.use(this.path(suffix), (h) => h.truncate(0), true),
      ),
    )
    await this.flushIndexes(false)
  }

  /** Rebuilds the indexes of an inactive segment whose index files were missing or invalid. */
  async rebuildIndexes(indexIntervalBytes = 4096): Promise<void> {
    const wasActive = this.cadence !== undefined
    await this.recover(indexIntervalBytes, this.baseOffset)
    if (!wasActive) {
      const cadence = this.cadence!
      this.cadence = undefined
      if (cadence.maxTimestampSoFar >= 0n)
        this.#timeIndex!.maybeAppend(cadence.maxTimestampSoFar, cadence.offsetOfMaxTimestampSoFar)
      await this.flushIndexes(false)
    }
  }

  /** Cuts the log file at `position` (a batch boundary) and rebuilds the indexes. */
  async truncateAt(position: number, indexIntervalBytes: number): Promise<RecoverResult> {
    this.#cuts++
    this.#starts.length = 0
    await this.#ctx.pool.use(this.logPath, (h) => h.truncate(position))
    this.size = position
    return this.recover(indexIntervalBytes, this.baseOffset)
  }

  async sync(): Promise<void> {
    await this.#ctx.pool.use(this.logPath, (h) => h.sync())
  }

  /** fsyncs the log and whichever index files exist, writing nothing (safe outside the queue). */
  async syncFiles(): Promise<void> {
    await this.sync()
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
      try {
        await this.#ctx.pool.use(this.path(suffix), (h) => h.sync())
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
  }

  // ------------------------------------------------------------------------------ txn index

  /**
   * Loads the .txnindex; a damaged tail (a crash during an unsynced write) is cut off. Returns
   * false when it was damaged (the loader then rebuilds the entries from the log).
   */
  async loadTxnIndex(): Promise<boolean> {
    const path = this.path(TXN_INDEX_SUFFIX)
    let bytes: Buffer
    try {
      bytes = await this.#ctx.fs.readFile(path)
    } catch (err) {
      if (!isNotFound(err)) throw err
      bytes = Buffer.alloc(0)
    }
    const { entries, validBytes } = decodeTxnIndexPrefix(bytes)
    if (validBytes < bytes.length) await this.#ctx.pool.use(path, (h) => h.truncate(validBytes))
    this.aborted = entries
    this.#txnPersisted = this.aborted.length
    return validBytes === bytes.length
  }

  /** fsyncs the .txnindex when there is one (before the recovery point moves past it). */
  async syncTxnIndex(): Promise<void> {
    if (this.aborted.length === 0 && this.#txnPersisted === 0) return
    try {
      await this.#ctx.pool.use(this.path(TXN_INDEX_SUFFIX), (h) => h.sync())
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }

  /** Appends an entry to the .txnindex; with `sync`, fsyncs the file too. */
  async appendTxn(txn: AbortedTxn, sync = false): Promise<void> {
    this.aborted.push(txn)
    await this.#ctx.pool.use(
      this.path(TXN_INDEX_SUFFIX),
      async (h) => {
        const from = this.#txnPersisted
        const data = Buffer.concat(this.aborted.slice(from).map(encodeAbortedTxn))
        await writeFully(h, data, from * TXN_ENTRY_SIZE)
        this.#txnPersisted = this.aborted.length
        if (sync) await h.sync()
      },
      true,
    )
  }

  /**
   * Makes the .txnindex hold exactly `entries` (derived from the log by recovery), durably: a
   * file whose bytes differ is replaced atomically (or removed when there are none), one that
   * matches is fsynced as it is. Returns whether a directory entry changed (the caller fsyncs
   * the directory).
   */
  async replaceTxnIndex(entries: AbortedTxn[]): Promise<boolean> {
    const path = this.path(TXN_INDEX_SUFFIX)
    const want = Buffer.concat(entries.map(encodeAbortedTxn))
    this.aborted = entries
    this.#txnPersisted = entries.length
    await this.#ctx.pool.close(path)
    let have: Buffer | undefined
    try {
      have = await this.#ctx.fs.readFile(path)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    if (have === undefined && want.length === 0) return false
    if (have !== undefined && have.equals(want)) {
      await this.#ctx.pool.use(path, (h) => h.sync())
      return false
    }
    if (want.length > 0) {
      await writeFileAtomic(this.#ctx.fs, path, want)
      return false
    }
    await this.#ctx.fs.unlink(path)
    return true
  }

  /**
   * Makes the .txnindex match `aborted` after recovery or truncation dropped entries. Those only
   * ever drop a tail (entries are in ABORT-marker order), so this cuts the file to the kept
   * prefix with one truncate: rewriting it whole would leave it empty if a crash came between
   * the truncate and the write, losing aborted transactions. Anything else (not expected) is
   * replaced atomically.
   */
  async rewriteTxnIndex(): Promise<void> {
    const path = this.path(TXN_INDEX_SUFFIX)
    const st = await this.#ctx.fs.stat(path)
    if (st === undefined && this.aborted.length === 0) return
    const want = this.aborted.length * TXN_ENTRY_SIZE
    if (st !== undefined && this.aborted.length <= this.#txnPersisted) {
      if (st.size !== want) await this.#ctx.pool.use(path, (h) => h.truncate(want))
    } else {
      await this.#ctx.pool.close(path)
      await writeFileAtomic(this.#ctx.fs, path, Buffer.concat(this.aborted.map(encodeAbortedTxn)), {
        sync: false,
      })
    }
    this.#txnPersisted = this.aborted.length
  }

  // ------------------------------------------------------------------------------ deletion

  /** Renames the segment's files to `.deleted` (Kafka's async delete); returns the new paths. */
  async markDeleted(): Promise<string[]> {
    // The four files at once: a crash between their renames leaves a .log without some index
    // (rebuilt at load) or indexes without a .log (deleted at load), whichever finished first.
    // Retention holds the partition's lock meanwhile, so these are round trips appends wait for.
    const renamed = await Promise.all(
      [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX].map(async (suffix) => {
        const path = this.path(suffix)
        await this.#ctx.pool.close(path)
        try {
          await this.#ctx.fs.rename(path, path + DELETED_SUFFIX)
        } catch (err) {
          if (isNotFound(err)) return undefined
          throw err
        }
        return path + DELETED_SUFFIX
      }),
    )
    return renamed.filter((p) => p !== undefined)
  }

  async closeFiles(): Promise<void> {
    await Promise.all(
      [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX].map((s) =>
        this.#ctx.pool.close(this.path(s)),
      ),
    )
  }

  get dir(): string {
    return dirname(this.logPath)
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT'
}
