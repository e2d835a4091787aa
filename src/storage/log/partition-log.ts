// The disk PartitionLog: one partition directory of segments (segment.ts), loaded by loader.ts.
//
// Concurrency: every change (append, roll, flush, truncation, retention, close) runs one at a
// time on a per-partition queue; offsets are assigned inside it, so they follow queue order.
// Appends wait in a list and are written by a drain task on the queue: all appends that arrived
// since the previous drain go out in one pwritev (per segment), so a partition under many
// concurrent produce requests makes one thread-pool write per drain instead of one each, in
// order, and each append is acknowledged only after its bytes were written. On an idle
// partition the drain takes the queue slot at once and runs from a microtask (#drainNow): still
// after every append made in the same tick, but its first group is planned and written without
// the queue's async layers when it needs no roll and its file is open (the single-append case).
// The log end offset moves only after a write has completed, so reads (which do not queue)
// never see a partial batch. In durable mode the fsync happens after the queue slot is released,
// through the store's group committer, so the next append's write overlaps the previous fsync.
//
// Flushing: an append that reaches flush.messages, and every append in durable mode, is
// acknowledged only once its data is fsynced. That fsync is of the segment data alone (plus any
// earlier segment whose data is not yet known synced, and the directory once after a roll
// created a file) and runs through the group committer after the queue slot is released, so
// concurrent appends on one partition and across partitions share one fsync round. Index files
// and the leader-epoch checkpoint are not fsynced per append: the recovery point does not move
// on these fsyncs, so a restart after a crash rebuilds indexes and epochs from the recovery
// point. The recovery point moves only after a full flush (data, indexes, directory, epoch
// checkpoint): on flush(), flush.ms, close, before compaction, and after a roll (a scheduled
// flush of the finished segment, as Kafka does).

import { dirname } from 'node:path'
import { KafkaError } from '../../protocol/errors.ts'
import { OFF_LAST_OFFSET_DELTA } from '../../protocol/records/batch-header.ts'
import { assignOffsets, type AssignedAppend } from '../append.ts'
import {
  fsError,
  SYNC_WRITE_MAX_BYTES,
  writeFileAtomic,
  writeFully,
  writevFully,
  writevFullySync,
  type FileHandle,
  type FileSystem,
} from '../fs.ts'
import { LeaderEpochCache } from '../leader-epoch-cache.ts'
import type {
  AbortedTxn,
  AppendOptions,
  AppendResult,
  LogConfig,
  PartitionLog,
  ProducerSnapshot,
  ProducerStateListener,
  ReadOptions,
  ReadResult,
  TimestampLookup,
  TopicPartition,
} from '../log-store.ts'
import { findInBatchByTimestamp, offsetOfMaxTimestamp, type Decompressor } from '../record-timestamps.ts'
import { retentionDeleteCount, shouldRoll, type IndexCadence } from '../segment-policy.ts'
import {
  cleanLog,
  planClean,
  shouldClean,
  type CleanableLog,
  type CleanerSegment,
  type CleanPlan,
  type CleanResult,
  sameAbortedTxns,
  type SegmentRewrite,
} from '../cleaner/cleaner.ts'
import type { CompactableLog } from '../cleaner/round.ts'
import { encodeLeaderEpochCheckpoint } from './checkpoint-file.ts'
import { encodeAbortedTxn } from './txn-index.ts'
import {
  CLEANED_SUFFIX,
  INDEX_SUFFIX,
  LEADER_EPOCH_CHECKPOINT,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
} from './file-names.ts'
import type { GroupCommitter } from './group-commit.ts'
import type { HandlePool } from './handle-pool.ts'
import type { LoadedLog } from './loader.ts'
import type { ProducerSnapshots } from './producer-snapshots.ts'
import { Segment, SegmentRetiredError } from './segment.ts'

/** Most bytes and appends written by one pwritev of coalesced appends. */
const MAX_GROUP_BYTES = 4 * 1024 * 1024
const MAX_GROUP_APPENDS = 1024

interface AppendOutcome {
  result: AppendResult
  /** Segments to fsync before acknowledging (durable mode, flush.messages). */
  syncSegments?: Segment[]
}

/** An append whose offsets and index entries are planned, to be adopted once written. */
interface Planned {
  options: AppendOptions
  assigned: AssignedAppend
  entries: IndexEntries
}

/** One group of appends planned by #planGroup (see there). */
interface GroupPlan {
  group: (Planned & { p: PendingAppend })[]
  buffers: Buffer[]
  /** Index of the first append not in the group. */
  i: number
  active: Segment
  cadence: IndexCadence
  /** Segment size and log end offset once the group is written. */
  end: number
  next: bigint
  now: number
  /** Set (the group then empty) when the append at `i` needs a roll to this offset first. */
  rollAt?: bigint
}

interface PendingAppend {
  records: Buffer
  options: AppendOptions
  resolve: (outcome: AppendOutcome) => void
  reject: (err: unknown) => void
}

type IndexEntries = ReturnType<IndexCadence['onAppend']>

/** Writes `buf` at `position`: one write, continued only after a short write. */
function writeOnce(h: FileHandle, buf: Buffer, position: number): Promise<void> {
  return h
    .write(buf, 0, buf.length, position)
    .then((n) => (n === buf.length ? undefined : writeFully(h, buf.subarray(n), position + n)))
}

/**
 * Groups up to this size are written on the event loop (writevSync into the page cache) when the
 * log is not durable: for W1 (1 KiB records in batches of up to 1 MiB) that is more throughput for
 * less CPU than a round trip through libuv's thread pool. Durable logs keep large writes in the
 * pool: there a write may wait behind the fsync in flight on the same file (W7 measured slower).
 */
const SYNC_GROUP_MAX_BYTES = 1024 * 1024
const WRITTEN = Promise.resolve()

/** Bytes read per chunk when the cleaner walks a segment. */
const CLEAN_READ_CHUNK = 1024 * 1024
/**
 * Readers retry this often when segments are replaced under them (each retry after the
 * replacement in progress has finished, so only that many back-to-back replacements fail a read).
 */
const RETIRED_RETRIES = 16

export interface DiskLogContext {
  fs: FileSystem
  pool: HandlePool
  committer: GroupCommitter
  /** fsyncs a directory (batched across partitions by the store). */
  syncDir: (path: string) => Promise<void>
  dir: string
  now: () => number
  decompress?: Decompressor
  /** Called when the log start offset moved (the store rewrites its checkpoint). */
  onLogStartOffsetChange: () => Promise<void>
  /** Files renamed to .deleted, to be unlinked after file.delete.delay.ms. */
  scheduleDelete: (paths: string[], delayMs: number) => void
  /**
   * Writes the store's recovery-point checkpoint durably. The cleaner calls it before swapping
   * segments in: the loader accepts offset gaps only below the checkpointed recovery point.
   */
  writeCheckpoints?: () => Promise<void>
}

export class DiskPartitionLog implements PartitionLog, CompactableLog {
  readonly topicPartition: TopicPartition
  /** An append's buffers are only read by its write, which is done when the append resolves. */
  readonly retainsAppended = false
  readonly #ctx: DiskLogContext
  #config: LogConfig
  #segments: Segment[]
  #logStartOffset: bigint
  #nextOffset: bigint
  #recoveryPoint: bigint
  /** Offset below which the segment data (not necessarily indexes) is known fsynced. */
  #dataSyncedTo: bigint
  /** Bumped by truncation, so a group-commit round begun before it cannot move #dataSyncedTo. */
  #truncations = 0
  /** A roll created a segment file whose directory entry has not been fsynced. */
  #segmentDirUnsynced = false
  /** Bumped when a roll creates a segment file (a directory fsync begun earlier misses it). */
  #segmentFiles = 0
  #epochWrites: Promise<void> = Promise.resolve()
  #firstUnstableOffset: bigint | undefined
  readonly #epochs: LeaderEpochCache
  #epochsDirty = false
  /** The partition directory (and its entry in the log dir) still need an fsync. */
  #dirsUnsynced: boolean
  /** The checkpoint file was last written without fsync. */
  #epochsUnsynced = false
  #queue: Promise<unknown> = Promise.resolve()
  /** Changes queued or running on #queue (0: an append may drain at once, see #drainNow). */
  #queued = 0
  /**
   * The one change running is a drain that has settled all its appends and has nothing left to
   * do but return; its callers resume before it does, and their next append need not wait.
   */
  #drainSettled = false
  /** Releases a queue slot (see #exclusive, #drainNow). */
  readonly #release = (): void => {
    this.#queued--
    this.#drainSettled = false
  }
  /** Appends waiting for the next drain (see #drain), and whether one is queued. */
  #pending: PendingAppend[] = []
  #drainQueued = false
  #unflushedMessages = 0
  #flushTimer: NodeJS.Timeout | undefined
  /** Set after a failed write or fsync left the file in an unknown state: appends are refused. */
  #failed: Error | undefined
  /**
   * Settles once the segment replacement in progress (compaction's swap, a full truncation) has
   * retired the old segments and put the new ones in #segments; a reader that met a retired
   * segment waits for it before it retries (see #replacing).
   */
  #replaced: Promise<void> = WRITTEN
  #closed = false
  /**
   * First-batch max timestamps of inactive segments (max.compaction.lag.ms). A segment's first
   * batch changes only when a truncation cuts it, which drops the entry.
   */
  readonly #firstBatchTimestamps = new WeakMap<Segment, bigint>()
  readonly #producerSnapshots: ProducerSnapshots
  #producerStateListener: ProducerStateListener | undefined

  constructor(tp: TopicPartition, config: LogConfig, ctx: DiskLogContext, loaded: LoadedLog) {
    this.topicPartition = tp
    this.#config = config
    this.#ctx = ctx
    this.#segments = loaded.segments
    this.#logStartOffset = loaded.logStartOffset
    this.#nextOffset = loaded.nextOffset
    this.#recoveryPoint = loaded.recoveryPoint
    this.#dataSyncedTo = loaded.recoveryPoint
    this.#dirsUnsynced = !loaded.dirsSynced
    this.#epochs = new LeaderEpochCache(loaded.epochs, () => {
      this.#epochsDirty = true
    })
    this.#producerSnapshots = loaded.producerSnapshots
  }

  // ------------------------------------------------------------------------------ offsets

  logStartOffset(): bigint {
    return this.#logStartOffset
  }

  logEndOffset(): bigint {
    return this.#nextOffset
  }

  highWatermark(): bigint {
    return this.#nextOffset
  }

  lastStableOffset(): bigint {
    const fuo = this.#firstUnstableOffset
    return fuo !== undefined && fuo < this.#nextOffset ? fuo : this.#nextOffset
  }

  /** Offset below which everything is known to be fsynced. */
  recoveryPoint(): bigint {
    return this.#recoveryPoint
  }

  sizeInBytes(): number {
    return this.#segments.reduce((n, s) => n + s.size, 0)
  }

  segmentBaseOffsets(): bigint[] {
    return this.#segments.map((s) => s.baseOffset)
  }

  /** Drops cached indexes of inactive segments unused for `idleMs`. */
  dropIdleIndexes(now: number, idleMs: number): void {
    for (const s of this.#segments)
      if (s.cadence === undefined && now - s.lastUsedMs > idleMs) s.dropIndexes()
  }

  #name(): string {
    return `${this.topicPartition.topic}-${this.topicPartition.partition}`
  }

  #active(): Segment {
    return this.#segments[this.#segments.length - 1]!
  }

  /**
   * Runs `fn`, which retires segments and then (after awaits: renames, fsyncs, index rebuilds)
   * installs their replacements, as the replacement readers wait for (#replaced). Runs under
   * #exclusive, so replacements never overlap.
   */
  async #replacing<T>(fn: () => Promise<T>): Promise<T> {
    let resolve = (): void => undefined
    this.#replaced = new Promise<void>((r) => (resolve = r))
    try {
      return await fn()
    } finally {
      resolve()
    }
  }

  /**
   * Runs a read again when a segment it used was replaced under it (SegmentRetiredError), once the
   * replacement has finished: retrying at once would only meet the same retired segments, which
   * stay in #segments until the swap's file work is done, and fail the read (a Fetch then answered
   * UNKNOWN_SERVER_ERROR, which KafkaJS treats as fatal).
   */
  async #retryRetired<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        if (!(err instanceof SegmentRetiredError)) throw err
        // A replacement that failed half way leaves the log failed: say so, not "retired".
        if (this.#failed !== undefined) throw this.#failed
        if (attempt >= RETIRED_RETRIES) throw err
        await this.#replaced
      }
    }
  }

  /** Runs `fn` after every earlier change of this partition has finished. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#queued++
    const run = this.#queue.then(() => {
      if (this.#closed) throw new KafkaError('KAFKA_STORAGE_ERROR', `log ${this.#name()} is closed`)
      return fn()
    })
    this.#queue = run.then(this.#release, this.#release)
    return run
  }

  #storageError(what: string, err: unknown): KafkaError {
    if (err instanceof KafkaError) return err
    return new KafkaError('KAFKA_STORAGE_ERROR', `${what} failed for ${this.#name()}: ${String(err)}`, {
      cause: err,
    })
  }

  // ------------------------------------------------------------------------------ append

  append(records: Buffer, options: AppendOptions): Promise<AppendResult> {
    return new Promise<AppendOutcome>((resolve, reject) => {
      this.#pending.push({ records, options, resolve, reject })
      if (this.#drainQueued) return
      this.#drainQueued = true
      const idle = this.#queued === 0 || (this.#queued === 1 && this.#drainSettled)
      if (idle && !this.#closed) {
        // Nothing ahead on the queue: take the slot now and drain from a microtask (see
        // #drainNow), so appends made in this same tick are still coalesced.
        this.#queued++
        this.#queue = new Promise<void>((released) => {
          queueMicrotask(() => this.#drainNow(released))
        })
        return
      }
      this.#exclusive(() => this.#drain()).catch((err: unknown) => {
        // The queue refused (the log closed): fail whatever was waiting for this drain.
        this.#drainQueued = false
        for (const p of this.#pending.splice(0)) p.reject(err)
      })
    }).then(this.#finishAppend)
  }

  /**
   * The append made synchronously, as Kafka's request thread appends to the page cache: when the
   * partition is idle (no change queued or running, no append waiting), the append is small, the
   * segment file is open and the append needs no roll and no fsync before its acknowledgement
   * (not durable, flush.messages not reached), its bytes are written with one writeSync and
   * adopted at once; otherwise undefined, nothing done (assignOffsets patches the header in place
   * and is repeated by append()). Same bookkeeping as a drain of one append (#adopt), so the log
   * end offset still moves only once the bytes are written.
   */
  tryAppendNow(records: Buffer, options: AppendOptions): AppendResult | undefined {
    const config = this.#config
    const size = records.length
    if (
      config.durable ||
      size > SYNC_WRITE_MAX_BYTES ||
      size > config.segmentBytes ||
      this.#drainQueued ||
      this.#closed ||
      this.#failed !== undefined ||
      !(this.#queued === 0 || (this.#queued === 1 && this.#drainSettled))
    )
      return undefined
    const active = this.#active()
    const cadence = active.cadence
    const path = active.logPath
    const now = this.#ctx.now()
    const h = cadence === undefined ? undefined : this.#ctx.pool.pin(path, now)
    if (h === undefined) return undefined
    try {
      if (h.writeSync === undefined) return undefined
      const assigned = assignOffsets(records, this.#nextOffset, options)
      const at = active.size
      const check = { size: at, createdMs: active.createdMs, cadence: cadence! }
      if (
        this.#unflushedMessages + assigned.records >= config.flushMessages ||
        shouldRoll(check, config, now, size, assigned.maxTimestamp, assigned.lastOffset)
      )
        return undefined
      try {
        for (let done = 0; done < size;) {
          const n = h.writeSync(done === 0 ? records : records.subarray(done), at + done)
          if (n <= 0) throw fsError('EIO', `write made no progress at byte ${at + done}`)
          done += n
        }
      } catch (err) {
        // As after a failed drain write: the undo runs on the queue, so later appends wait for it.
        this.#exclusive(() => this.#undoWrite(active, at, err)).catch(() => undefined)
        throw this.#storageError('write', err)
      }
      const planned: Planned = { options, assigned, entries: this.#planIndex(cadence!, at, size, assigned) }
      this.#adopt(active, cadence!, [planned], at + size, assigned.lastOffset + 1n, now)
      return this.#result(planned)
    } finally {
      this.#ctx.pool.unpin(path, now)
    }
  }

  /** Waits for the fsync an append needs before it is acknowledged (durable, flush.messages). */
  readonly #finishAppend = ({ result, syncSegments }: AppendOutcome): AppendResult | Promise<AppendResult> =>
    syncSegments === undefined ? result : this.#syncAppend(result, syncSegments)

  async #syncAppend(result: AppendResult, syncSegments: Segment[]): Promise<AppendResult> {
    const truncations = this.#truncations
    try {
      await Promise.all(syncSegments.map((seg) => this.#syncSegmentData(seg)))
    } catch (err) {
      this.#failed = this.#storageError('fsync', err)
      throw this.#failed
    }
    const end = result.lastOffset + 1n
    if (truncations === this.#truncations && end > this.#dataSyncedTo) this.#dataSyncedTo = end
    return result
  }

  /** The drain task queued behind other changes: see #drainBatch. */
  async #drain(): Promise<void> {
    this.#drainQueued = false
    const batch = this.#pending
    this.#pending = []
    await this.#drainBatch(batch, 0)
  }

  /**
   * The drain of an idle partition, run from a microtask holding the queue slot: when the first
   * group needs nothing that waits before its write (no roll, the segment file already open, the
   * log not failed) it is planned and written straight away, without the async layers of
   * #appendGroup; otherwise, and for any appends left after that group, the general path runs.
   * Same order and bookkeeping as #appendGroup (it shares #planGroup and #commitGroup).
   */
  #drainNow(released: () => void): void {
    this.#drainQueued = false
    const batch = this.#pending
    this.#pending = []
    const done = (): void => {
      this.#release()
      released()
    }
    const plan = this.#failed === undefined ? this.#planGroup(batch, 0, this.#ctx.now(), false) : undefined
    const path = plan?.active.logPath
    const h =
      plan !== undefined && plan.group.length > 0 && path !== undefined ? this.#ctx.pool.pin(path) : undefined
    if (plan === undefined || path === undefined || h === undefined || plan.rollAt !== undefined) {
      // Appends rejected while planning are rejected again there (a no-op on a settled promise).
      void this.#drainBatch(batch, 0).then(done)
      return
    }
    const at = plan.active.size
    const write = this.#writeGroup(h, plan, at)
    // The slot is released in the same step that settles the last appends (before their
    // callers resume), so a caller appending again finds the partition idle.
    const rest = (): void | Promise<void> =>
      plan.i < batch.length ? this.#drainBatch(batch, plan.i).then(done) : done()
    write
      .then(
        () => {
          this.#ctx.pool.unpin(path)
          const committed = this.#commitGroup(plan)
          return committed === undefined ? rest() : committed.then(rest)
        },
        (err: unknown) => {
          this.#ctx.pool.unpin(path)
          return this.#failGroup(plan, err).then(rest)
        },
      )
      .catch((err: unknown) => {
        // Not expected (each step settles its appends); never leave an append hanging.
        const e = this.#storageError('append', err)
        for (const p of batch) p.reject(e)
        done()
      })
  }

  /**
   * Writes the appends of `batch` from `start`, in queue order, as few writes as possible:
   * consecutive appends to one segment go out in one pwritev (a roll, a failure or the group
   * limits start a new group). Appends that arrive while a group is being written wait for the
   * next drain, queued behind it, and are coalesced there. Never throws: each append is settled.
   */
  async #drainBatch(batch: PendingAppend[], start: number): Promise<void> {
    let i = start
    try {
      while (i < batch.length) i = await this.#appendGroup(batch, i)
    } catch (err) {
      // Not expected (#appendGroup settles each append itself); never leave an append hanging.
      // Settling an append twice is a no-op, so the group in hand is rejected with the rest.
      const e = this.#storageError('append', err)
      for (let j = i; j < batch.length; j++) batch[j]!.reject(e)
    }
  }

  /**
   * Writes the appends from `start` that form one group (rolling first if the first needs it);
   * returns the index of the first append not handled.
   */
  async #appendGroup(batch: PendingAppend[], start: number): Promise<number> {
    if (this.#failed !== undefined) {
      const err = new KafkaError('KAFKA_STORAGE_ERROR', `log ${this.#name()} is offline after an I/O error`, {
        cause: this.#failed,
      })
      for (let i = start; i < batch.length; i++) batch[i]!.reject(err)
      return batch.length
    }
    const now = this.#ctx.now()
    let plan = this.#planGroup(batch, start, now, false)
    if (plan.rollAt !== undefined) {
      try {
        await this.#roll(plan.rollAt)
      } catch (err) {
        batch[plan.i]!.reject(err)
        return plan.i + 1
      }
      plan = this.#planGroup(batch, plan.i, now, true)
    }
    if (plan.group.length === 0) return plan.i
    const at = plan.active.size
    try {
      // Creating: a new partition's first segment file is made by its first append (loader.ts).
      await this.#ctx.pool.use(plan.active.logPath, (h) => this.#writeGroup(h, plan, at), true)
    } catch (err) {
      await this.#failGroup(plan, err)
      return plan.i
    }
    await this.#commitGroup(plan)
    // The drain's last group (nothing queued behind it, as #queued then counts it alone).
    if (plan.i === batch.length) this.#drainSettled = true
    return plan.i
  }

  /** Writes a planned group at `at`: on the event loop when small enough (see SYNC_GROUP_MAX_BYTES). */
  #writeGroup(h: FileHandle, plan: GroupPlan, at: number): Promise<void> {
    const buffers = plan.buffers
    if (!this.#config.durable && plan.end - at <= SYNC_GROUP_MAX_BYTES && h.writevSync !== undefined) {
      try {
        writevFullySync(h, buffers, at)
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)))
      }
      return WRITTEN
    }
    return buffers.length === 1 ? writeOnce(h, buffers[0]!, at) : writevFully(h, buffers, at)
  }

  /**
   * Assigns offsets to the appends from `start` and plans as many as form one group in the
   * active segment: rejects those that are too large or malformed, and stops at the group
   * limits or at an append that needs a roll (`rollAt` when that is the first one; `rolled`
   * says the active segment was just rolled for it). The index bookkeeping is planned on a copy
   * of the segment's cadence (so roll checks see the appends before them in the group) and
   * adopted by #commitGroup only once the write has succeeded; the log end offset moves only
   * then too.
   */
  #planGroup(batch: PendingAppend[], start: number, now: number, rolled: boolean): GroupPlan {
    const config = this.#config
    const active = this.#active()
    const cadence = active.cadence!.clone()
    let position = active.size
    let next = this.#nextOffset
    const group: (Planned & { p: PendingAppend })[] = []
    const buffers: Buffer[] = []
    let groupBytes = 0
    let i = start
    for (; i < batch.length; i++) {
      const p = batch[i]!
      const size = p.records.length
      if (size > config.segmentBytes) {
        p.reject(
          new KafkaError(
            'RECORD_LIST_TOO_LARGE',
            `append of ${size} bytes exceeds segment.bytes ${config.segmentBytes}`,
          ),
        )
        continue
      }
      if (group.length > 0 && (groupBytes + size > MAX_GROUP_BYTES || group.length >= MAX_GROUP_APPENDS))
        break
      let assigned: AssignedAppend
      try {
        assigned = assignOffsets(p.records, next, p.options)
      } catch (err) {
        p.reject(err)
        continue
      }
      const check = { size: position, createdMs: active.createdMs, cadence }
      const fresh = rolled && i === start
      if (!fresh && shouldRoll(check, config, now, size, assigned.maxTimestamp, assigned.lastOffset)) {
        // A group stays within one segment: write what is planned, roll in the next group.
        if (group.length === 0)
          return { group, buffers, i, active, cadence, end: position, next, now, rollAt: next }
        break
      }
      const entries = this.#planIndex(cadence, position, size, assigned)
      group.push({ p, options: p.options, assigned, entries })
      buffers.push(p.records)
      groupBytes += size
      position += size
      next = assigned.lastOffset + 1n
    }
    return { group, buffers, i, active, cadence, end: position, next, now }
  }

  /** After a failed write of a group: undoes it (see #undoWrite) and rejects its appends. */
  #failGroup(plan: GroupPlan, err: unknown): Promise<void> {
    return this.#undoWrite(plan.active, plan.active.size, err).catch((e: unknown) => {
      for (const g of plan.group) g.p.reject(e)
    })
  }

  /** Adopts a written group and acknowledges its appends (after any directory fsync needed). */
  #commitGroup(plan: GroupPlan): void | Promise<void> {
    const { group } = plan
    if (!this.#adopt(plan.active, plan.cadence, group, plan.end, plan.next, plan.now)) {
      for (const g of group) g.p.resolve({ result: this.#result(g) })
      return
    }
    return this.#prepareSync().then(
      (syncSegments) => {
        for (const g of group) g.p.resolve({ result: this.#result(g), syncSegments })
      },
      (err: unknown) => {
        for (const g of group) g.p.reject(err)
      },
    )
  }

  #planIndex(cadence: IndexCadence, position: number, size: number, assigned: AssignedAppend): IndexEntries {
    return cadence.onAppend(
      position,
      assigned.batches[0]!.maxTimestamp,
      size,
      assigned.lastOffset,
      assigned.maxTimestamp,
      assigned.offsetOfMaxTimestamp,
      this.#config.indexIntervalBytes,
    )
  }

  /**
   * After a failed write: undoes a partial write so the file ends at the last whole batch; if
   * even that fails the file's tail is unknown and the log stops taking appends (recovery fixes
   * it on restart). Always rejects, with the error to give the appends.
   */
  async #undoWrite(active: Segment, at: number, err: unknown): Promise<never> {
    try {
      await this.#ctx.pool.use(active.logPath, (h) => h.truncate(at))
    } catch (undoErr) {
      this.#failed = this.#storageError('truncate after failed write', undoErr)
    }
    throw this.#storageError('write', err)
  }

  /**
   * Adopts a written group: its index entries and cadence, leader epochs, the segment size and
   * then the log end offset. Returns whether the appends must be fsynced before they are
   * acknowledged (durable mode, flush.messages); otherwise arms the flush.ms timer.
   */
  #adopt(
    active: Segment,
    cadence: IndexCadence,
    group: Planned[],
    end: number,
    next: bigint,
    now: number,
  ): boolean {
    const config = this.#config
    active.cadence = cadence
    let records = 0
    for (const g of group) {
      active.indexAppend(g.entries)
      // The checkpoint is written by the next flush, before the recovery point moves past these
      // offsets; until then recovery rebuilds the epochs from the batches (Kafka writes it here
      // without fsync, which a crash may lose anyway).
      this.#epochs.assign(g.options.leaderEpoch, g.assigned.firstOffset)
      records += g.assigned.records
    }
    active.size = end
    active.lastModifiedMs = now
    this.#nextOffset = next

    const durable = config.durable
    this.#unflushedMessages += records
    if (durable || this.#unflushedMessages >= config.flushMessages) return true
    if (config.flushMs < Number.MAX_SAFE_INTEGER && this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined
        this.flush().catch(() => undefined)
      }, config.flushMs)
      this.#flushTimer.unref()
    }
    return false
  }

  /**
   * Before appends wait for an fsync: the directory fsyncs needed only when this partition's
   * directory or a rolled segment file is new. Returns the segments whose data to fsync (every
   * append of a group waits for it: they share it). Runs in the queue slot.
   */
  async #prepareSync(): Promise<Segment[]> {
    try {
      if (this.#dirsUnsynced) await this.#syncDirs()
      else if (this.#segmentDirUnsynced) await this.#ctx.syncDir(this.#ctx.dir)
    } catch (err) {
      throw this.#storageError('directory fsync', err)
    }
    this.#segmentDirUnsynced = false
    this.#unflushedMessages = 0
    return this.#dataUnsyncedSegments()
  }

  #result(g: Planned): AppendResult {
    return {
      baseOffset: g.assigned.firstOffset,
      lastOffset: g.assigned.lastOffset,
      logAppendTime: g.options.logAppendTime ?? -1n,
      logStartOffset: this.#logStartOffset,
      batches: g.assigned.batches.length,
      records: g.assigned.records,
    }
  }

  /**
   * Segment files that may hold data at or above #dataSyncedTo (the active one always). A round
   * may fsync them in parallel: if a crash keeps a later segment's data but loses an earlier
   * one's tail, recovery sees the gap and drops the later segment, and nothing in it was
   * acknowledged (its acknowledgement waits for the whole round).
   */
  #dataUnsyncedSegments(): Segment[] {
    const out: Segment[] = []
    for (let i = 0; i < this.#segments.length; i++) {
      const next = this.#segments[i + 1]
      if (next !== undefined && next.baseOffset <= this.#dataSyncedTo) continue
      out.push(this.#segments[i]!)
    }
    return out
  }

  /**
   * fsyncs a segment's data through the group committer. The round runs after the queue slot
   * is released, so retention or a truncation may have removed the segment meanwhile (its file
   * renamed to .deleted, then gone): that data was dropped on purpose and needs no fsync, so a
   * failure on a segment no longer in the log is not an error (the log stays online).
   */
  async #syncSegmentData(seg: Segment): Promise<void> {
    try {
      await this.#ctx.committer.sync(seg.logPath)
    } catch (err) {
      if (this.#segments.includes(seg)) throw err
    }
  }

  /** Seals the active segment and starts a new one at `baseOffset`. */
  async #roll(baseOffset: bigint): Promise<Segment> {
    const old = this.#active()
    const durable = this.#config.durable
    const now = this.#ctx.now()
    const seg = new Segment(
      { fs: this.#ctx.fs, pool: this.#ctx.pool, dir: this.#ctx.dir, now: this.#ctx.now },
      baseOffset,
      0,
      now,
      now,
    )
    seg.initEmpty()
    try {
      await old.seal(durable)
      // Durable mode: everything in older segments is on disk before anything in the new one, so
      // a crash can never keep a later segment's data while losing the end of an earlier one.
      if (durable) await old.sync()
      if (durable && this.#dataSyncedTo >= old.baseOffset && baseOffset > this.#dataSyncedTo)
        this.#dataSyncedTo = baseOffset
      await seg.createFile()
      // Durable mode acknowledges data in the new file only once the file itself is durable;
      // otherwise the next append that must be fsynced syncs the directory first.
      this.#segmentFiles++
      if (durable) await this.#ctx.syncDir(this.#ctx.dir)
      else this.#segmentDirUnsynced = true
    } catch (err) {
      // The old segment may be half sealed: stop taking appends (a restart recovers).
      this.#failed = this.#storageError('roll', err)
      throw this.#failed
    }
    this.#segments.push(seg)
    this.#producerStateListener?.rolled(baseOffset)
    // Kafka's roll schedules a flush of the finished segment, moving the recovery point past it.
    // The fsyncs run outside the queue (a 1 GiB segment can take seconds to reach the disk).
    void this.#backgroundFlush(baseOffset)
    return seg
  }

  /**
   * Writes the leader-epoch checkpoint. On the append path without fsync (as Kafka does since
   * KAFKA-15046): recovery rebuilds epochs from the batches after the recovery point, and a
   * flush makes the checkpoint durable before the recovery point moves.
   */
  #writeEpochCheckpoint(sync: boolean): Promise<void> {
    // Serialised on their own chain: a roll's background flush writes it outside the queue, and
    // two writers would share the .tmp file. Each write takes the entries as they are when it
    // starts, so the last one written is the newest.
    const run = this.#epochWrites.then(async () => {
      this.#epochsDirty = false
      await writeFileAtomic(
        this.#ctx.fs,
        `${this.#ctx.dir}/${LEADER_EPOCH_CHECKPOINT}`,
        encodeLeaderEpochCheckpoint(this.#epochs.entries()),
        { sync },
      )
      this.#epochsUnsynced = !sync
    })
    this.#epochWrites = run.catch(() => undefined)
    return run
  }

  // ------------------------------------------------------------------------------ flush

  flush(): Promise<void> {
    return this.#exclusive(() => this.#flush())
  }

  async #flush(): Promise<void> {
    await this.#flushUpTo(this.#nextOffset)
  }

  /** fsyncs every segment holding offsets in [recovery point, offset), then moves the point. */
  async #flushUpTo(offset: bigint): Promise<void> {
    if (offset <= this.#recoveryPoint) return
    const target = offset
    try {
      for (let i = 0; i < this.#segments.length; i++) {
        const seg = this.#segments[i]!
        const next = this.#segments[i + 1]
        if (next !== undefined && next.baseOffset <= this.#recoveryPoint) continue
        if (seg.baseOffset >= target) break
        await Promise.all([seg.sync(), seg.flushIndexes(true), seg.syncTxnIndex()])
      }
      if (this.#epochsUnsynced || this.#epochsDirty) {
        // Replacing the checkpoint ends with an fsync of this directory, which also makes every
        // file created here before it durable: one directory fsync instead of two.
        await this.#writeEpochCheckpoint(true)
        if (this.#dirsUnsynced) {
          await this.#ctx.syncDir(dirname(this.#ctx.dir))
          this.#dirsUnsynced = false
        }
      } else if (this.#dirsUnsynced) await this.#syncDirs()
      else await this.#ctx.syncDir(this.#ctx.dir)
      this.#segmentDirUnsynced = false
    } catch (err) {
      throw this.#storageError('flush', err)
    }
    if (target > this.#recoveryPoint) this.#recoveryPoint = target
    if (target > this.#dataSyncedTo) this.#dataSyncedTo = target
    if (target >= this.#nextOffset) this.#unflushedMessages = 0
  }

  /**
   * Kafka's scheduled flush after a roll: fsyncs the finished segments below `upTo`, the
   * directory and the leader-epoch checkpoint entirely outside the queue, so appends never wait
   * for them (a 1 GiB segment can take seconds to reach the disk), then takes the queue only to
   * move the recovery point, with no I/O. The point moves only after every fsync succeeded, and
   * not when a truncation cut below `upTo` meanwhile; errors leave it where it was (recovery
   * re-scans from it).
   */
  async #backgroundFlush(upTo: bigint): Promise<void> {
    try {
      const rp = this.#recoveryPoint
      const truncations = this.#truncations
      const segments = this.#segments.filter((s, i) => {
        const next = this.#segments[i + 1]
        return s.baseOffset < upTo && (next === undefined || next.baseOffset > rp)
      })
      for (const seg of segments) await seg.syncFiles()
      const files = this.#segmentFiles
      if (this.#dirsUnsynced) await this.#syncDirs()
      else await this.#ctx.syncDir(this.#ctx.dir)
      if (this.#epochsUnsynced || this.#epochsDirty) await this.#writeEpochCheckpoint(true)
      await this.#exclusive(() => {
        // Only if no roll created a file since the directory fsync began.
        if (files === this.#segmentFiles) this.#segmentDirUnsynced = false
        // A truncation in between may have cut below upTo; then the point stays put.
        if (
          truncations === this.#truncations &&
          upTo <= this.#nextOffset &&
          upTo > this.#recoveryPoint &&
          this.#recoveryPoint >= rp
        ) {
          this.#recoveryPoint = upTo
          if (upTo > this.#dataSyncedTo) this.#dataSyncedTo = upTo
        }
        return Promise.resolve()
      })
    } catch {
      // Deleted by retention meanwhile, an I/O error, or the log closed: nothing to advance.
    }
  }

  /** Makes a new partition's directory durable: its entry in the log dir, then its contents. */
  async #syncDirs(): Promise<void> {
    try {
      await Promise.all([this.#ctx.syncDir(dirname(this.#ctx.dir)), this.#ctx.syncDir(this.#ctx.dir)])
    } catch (err) {
      throw this.#storageError('directory fsync', err)
    }
    this.#dirsUnsynced = false
  }

  // ------------------------------------------------------------------------------ read

  read(offset: bigint, maxBytes: number, options?: ReadOptions): Promise<ReadResult> {
    return this.#retryRetired(() => this.#readOnce(offset, maxBytes, options))
  }

  async #readOnce(offset: bigint, maxBytes: number, options?: ReadOptions): Promise<ReadResult> {
    if (this.#closed) throw new KafkaError('KAFKA_STORAGE_ERROR', `log ${this.#name()} is closed`)
    if (offset < this.#logStartOffset || offset > this.#nextOffset)
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${offset} is outside [${this.#logStartOffset}, ${this.#nextOffset}] of ${this.#name()}`,
      )
    const maxOffset = options?.maxOffset ?? this.highWatermark()
    const minOneBatch = options?.minOneBatch ?? true
    const lease = options?.lease
    const segments = this.#segments.slice()
    const out: Buffer[] = []
    let bytes = 0
    let i = floorIndex(segments, offset)
    let from: bigint | undefined = offset
    try {
      for (; i < segments.length; i++) {
        const seg = segments[i]!
        const end = seg.size
        const generation = seg.generation
        const start = from !== undefined ? await seg.positionOf(from) : 0
        from = undefined
        if (start >= end) continue
        const wantOne = minOneBatch && out.length === 0
        const budget = maxBytes - bytes
        if (budget <= 0 && !wantOne) break
        let chunk = await seg.read(start, Math.min(end - start, Math.max(budget, wantOne ? 61 : 0)), lease)
        let kept = wholeBatchesBelow(chunk, maxOffset)
        if (kept.bytes === 0 && wantOne && kept.firstSize > 0 && kept.firstBase < maxOffset) {
          // KIP-74: the first batch goes out whole even when it is larger than maxBytes.
          chunk = await seg.read(start, Math.min(kept.firstSize, end - start), lease)
          kept = wholeBatchesBelow(chunk, maxOffset)
        }
        if (kept.bytes > 0) {
          out.push(chunk.subarray(0, kept.bytes))
          bytes += kept.bytes
          // A consumer's next fetch starts here.
          seg.noteStart(kept.next, start + kept.bytes, generation)
        }
        if (kept.stoppedAtMaxOffset || kept.bytes < chunk.length || start + kept.bytes < end) break
      }
    } catch (err) {
      if (err instanceof KafkaError || err instanceof SegmentRetiredError) throw err
      // A segment deleted by retention under our feet: the offset is no longer in range.
      if (offset < this.#logStartOffset)
        throw new KafkaError(
          'OFFSET_OUT_OF_RANGE',
          `offset ${offset} was deleted while reading ${this.#name()}`,
        )
      throw this.#storageError('read', err)
    }
    return {
      records: out,
      bytes,
      highWatermark: this.highWatermark(),
      logStartOffset: this.#logStartOffset,
      lastStableOffset: this.lastStableOffset(),
    }
  }

  // ------------------------------------------------------------------------------ timestamps

  offsetForTimestamp(timestamp: bigint): Promise<TimestampLookup | undefined> {
    return this.#retryRetired(() => this.#offsetForTimestamp(timestamp))
  }

  async #offsetForTimestamp(timestamp: bigint): Promise<TimestampLookup | undefined> {
    const segments = this.#segments.slice()
    const lso = this.#logStartOffset
    for (const seg of segments) {
      if ((await seg.largestTimestamp()) < timestamp || seg.size === 0) continue
      const fromTime = (await seg.timeIndex()).lookup(timestamp)
      const startOffset = fromTime.offset > lso ? fromTime.offset : lso
      let pos = (await seg.offsetIndex()).lookup(startOffset).position
      // Walk to each batch whose max timestamp qualifies; the first record that does wins.
      for (;;) {
        let candidate: { position: number; size: number; epoch: number } | undefined
        await seg.scanHeaders(pos, (h) => {
          if (h.baseOffset + BigInt(h.lastOffsetDelta) < lso || h.maxTimestamp < timestamp) return true
          candidate = { position: h.position, size: h.size, epoch: h.partitionLeaderEpoch }
          return false
        })
        if (candidate === undefined) break
        const batch = await seg.read(candidate.position, candidate.size)
        const hit = await findInBatchByTimestamp(batch, timestamp, lso, this.#ctx.decompress)
        if (hit !== undefined) return { ...hit, leaderEpoch: candidate.epoch }
        pos = candidate.position + candidate.size
      }
    }
    return undefined
  }

  maxTimestamp(): Promise<TimestampLookup | undefined> {
    return this.#retryRetired(() => this.#maxTimestamp())
  }

  async #maxTimestamp(): Promise<TimestampLookup | undefined> {
    const segments = this.#segments.slice()
    let best: Segment | undefined
    let bestTs = -1n
    for (const seg of segments) {
      if (seg.size === 0) continue
      const ts = await seg.largestTimestamp()
      if (best === undefined || ts > bestTs) {
        best = seg
        bestTs = ts
      }
    }
    if (best === undefined) return undefined
    const around = await best.offsetOfLargestTimestamp()
    const start = (await best.offsetIndex()).lookup(around).position
    let found: { position: number; size: number; epoch: number } | undefined
    const scan = async (from: number): Promise<void> => {
      await best.scanHeaders(from, (h) => {
        if (h.maxTimestamp !== bestTs) return true
        found = { position: h.position, size: h.size, epoch: h.partitionLeaderEpoch }
        return false
      })
    }
    await scan(start)
    if (found === undefined && start > 0) await scan(0)
    if (found === undefined) return undefined
    const batch = await best.read(found.position, found.size)
    return { ...(await offsetOfMaxTimestamp(batch, this.#ctx.decompress)), leaderEpoch: found.epoch }
  }

  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: bigint } {
    return this.#epochs.endOffsetFor(epoch, this.#nextOffset)
  }

  // ------------------------------------------------------------------------------ transactions

  abortedTransactions(from: bigint, to: bigint): AbortedTxn[] {
    const out: AbortedTxn[] = []
    for (const seg of this.#segments)
      for (const t of seg.aborted) if (t.lastOffset >= from && t.firstOffset < to) out.push(t)
    return out
  }

  addAbortedTransaction(txn: AbortedTxn): Promise<void> {
    return this.#exclusive(async () => {
      const seg = this.#segments[Math.max(0, floorIndex(this.#segments, txn.lastOffset))]!
      try {
        // The active segment's entries are fsynced by the flush that moves the recovery point
        // past them (and recovery rebuilds the segment holding the point). A roll since the
        // marker may already have started the flush of an older segment: fsync its entry now.
        await seg.appendTxn(txn, seg !== this.#active())
      } catch (err) {
        throw this.#storageError('txn index write', err)
      }
    })
  }

  setFirstUnstableOffset(offset: bigint | undefined): void {
    this.#firstUnstableOffset = offset
  }

  // ------------------------------------------------------------------------------ producer snapshots

  latestProducerSnapshot(): Promise<ProducerSnapshot | undefined> {
    return this.#exclusive(async () => {
      try {
        return await this.#producerSnapshots.latest(this.#nextOffset)
      } catch (err) {
        throw this.#storageError('producer snapshot read', err)
      }
    })
  }

  async writeProducerSnapshot(snapshot: ProducerSnapshot): Promise<void> {
    const truncations = this.#truncations
    // The write and fsync run outside the queue (appends go on); only the rename is queued.
    let prepared
    try {
      prepared = await this.#producerSnapshots.prepare(snapshot)
    } catch (err) {
      throw this.#storageError('producer snapshot write', err)
    }
    await this.#exclusive(async () => {
      const valid =
        truncations === this.#truncations &&
        snapshot.offset <= this.#nextOffset &&
        snapshot.offset >= this.#logStartOffset
      try {
        if (valid) await prepared.commit()
        else await prepared.discard()
      } catch (err) {
        throw this.#storageError('producer snapshot write', err)
      }
    }).catch(async (err: unknown) => {
      await prepared.discard().catch(() => undefined)
      throw err
    })
  }

  setProducerStateListener(listener: ProducerStateListener | undefined): void {
    this.#producerStateListener = listener
  }

  /** Offsets of the producer snapshots on disk (for tests). */
  producerSnapshotOffsets(): readonly bigint[] {
    return this.#producerSnapshots.offsets()
  }

  // ------------------------------------------------------------------------------ start / end

  deleteRecordsBefore(offset: bigint): Promise<bigint> {
    return this.#exclusive(async () => {
      if (offset < 0n || offset > this.highWatermark())
        throw new KafkaError(
          'OFFSET_OUT_OF_RANGE',
          `cannot delete records before ${offset}: high watermark of ${this.#name()} is ${this.highWatermark()}`,
        )
      if (offset > this.#logStartOffset) {
        this.#logStartOffset = offset
        this.#epochs.truncateFromStart(offset)
        await this.#afterStartMoved(true)
      }
      return this.#logStartOffset
    })
  }

  /** `persist`: rewrite the store's log-start-offset checkpoint now (DeleteRecords); retention
   * leaves it to the store's maintain(), which writes it once for all partitions. */
  async #afterStartMoved(persist: boolean): Promise<void> {
    try {
      if (this.#epochsDirty) await this.#writeEpochCheckpoint(true)
      await this.#producerSnapshots.deleteBelow(this.#logStartOffset)
      if (persist) await this.#ctx.onLogStartOffsetChange()
    } catch (err) {
      throw this.#storageError('checkpoint', err)
    }
  }

  truncateTo(offset: bigint): Promise<void> {
    return this.#exclusive(async () => {
      if (offset < 0n)
        throw new KafkaError('OFFSET_OUT_OF_RANGE', `cannot truncate ${this.#name()} to ${offset}`)
      if (offset >= this.#nextOffset) return
      try {
        const i = floorIndex(this.#segments, offset)
        const seg = this.#segments[i]!
        const position = offset < this.#logStartOffset ? -1 : await seg.positionOf(offset)
        if (position < 0 || !(await this.#cutKeepsLogStart(i, position))) {
          await this.#replacing(() => this.#truncateFullyAndStartAt(offset))
          // Kafka's truncateFullyAndStartAt drops every producer snapshot with the data.
          await this.#producerSnapshots.deleteAbove(-1n)
          this.#producerStateListener?.truncated(offset)
          return
        }
        const later = this.#segments.splice(i + 1)
        await this.#deleteSegments(later)
        this.#firstBatchTimestamps.delete(seg)
        const result = await seg.truncateAt(position, this.#config.indexIntervalBytes)
        this.#nextOffset = result.nextOffset
        if (this.#recoveryPoint > this.#nextOffset) this.#recoveryPoint = this.#nextOffset
        if (this.#dataSyncedTo > this.#nextOffset) this.#dataSyncedTo = this.#nextOffset
        this.#truncations++
        this.#epochs.truncateFromEnd(this.#nextOffset)
        if (this.#epochsDirty) await this.#writeEpochCheckpoint(true)
        await this.#producerSnapshots.deleteAbove(this.#nextOffset)
      } catch (err) {
        this.#failed = this.#storageError('truncate', err)
        throw this.#failed
      }
      this.#producerStateListener?.truncated(this.#nextOffset)
    })
  }

  /**
   * Whether cutting segment `i` at `position` (the first batch to remove) leaves the log end at
   * or above the log start offset, i.e. some kept batch ends at or past log start - 1.
   */
  async #cutKeepsLogStart(i: number, position: number): Promise<boolean> {
    const seg = this.#segments[i]!
    const start = this.#logStartOffset
    if (position === 0) return seg.baseOffset >= start
    if (start <= seg.baseOffset) return true
    return (await seg.positionOf(start - 1n)) < position
  }

  /**
   * Kafka's truncateFullyAndStartAt: every segment goes and one empty segment starts at `offset`,
   * which becomes both log start and log end. Segments are renamed away newest first, so a
   * crash part-way leaves a prefix of the old log (or, with none left, the loader's empty
   * segment at the checkpointed log start); the new segment is created only once the removals
   * are durable, so it never appears beside the segments it replaces.
   */
  async #truncateFullyAndStartAt(offset: bigint): Promise<void> {
    const old = this.#segments
    // Readers holding the old list retry (SegmentRetiredError) and then see the new log.
    for (const seg of old) seg.retired = true
    for (let k = old.length - 1; k >= 0; k--) await this.#deleteSegments([old[k]!])
    await this.#ctx.fs.syncDir(this.#ctx.dir)
    const now = this.#ctx.now()
    const seg = new Segment(
      { fs: this.#ctx.fs, pool: this.#ctx.pool, dir: this.#ctx.dir, now: this.#ctx.now },
      offset,
      0,
      now,
      now,
    )
    seg.initEmpty()
    await seg.createFile()
    await this.#ctx.fs.syncDir(this.#ctx.dir)
    this.#segments = [seg]
    this.#segmentDirUnsynced = false
    this.#nextOffset = offset
    this.#logStartOffset = offset
    this.#recoveryPoint = offset
    this.#dataSyncedTo = offset
    this.#unflushedMessages = 0
    this.#truncations++
    this.#epochs.clear()
    await this.#writeEpochCheckpoint(true)
    await this.#ctx.onLogStartOffsetChange()
  }

  async #deleteSegments(segments: Segment[]): Promise<void> {
    const paths: string[] = []
    for (const seg of segments) paths.push(...(await seg.markDeleted()))
    if (paths.length > 0) this.#ctx.scheduleDelete(paths, this.#config.fileDeleteDelayMs)
  }

  /** Retention: deletes whole segments and advances the log start offset past them. */
  maintain(now: number): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return this.#exclusive(async () => {
      const summaries = []
      for (const s of this.#segments) {
        const ts = await s.largestTimestamp()
        summaries.push({
          baseOffset: s.baseOffset,
          size: s.size,
          largestTimestamp: ts >= 0n ? Number(ts) : s.lastModifiedMs,
        })
      }
      const count = retentionDeleteCount(
        summaries,
        this.#config,
        now,
        this.#logStartOffset,
        this.highWatermark(),
        this.#nextOffset,
      )
      if (count === 0) return
      try {
        if (count === this.#segments.length) await this.#roll(this.#nextOffset)
        const doomed = this.#segments.splice(0, count)
        await this.#deleteSegments(doomed)
      } catch (err) {
        throw this.#storageError('retention', err)
      }
      const first = this.#segments[0]!.baseOffset
      if (first > this.#logStartOffset) {
        this.#logStartOffset = first
        this.#epochs.truncateFromStart(first)
        await this.#afterStartMoved(false)
      }
    })
  }

  updateConfig(config: LogConfig): void {
    this.#config = config
  }

  // ------------------------------------------------------------------------------ compaction

  compactionEnabled(): boolean {
    return this.#config.cleanupPolicy.compact && !this.#closed && this.#failed === undefined
  }

  async planCompaction(now: number, firstDirty: bigint | undefined): Promise<CleanPlan | undefined> {
    // The cleaner stays below the recovery point. Durable mode fsyncs each append but moves the
    // point only on flush, and a roll's background flush may still be running: flush the sealed
    // segments now so the finished ones become cleanable.
    const activeBase = this.#active().baseOffset
    if (this.#recoveryPoint < activeBase && this.#failed === undefined)
      await this.#exclusive(() => this.#flushUpTo(this.#active().baseOffset))
    const view = this.#cleanerView()
    return planClean(
      await view.cleanerSegments(),
      this.#config,
      now,
      this.#logStartOffset,
      view.cleanUpperBound(),
      firstDirty,
    )
  }

  worthCleaning(plan: CleanPlan): boolean {
    return shouldClean(plan, this.#config)
  }

  async compact(plan: CleanPlan, now: number, mapBytes?: number): Promise<CleanResult> {
    // Gaps left by compaction are legitimate to the loader only below the checkpointed recovery
    // point; the plan ends at or below the current one, so persist it first.
    await this.#ctx.writeCheckpoints?.()
    return cleanLog(this.#cleanerView(), plan, this.#config, now, mapBytes)
  }

  #cleanerView(): CleanableLog {
    const find = (s: CleanerSegment): Segment | undefined =>
      this.#segments.find((m) => m.baseOffset === s.baseOffset)
    return {
      logStartOffset: () => this.#logStartOffset,
      cleanerSegments: async () => {
        const out: CleanerSegment[] = []
        const segments = this.#segments.slice()
        const withFirst = this.#config.maxCompactionLagMs < Number.MAX_SAFE_INTEGER
        for (let i = 0; i < segments.length; i++) {
          const seg = segments[i]!
          const s: CleanerSegment = {
            baseOffset: seg.baseOffset,
            size: seg.size,
            largestTimestamp: await seg.largestTimestamp(),
          }
          if (withFirst && i + 1 < segments.length)
            s.firstBatchTimestamp = await this.#firstBatchTimestamp(seg)
          out.push(s)
        }
        return out
      },
      cleanUpperBound: () => {
        const lso = this.lastStableOffset()
        return lso < this.#recoveryPoint ? lso : this.#recoveryPoint
      },
      abortedTransactions: (from, to) => this.abortedTransactions(from, to),
      forEachBatch: async (s, visit) => {
        const seg = find(s)
        if (seg === undefined) return
        await forEachBatchOf(seg, visit)
      },
      rewriteSegments: (group) =>
        Promise.resolve(
          this.#rewrite(
            group,
            group.map((s) => find(s)),
          ),
        ),
    }
  }

  async #firstBatchTimestamp(seg: Segment): Promise<bigint> {
    let ts = this.#firstBatchTimestamps.get(seg)
    if (ts === undefined) {
      ts = (await seg.readHeader(0))?.maxTimestamp ?? -1n
      this.#firstBatchTimestamps.set(seg, ts)
    }
    return ts
  }

  /**
   * The replacement of a group of consecutive segments s0..sk by one segment with s0's base
   * offset, written to `<s0>.log.cleaned` and swapped in by commit() (a suffix state machine the
   * loader can finish or roll back at every step):
   *   .log.cleaned written and fsynced        crash: the loader deletes it (old segments stay)
   *   (when the aborted transactions change) the merged .txnindex written to
   *   .txnindex.cleaned, fsynced, renamed to .txnindex.swap, directory fsynced
   *                                            crash: the loader deletes both (no .log.swap)
   *   rename .log.cleaned -> .log.swap, fsync directory          (the commit point)
   *   rename sk..s1 to .deleted, newest first  crash: the loader deletes every old segment whose
   *                                            base lies in (s0, the .swap's next offset), and
   *                                            finishes the swap; a trailing old segment whose
   *                                            records were all cleaned away may survive, intact,
   *                                            with its own .txnindex (the merged one lists only
   *                                            markers inside the .swap)
   *   rename .txnindex.swap -> .txnindex       crash: the loader finishes it with the .log.swap
   *   unlink s0's .index/.timeindex            crash: the loader sees .log.swap and finishes
   *   rename .log.swap -> .log (replacing s0's file), fsync directory
   *   rebuild and fsync the indexes           crash: missing/unsynced indexes are rebuilt
   * The merged .txnindex (the cleaner's list of aborted transactions whose marker and some
   * records the new contents keep; possibly empty) is written whenever it differs from s0's or
   * s1..sk had entries; otherwise s0's .txnindex stays as it is.
   * An emptied group (not the first segment) is instead deleted: its files renamed to .deleted.
   */
  #rewrite(group: readonly CleanerSegment[], segs: (Segment | undefined)[]): SegmentRewrite {
    const base = group[0]!.baseOffset
    const cleaned = `${this.#ctx.dir}/${segmentName(base)}${LOG_SUFFIX}${CLEANED_SUFFIX}`
    const txnCleaned = `${this.#ctx.dir}/${segmentName(base)}${TXN_INDEX_SUFFIX}${CLEANED_SUFFIX}`
    const txnSwap = `${this.#ctx.dir}/${segmentName(base)}${TXN_INDEX_SUFFIX}${SWAP_SUFFIX}`
    const pool = this.#ctx.pool
    const fs = this.#ctx.fs
    let size = 0
    let created = false
    const discard = async (): Promise<void> => {
      await pool.close(cleaned)
      await pool.close(txnCleaned)
      if (created && (await fs.stat(cleaned)) !== undefined) await fs.unlink(cleaned)
      for (const path of [txnCleaned, txnSwap]) if ((await fs.stat(path)) !== undefined) await fs.unlink(path)
    }
    return {
      write: async (batch) => {
        if (!created) {
          await pool.use(cleaned, (h) => h.truncate(0), true)
          created = true
        }
        const at = size
        await pool.use(cleaned, (h) => writeFully(h, batch, at))
        size += batch.length
      },
      abort: discard,
      commit: (aborted) =>
        this.#exclusive(async () => {
          const first = segs[0]
          const i = first === undefined ? -1 : this.#segments.indexOf(first)
          const stale =
            i < 0 ||
            i + group.length >= this.#segments.length ||
            segs.some(
              (seg, k) => seg === undefined || this.#segments[i + k] !== seg || seg.size !== group[k]!.size,
            )
          if (stale) {
            await discard()
            return false
          }
          const old = segs as Segment[]
          const s0 = old[0]!
          try {
            if (size === 0 && i > 0) {
              await discard()
              for (const seg of old) seg.retired = true
              this.#segments.splice(i, old.length)
              for (const seg of old.slice().reverse()) await this.#deleteSegments([seg])
              return true
            }
            const swap = `${this.#ctx.dir}/${segmentName(base)}${LOG_SUFFIX}${SWAP_SUFFIX}`
            // The replacement's .txnindex (the kept markers' aborted transactions) goes in with
            // the swap unless it is s0's as it stands.
            const mergeTxns =
              old.slice(1).some((seg) => seg.aborted.length > 0) || !sameAbortedTxns(s0.aborted, aborted)
            try {
              if (!created) await pool.use(cleaned, (h) => h.truncate(0), true)
              created = true
              await pool.use(cleaned, (h) => h.sync())
              await pool.close(cleaned)
              if (mergeTxns) {
                const entries = Buffer.concat(aborted.map(encodeAbortedTxn))
                await pool.use(
                  txnCleaned,
                  async (h) => {
                    await h.truncate(0)
                    await writeFully(h, entries, 0)
                    await h.sync()
                  },
                  true,
                )
                await pool.close(txnCleaned)
                await fs.rename(txnCleaned, txnSwap)
                await fs.syncDir(this.#ctx.dir)
              }
            } catch (err) {
              // Before the commit point the old segments are untouched: give up on this pass only.
              await discard().catch(() => undefined)
              throw this.#storageError('compaction write', err)
            }
            // From the rename on, the .swap must be finished (a restart does it): were the log to
            // carry on and later truncate this segment, a leftover .swap would bring it back.
            await fs.rename(cleaned, swap)
            await fs.syncDir(this.#ctx.dir)
            // Readers that meet the retired segments wait until the fresh one is in #segments.
            return await this.#replacing(async () => {
              try {
                for (const seg of old) seg.retired = true
                for (const seg of old.slice(1).reverse()) await this.#deleteSegments([seg])
                await s0.closeFiles()
                if (mergeTxns) await fs.rename(txnSwap, s0.path(TXN_INDEX_SUFFIX))
                for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
                  const path = s0.path(suffix)
                  if ((await fs.stat(path)) !== undefined) await fs.unlink(path)
                }
                await fs.rename(swap, s0.logPath)
                await fs.syncDir(this.#ctx.dir)
                const fresh = new Segment(
                  { fs, pool, dir: this.#ctx.dir, now: this.#ctx.now },
                  s0.baseOffset,
                  size,
                  s0.createdMs,
                  old[old.length - 1]!.lastModifiedMs,
                )
                await fresh.loadTxnIndex()
                await fresh.rebuildIndexes(this.#config.indexIntervalBytes)
                await fresh.syncFiles()
                this.#segments.splice(i, old.length, fresh)
                return true
              } catch (err) {
                // Half swapped: stop taking appends; the loader finishes the swap on restart. Set
                // before the waiting readers resume, so they fail with it.
                this.#failed = this.#storageError('compaction swap', err)
                throw this.#failed
              }
            })
          } catch (err) {
            if (err instanceof KafkaError) throw err
            // Half swapped: stop taking appends; the loader finishes the swap on restart.
            this.#failed = this.#storageError('compaction swap', err)
            throw this.#failed
          }
        }),
    }
  }

  /** Flushes, seals the active segment's indexes and closes its files. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    const done = this.#exclusive(async () => {
      if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer)
      try {
        if (this.#failed === undefined) {
          await this.#flush()
          // Unlike Kafka, no extra time-index entry on close: activate() recomputes the max
          // timestamp from the tail, and the index cadence stays what it was before the restart.
        }
      } finally {
        this.#closed = true
        for (const s of this.#segments) await s.closeFiles()
      }
    })
    return done
  }

  /** Closes without flushing (the partition is being deleted). */
  async abandon(): Promise<void> {
    await this.#queue
    this.#closed = true
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer)
    for (const s of this.#segments) await s.closeFiles()
  }

  get closed(): boolean {
    return this.#closed
  }

  get failed(): boolean {
    return this.#failed !== undefined
  }
}

function segmentName(baseOffset: bigint): string {
  return baseOffset.toString().padStart(20, '0')
}

/** Calls `visit` with every whole batch of the segment, reading it in chunks. */
export async function forEachBatchOf(
  seg: Segment,
  visit: (batch: Buffer) => Promise<void> | void,
): Promise<void> {
  const end = seg.size
  let pos = 0
  while (pos + 12 <= end) {
    const chunk = await seg.read(pos, Math.min(CLEAN_READ_CHUNK, end - pos))
    let at = 0
    while (at + 12 <= chunk.length) {
      const size = 12 + chunk.readInt32BE(at + 8)
      if (at + size > chunk.length) break
      await visit(chunk.subarray(at, at + size))
      at += size
    }
    if (at === 0) {
      // One batch larger than the chunk.
      const size = 12 + chunk.readInt32BE(8)
      if (pos + size > end) return
      await visit(await seg.read(pos, size))
      at = size
    }
    pos += at
  }
}

/** Index of the last segment whose base offset is <= offset (0 when none). */
function floorIndex(segments: readonly Segment[], offset: bigint): number {
  let lo = 0
  let hi = segments.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (segments[mid]!.baseOffset <= offset) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * The whole batches at the start of `chunk` that begin below `maxOffset`: their byte length,
 * whether `maxOffset` stopped the walk, and the first batch's size and base offset (so a caller
 * can fetch it whole when it did not fit).
 */
function wholeBatchesBelow(
  chunk: Buffer,
  maxOffset: bigint,
): { bytes: number; stoppedAtMaxOffset: boolean; firstSize: number; firstBase: bigint; next: bigint } {
  let pos = 0
  let firstSize = 0
  let firstBase = -1n
  /** One past the last offset of the batches kept so far. */
  let next = -1n
  while (pos + 12 <= chunk.length) {
    const base = chunk.readBigInt64BE(pos)
    const size = 12 + chunk.readInt32BE(pos + 8)
    if (pos === 0) {
      firstSize = size
      firstBase = base
    }
    if (base >= maxOffset) return { bytes: pos, stoppedAtMaxOffset: true, firstSize, firstBase, next }
    if (pos + size > chunk.length) break
    next = base + BigInt(chunk.readInt32BE(pos + OFF_LAST_OFFSET_DELTA)) + 1n
    pos += size
  }
  return { bytes: pos, stoppedAtMaxOffset: false, firstSize, firstBase, next }
}
