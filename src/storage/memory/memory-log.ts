// The in-memory PartitionLog: the disk log's behaviour without files. Appended batches are
// patched in place, then copied into log-owned blocks (block-pool.ts) that retention hands back
// for reuse, or, when large and in a request's receive buffer, adopted with a reference on that
// buffer (block-pool.ts says when; it may later ask the log to relocate them into log-owned
// blocks), so the log keeps no untracked view of the caller's buffer (retainsAppended = false).
// A read given a ReadLease holds its blocks until the lease's release (Fetch: once the response
// is written); other readers pin them for good (block-pool.ts). They are grouped into segments that roll, index and expire
// by the same rules (segment-policy.ts), so retention and reads match the disk log exactly, with
// one difference: retention.bytes is also applied each time a segment rolls (memory is the
// resource it protects; the periodic check alone would let a fast producer fill it in between).
// A segment keeps its batches column-wise (batch-table.ts): few objects for the GC to trace.

import { KafkaError } from '../../protocol/errors.ts'
import { assignOffsets } from '../append.ts'
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
import { IndexCadence, retentionDeleteCount, shouldRoll } from '../segment-policy.ts'
import { readBatchHeader } from '../../protocol/records/batch-header.ts'
import {
  cleanLog,
  planClean,
  shouldClean,
  type CleanableLog,
  type CleanerSegment,
  type CleanPlan,
  type CleanResult,
  type SegmentRewrite,
} from '../cleaner/cleaner.ts'
import type { CompactableLog } from '../cleaner/round.ts'
import { BatchTable } from './batch-table.ts'
import type { FrameLease } from '../../protocol/receive-buffers.ts'
import { BlockPool, PACK_BLOCK_BYTES, PACK_MAX_BYTES, type Block, type BlockOwner } from './block-pool.ts'

interface MemSegment {
  baseOffset: bigint
  batches: BatchTable
  size: number
  createdMs: number
  lastModifiedMs: number
  cadence: IndexCadence
}

export interface MemoryLogOptions {
  now: () => number
  decompress?: Decompressor
  /** Apply retention.bytes whenever a segment rolls, not only in maintain() (default true). */
  retentionOnRoll?: boolean
  /** Where appends are copied to and reused from; shared by a store's logs (default: the log's own). */
  blocks?: BlockPool
}

/** Runs synchronous work, turning a throw into a rejected promise (the contract is async). */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

function newSegment(baseOffset: bigint, now: number): MemSegment {
  return {
    baseOffset,
    batches: new BatchTable(),
    size: 0,
    createdMs: now,
    lastModifiedMs: now,
    cadence: new IndexCadence(baseOffset),
  }
}

export class MemoryPartitionLog implements PartitionLog, CompactableLog {
  readonly topicPartition: TopicPartition
  readonly retainsAppended = false
  readonly #blocks: BlockPool
  /** The open block small appends are packed into. */
  #pack: Block | undefined
  /** How the pool asks this log to move batches out of an adopted receive buffer. */
  readonly #owner: BlockOwner = { relocate: (block) => this.#relocate(block) }
  #config: LogConfig
  readonly #options: MemoryLogOptions
  #segments: MemSegment[]
  #logStartOffset = 0n
  #logEndOffset = 0n
  #firstUnstableOffset: bigint | undefined
  #producerStateListener: ProducerStateListener | undefined
  #aborted: AbortedTxn[] = []
  readonly #epochs = new LeaderEpochCache()
  #closed = false

  constructor(tp: TopicPartition, config: LogConfig, options: MemoryLogOptions) {
    this.topicPartition = tp
    this.#config = config
    this.#options = options
    this.#blocks = options.blocks ?? new BlockPool()
    this.#segments = [newSegment(0n, options.now())]
  }

  logStartOffset(): bigint {
    return this.#logStartOffset
  }

  logEndOffset(): bigint {
    return this.#logEndOffset
  }

  highWatermark(): bigint {
    return this.#logEndOffset
  }

  lastStableOffset(): bigint {
    const fuo = this.#firstUnstableOffset
    return fuo !== undefined && fuo < this.#logEndOffset ? fuo : this.#logEndOffset
  }

  sizeInBytes(): number {
    return this.#segments.reduce((n, s) => n + s.size, 0)
  }

  /** Number of segments (tests compare segment layout with the disk log). */
  segmentBaseOffsets(): bigint[] {
    return this.#segments.map((s) => s.baseOffset)
  }

  #active(): MemSegment {
    return this.#segments[this.#segments.length - 1]!
  }

  #checkOpen(): void {
    if (this.#closed) throw new KafkaError('KAFKA_STORAGE_ERROR', `log ${this.#name()} is closed`)
  }

  #name(): string {
    return `${this.topicPartition.topic}-${this.topicPartition.partition}`
  }

  append(records: Buffer, options: AppendOptions): Promise<AppendResult> {
    return settle(() => this.appendNow(records, options))
  }

  appendNow(records: Buffer, options: AppendOptions): AppendResult {
    this.#checkOpen()
    if (records.length > this.#config.segmentBytes)
      throw new KafkaError(
        'RECORD_LIST_TOO_LARGE',
        `append of ${records.length} bytes exceeds segment.bytes ${this.#config.segmentBytes}`,
      )
    const assigned = assignOffsets(records, this.#logEndOffset, options)
    const now = this.#options.now()
    let active = this.#active()
    if (shouldRoll(active, this.#config, now, records.length, assigned.maxTimestamp, assigned.lastOffset)) {
      active = newSegment(assigned.firstOffset, now)
      this.#segments.push(active)
      // Memory is what retention.bytes protects here, so it is applied as segments roll, not only
      // every log.retention.check.interval.ms (at 1 GB/s, 5 minutes is 300 GB). Time-based
      // retention stays with the periodic check, as on disk.
      if (
        this.#options.retentionOnRoll !== false &&
        this.#config.retentionBytes >= 0 &&
        this.#config.cleanupPolicy.delete
      )
        this.#applyRetention({ ...this.#config, retentionMs: -1 }, now)
    }
    active.cadence.onAppend(
      active.size,
      assigned.batches[0]!.maxTimestamp,
      records.length,
      assigned.lastOffset,
      assigned.maxTimestamp,
      assigned.offsetOfMaxTimestamp,
      this.#config.indexIntervalBytes,
    )
    const [block, stored] = this.#store(records, assigned.batches.length, options.frame, assigned.firstOffset)
    for (const b of assigned.batches) {
      const buf =
        b.position === 0 && b.size === records.length
          ? stored
          : stored.subarray(b.position, b.position + b.size)
      active.batches.push(buf, block, b.baseOffset, b.lastOffset, b.maxTimestamp, options.leaderEpoch)
    }
    active.size += records.length
    active.lastModifiedMs = now
    this.#epochs.assign(options.leaderEpoch, assigned.firstOffset)
    this.#logEndOffset = assigned.lastOffset + 1n
    return {
      baseOffset: assigned.firstOffset,
      lastOffset: assigned.lastOffset,
      logAppendTime: options.logAppendTime ?? -1n,
      logStartOffset: this.#logStartOffset,
      batches: assigned.batches.length,
      records: assigned.records,
    }
  }

  /** Adopts an append (offsets already patched) or copies it into a log-owned block. */
  #store(
    records: Buffer,
    batches: number,
    frame: FrameLease | undefined,
    firstOffset: bigint,
  ): [Block, Buffer] {
    const n = records.length
    const pool = this.#blocks
    let block =
      frame === undefined
        ? undefined
        : pool.adopt(records, batches, frame, {
            owner: this.#owner,
            firstOffset,
            // The cleaner may keep views of a compacted log's batches past its bookkeeping.
            shared: !this.#config.cleanupPolicy.compact,
          })
    if (block !== undefined) return [block, records]
    if (n <= PACK_MAX_BYTES) {
      let pack = this.#pack
      if (pack === undefined || pack.buf.length - pack.used < n) {
        if (pack !== undefined) pool.close(pack)
        pack = this.#pack = pool.take(PACK_BLOCK_BYTES)
      }
      block = pack
    } else {
      block = pool.take(n)
      block.open = false
    }
    const at = block.used
    records.copy(block.buf, at)
    block.used = at + n
    block.live += batches
    return [block, block.buf.subarray(at, at + n)]
  }

  /** Copies the batches of an adopted block still in the log into log-owned blocks (block-pool.ts). */
  #relocate(adopted: Block): void {
    if (this.#closed) return
    const seg = this.#segments[this.#segmentIndexFor(adopted.firstOffset)]!
    const batches = seg.batches
    const first = batches.indexFor(adopted.firstOffset)
    let end = first
    while (end < batches.length && batches.block(end) === adopted) end++
    // Truncated or compacted away: nothing of it is in the log any more.
    if (end === first) return
    const [block, stored] = this.#store(adopted.buf, end - first, undefined, adopted.firstOffset)
    const base = adopted.buf.byteOffset
    for (let i = first; i < end; i++) {
      const buf = batches.buf(i)
      const at = buf.byteOffset - base
      batches.move(i, stored.subarray(at, at + buf.length), block)
    }
  }

  read(offset: bigint, maxBytes: number, options?: ReadOptions): Promise<ReadResult> {
    return settle(() => this.#readSync(offset, maxBytes, options))
  }

  #readSync(offset: bigint, maxBytes: number, options?: ReadOptions): ReadResult {
    this.#checkOpen()
    if (offset < this.#logStartOffset || offset > this.#logEndOffset)
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${offset} is outside [${this.#logStartOffset}, ${this.#logEndOffset}] of ${this.#name()}`,
      )
    const maxOffset = options?.maxOffset ?? this.highWatermark()
    const minOneBatch = options?.minOneBatch ?? true
    // With a lease the read holds its blocks until the lease's release; without one, views leave
    // for good (block-pool.ts).
    const lease = options?.lease
    let held: Block[] | undefined
    let last: Block | undefined
    const out: Buffer[] = []
    let bytes = 0
    let segIndex = this.#segmentIndexFor(offset)
    let batchIndex = this.#segments[segIndex]?.batches.indexFor(offset) ?? 0
    scan: for (; segIndex < this.#segments.length; segIndex++, batchIndex = 0) {
      const batches = this.#segments[segIndex]!.batches
      for (; batchIndex < batches.length; batchIndex++) {
        if (batches.baseOffset(batchIndex) >= maxOffset) break scan
        const buf = batches.buf(batchIndex)
        if (bytes + buf.length > maxBytes && !(minOneBatch && out.length === 0)) break scan
        if (lease === undefined) batches.lend(batchIndex)
        else {
          // Consecutive batches mostly share a block: one reference per run.
          const block = batches.block(batchIndex)
          if (block !== undefined && block !== last) {
            this.#blocks.hold(block)
            ;(held ??= []).push(block)
            last = block
          }
        }
        out.push(buf)
        bytes += buf.length
      }
    }
    if (held !== undefined && lease !== undefined) {
      const blocks = this.#blocks
      const h = held
      lease.onRelease(() => {
        for (const b of h) blocks.unhold(b)
      })
    }
    return {
      records: out,
      bytes,
      highWatermark: this.highWatermark(),
      logStartOffset: this.#logStartOffset,
      lastStableOffset: this.lastStableOffset(),
    }
  }

  /** Index of the last segment with baseOffset <= offset (0 when offset precedes them all). */
  #segmentIndexFor(offset: bigint): number {
    let lo = 0
    let hi = this.#segments.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.#segments[mid]!.baseOffset <= offset) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  async offsetForTimestamp(timestamp: bigint): Promise<TimestampLookup | undefined> {
    this.#checkOpen()
    search: for (;;) {
      for (const seg of this.#segments) {
        if (seg.cadence.maxTimestampSoFar < timestamp) continue
        const batches = seg.batches
        for (let i = 0; i < batches.length; i++) {
          if (batches.lastOffset(i) < this.#logStartOffset || batches.maxTimestamp(i) < timestamp) continue
          const hit = await findInBatchByTimestamp(
            batches.lend(i),
            timestamp,
            this.#logStartOffset,
            this.#options.decompress,
          )
          if (hit !== undefined) return { ...hit, leaderEpoch: batches.leaderEpoch(i) }
          // Retention or close may have dropped the segment meanwhile, and its memory may carry
          // other data now: search again in what the log holds.
          this.#checkOpen()
          if (!this.#segments.includes(seg)) continue search
        }
      }
      return undefined
    }
  }

  async maxTimestamp(): Promise<TimestampLookup | undefined> {
    this.#checkOpen()
    let best: MemSegment | undefined
    for (const seg of this.#segments) {
      if (
        seg.batches.length > 0 &&
        (best === undefined || seg.cadence.maxTimestampSoFar > best.cadence.maxTimestampSoFar)
      )
        best = seg
    }
    if (best === undefined) return undefined
    const ts = best.cadence.maxTimestampSoFar
    const batches = best.batches
    let i = 0
    while (i < batches.length && batches.maxTimestamp(i) !== ts) i++
    if (i === batches.length) return undefined
    const hit = await offsetOfMaxTimestamp(batches.lend(i), this.#options.decompress)
    return { ...hit, leaderEpoch: batches.leaderEpoch(i) }
  }

  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: bigint } {
    return this.#epochs.endOffsetFor(epoch, this.#logEndOffset)
  }

  abortedTransactions(from: bigint, to: bigint): AbortedTxn[] {
    return this.#aborted.filter((t) => t.lastOffset >= from && t.firstOffset < to)
  }

  addAbortedTransaction(txn: AbortedTxn): Promise<void> {
    return settle(() => {
      this.#checkOpen()
      this.#aborted.push(txn)
    })
  }

  setFirstUnstableOffset(offset: bigint | undefined): void {
    this.#firstUnstableOffset = offset
  }

  // Producer-state snapshots exist to survive a restart, which nothing in memory does: none are
  // kept, and the owner rebuilds from the log (only ever after a truncation). Rolls are not
  // reported for the same reason.
  latestProducerSnapshot(): Promise<ProducerSnapshot | undefined> {
    return Promise.resolve(undefined)
  }

  writeProducerSnapshot(_snapshot: ProducerSnapshot): Promise<void> {
    return Promise.resolve()
  }

  setProducerStateListener(listener: ProducerStateListener | undefined): void {
    this.#producerStateListener = listener
  }

  deleteRecordsBefore(offset: bigint): Promise<bigint> {
    return settle(() => {
      this.#checkOpen()
      if (offset < 0n || offset > this.highWatermark())
        throw new KafkaError(
          'OFFSET_OUT_OF_RANGE',
          `cannot delete records before ${offset}: high watermark of ${this.#name()} is ${this.highWatermark()}`,
        )
      if (offset > this.#logStartOffset) {
        this.#logStartOffset = offset
        this.#epochs.truncateFromStart(offset)
        this.#aborted = this.#aborted.filter((t) => t.lastOffset >= offset)
      }
      return this.#logStartOffset
    })
  }

  truncateTo(offset: bigint): Promise<void> {
    return settle(() => {
      this.#checkOpen()
      if (offset < 0n)
        throw new KafkaError('OFFSET_OUT_OF_RANGE', `cannot truncate ${this.#name()} to ${offset}`)
      if (offset >= this.#logEndOffset) return
      const segIndex = this.#segmentIndexFor(offset)
      const seg = this.#segments[segIndex]!
      const keep = seg.batches.indexFor(offset)
      const cutEnd = keep > 0 ? seg.batches.lastOffset(keep - 1) + 1n : seg.baseOffset
      if (offset < this.#logStartOffset || cutEnd < this.#logStartOffset) {
        for (const s of this.#segments) this.#dropBlocks(s.batches)
        this.#truncateFullyAndStartAt(offset)
        this.#producerStateListener?.truncated(offset)
        return
      }
      // The cut batches leave the log like dropped ones: their blocks may be reused (block-pool.ts).
      for (const s of this.#segments.splice(segIndex + 1)) this.#dropBlocks(s.batches)
      this.#dropBlocks(seg.batches, keep)
      seg.batches.truncate(keep)
      this.#logEndOffset = cutEnd
      this.#reindex(seg)
      this.#epochs.truncateFromEnd(this.#logEndOffset)
      // A transaction whose ABORT marker was cut off is no longer known to be aborted.
      this.#aborted = this.#aborted.filter((t) => t.lastOffset < this.#logEndOffset)
      this.#producerStateListener?.truncated(this.#logEndOffset)
    })
  }

  /** Empties the log: one empty segment at `offset`, log start = log end = `offset`. */
  #truncateFullyAndStartAt(offset: bigint): void {
    this.#segments = [newSegment(offset, this.#options.now())]
    this.#logStartOffset = offset
    this.#logEndOffset = offset
    this.#epochs.clear()
    this.#aborted = []
  }

  /** Rebuilds a segment's index bookkeeping batch by batch, as recovery does on disk. */
  #reindex(seg: MemSegment): void {
    seg.cadence = new IndexCadence(seg.baseOffset)
    seg.size = 0
    const batches = seg.batches
    for (let i = 0; i < batches.length; i++) {
      const size = batches.buf(i).length
      seg.cadence.onAppend(
        seg.size,
        batches.maxTimestamp(i),
        size,
        batches.lastOffset(i),
        batches.maxTimestamp(i),
        batches.lastOffset(i),
        this.#config.indexIntervalBytes,
      )
      seg.size += size
    }
  }

  /** Applies retention (whole segments) and moves the log start offset past deleted ones. */
  maintain(now: number): Promise<void> {
    if (!this.#closed) this.#applyRetention(this.#config, now)
    return Promise.resolve()
  }

  #applyRetention(config: LogConfig, now: number): void {
    const count = retentionDeleteCount(
      this.#segments.map((s) => ({
        baseOffset: s.baseOffset,
        size: s.size,
        largestTimestamp:
          s.cadence.maxTimestampSoFar >= 0n ? Number(s.cadence.maxTimestampSoFar) : s.lastModifiedMs,
      })),
      config,
      now,
      this.#logStartOffset,
      this.highWatermark(),
      this.#logEndOffset,
    )
    if (count === 0) return
    if (count === this.#segments.length)
      this.#segments.push(newSegment(this.#logEndOffset, this.#options.now()))
    for (const seg of this.#segments.splice(0, count)) this.#dropBlocks(seg.batches)
    const first = this.#segments[0]!.baseOffset
    if (first > this.#logStartOffset) {
      this.#logStartOffset = first
      this.#epochs.truncateFromStart(first)
      this.#aborted = this.#aborted.filter((t) => t.lastOffset >= first)
    }
  }

  /** Retention dropped these batches (from `from` on): their blocks may be reused (block-pool.ts). */
  #dropBlocks(batches: BatchTable, from = 0): void {
    // Consecutive batches mostly share a block: one call per run.
    let block: Block | undefined
    let run = 0
    for (let i = from; i < batches.length; i++) {
      const b = batches.block(i)
      if (b === block) {
        run++
        continue
      }
      if (block !== undefined) this.#blocks.dropped(block, run)
      block = b
      run = 1
    }
    if (block !== undefined) this.#blocks.dropped(block, run)
  }

  updateConfig(config: LogConfig): void {
    this.#config = config
  }

  // ------------------------------------------------------------------------------ compaction

  compactionEnabled(): boolean {
    return this.#config.cleanupPolicy.compact && !this.#closed
  }

  async planCompaction(now: number, firstDirty: bigint | undefined): Promise<CleanPlan | undefined> {
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

  compact(plan: CleanPlan, now: number, mapBytes?: number): Promise<CleanResult> {
    return cleanLog(this.#cleanerView(), plan, this.#config, now, mapBytes)
  }

  #cleanerView(): CleanableLog {
    const find = (s: CleanerSegment): MemSegment | undefined =>
      this.#segments.find((m) => m.baseOffset === s.baseOffset)
    return {
      logStartOffset: () => this.#logStartOffset,
      cleanerSegments: () =>
        Promise.resolve(
          this.#segments.map((m) => ({
            baseOffset: m.baseOffset,
            size: m.size,
            largestTimestamp: m.cadence.maxTimestampSoFar,
            firstBatchTimestamp: m.batches.length > 0 ? m.batches.maxTimestamp(0) : -1n,
          })),
        ),
      cleanUpperBound: () => this.lastStableOffset(),
      abortedTransactions: (from, to) => this.abortedTransactions(from, to),
      forEachBatch: async (s, visit) => {
        const seg = this.#closed ? undefined : find(s)
        if (seg === undefined) return
        // A snapshot: the visitor awaits, and the segment may be truncated meanwhile.
        const bufs: Buffer[] = []
        for (let i = 0; i < seg.batches.length; i++) bufs.push(seg.batches.lend(i))
        for (const buf of bufs) await visit(buf)
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

  /** Collects a group's cleaned batches and swaps them in at once (nothing to crash here). */
  #rewrite(group: readonly CleanerSegment[], segs: (MemSegment | undefined)[]): SegmentRewrite {
    const out = new BatchTable()
    return {
      write: (buf) => {
        const h = readBatchHeader(buf, 0)
        out.push(
          buf,
          undefined,
          h.baseOffset,
          h.baseOffset + BigInt(h.lastOffsetDelta),
          h.maxTimestamp,
          h.partitionLeaderEpoch,
        )
        return Promise.resolve()
      },
      commit: (aborted) => {
        const i = segs[0] === undefined ? -1 : this.#segments.indexOf(segs[0])
        // Truncated, deleted by retention, or become active again: the rewrite is stale.
        const stale =
          i < 0 ||
          this.#closed ||
          i + group.length >= this.#segments.length ||
          segs.some(
            (seg, k) => seg === undefined || this.#segments[i + k] !== seg || seg.size !== group[k]!.size,
          )
        if (stale) return Promise.resolve(false)
        const first = segs[0]!
        const last = segs[segs.length - 1]!
        // The group's aborted transactions (markers in its range) become the cleaner's list.
        const from = first.baseOffset
        const to = this.#segments[i + group.length]!.baseOffset
        const outside = this.#aborted.filter((t) => t.lastOffset < from || t.lastOffset >= to)
        const at = outside.findIndex((t) => t.lastOffset >= to)
        this.#aborted =
          at < 0 ? [...outside, ...aborted] : [...outside.slice(0, at), ...aborted, ...outside.slice(at)]
        if (out.length === 0 && i > 0) {
          // An emptied group goes (the first segment stays: it anchors the log start).
          this.#segments.splice(i, group.length)
        } else {
          first.batches = out
          const { createdMs } = first
          const { lastModifiedMs } = last
          this.#reindex(first)
          first.createdMs = createdMs
          first.lastModifiedMs = lastModifiedMs
          this.#segments.splice(i + 1, group.length - 1)
        }
        return Promise.resolve(true)
      },
      abort: () => Promise.resolve(),
    }
  }

  flush(): Promise<void> {
    return Promise.resolve()
  }

  /** Closes the log (a deleted topic, a stopped store): its memory goes back for reuse. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    if (this.#pack !== undefined) this.#blocks.close(this.#pack)
    this.#pack = undefined
    for (const seg of this.#segments) this.#dropBlocks(seg.batches)
    this.#segments = [newSegment(this.#logEndOffset, this.#options.now())]
    return Promise.resolve()
  }
}
