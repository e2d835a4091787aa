// Per-partition producer state (Kafka's ProducerStateManager): for every producer id that wrote to
// a partition, its epoch, the metadata of its last five batches (to acknowledge retried batches
// with their original offsets instead of writing them twice), the sequence it expects next, and
// the first offset of its open transaction (which holds back the partition's last stable offset).
//
// It is the Produce hook (produce/producer-state-hook.ts): `check` runs synchronously in arrival
// order before the append is queued; `appended`/`appendFailed` follow. Batches still being appended
// count for sequence checks (pipelined requests, max.in.flight ≤ 5), so the check never waits.
//
// Rules (ProducerAppendInfo.checkProducerEpoch/checkSequence, UnifiedLog.analyzeAndValidateProducerState):
// - epoch below the producer's current epoch → INVALID_PRODUCER_EPOCH;
// - same epoch, batch equal (first and last sequence) to one of the last five → duplicate: answered
//   with the offsets of the original append, not written again;
// - same epoch, first sequence ≠ last sequence + 1 (mod 2^31) → OUT_OF_ORDER_SEQUENCE_NUMBER;
// - higher epoch → the first sequence must be 0 (a new epoch restarts sequences);
// - an unknown producer (new, expired, or whose state was removed with old segments) is accepted
//   at any sequence, as Kafka does since KIP-360;
// - a transactional batch must belong to an ongoing transaction that has added this partition
//   (KIP-890 part 1 verification, asked of the transaction coordinator) → else TRANSACTION_ABORTABLE
//   (Produce v11+) or INVALID_TXN_STATE (older), see verification-errors.ts;
// - Produce v12+ (KIP-890 part 2): `prepare` first has the coordinator add the partition to the
//   transaction when it is not in it yet, instead of rejecting the batch.
//
// Snapshots and recovery (Kafka's takeSnapshot / rebuildProducerState): the state is written with
// the log as snapshots (the log keeps the files and decides which survive, see
// src/storage/log/producer-snapshots.ts): one at every segment roll, named by the new segment's
// base offset, and one at the log end offset on clean shutdown (`snapshotAll`). On start, `load`
// takes the latest snapshot and scans only the batches after it (the whole log when there is none),
// then writes a snapshot at the log end. A snapshot keeps each producer's last batch only, as
// Kafka's does, so after a restart a retry of that batch is a duplicate; older retries are not.
// Producers whose batches retention deleted live on in the latest snapshot until they expire.
//
// A snapshot at offset B must hold every batch below B and none above. The log reports a roll
// from inside the append that rolls, when everything below B is written but batches (and markers)
// still in flight may not have reported back yet. So the snapshot starts as a copy of the state,
// waits for everything in flight at that moment, applies those that landed below B, and is
// written when the last one has reported (`PendingSnapshot`). Anything checked after the roll
// lands at or above B.
//
// Entries idle for producer.id.expiration.ms with no open transaction are removed (`expire`), and
// are not restored from a snapshot.

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import {
  isControl,
  isTransactional,
  readBatchHeader,
  scanBatches,
} from '../../protocol/records/batch-header.ts'
import { ControlType, decodeControlKey, decodeEndTxnMarker } from '../../protocol/records/control-record.ts'
import { readRecords } from '../../protocol/records/records.ts'
import type {
  AppendResult,
  PartitionLog,
  ProducerSnapshotEntry,
  ProducerStateListener,
} from '../../storage/log-store.ts'
import type { ProducerBatch, ProducerCheck, ProducerStateGuard } from '../produce/producer-state-hook.ts'
import { produceVerificationError } from './verification-errors.ts'

/** How many batches per producer are remembered for duplicate detection (Kafka's NUM_BATCHES_TO_RETAIN). */
export const BATCHES_TO_RETAIN = 5
const INT32_MAX = 0x7fffffff
const READ_CHUNK_BYTES = 1024 * 1024
/** Shutdown snapshots written concurrently (each is a create, write, fsync, rename). */
const SNAPSHOT_WRITES_AT_ONCE = 16

interface BatchMeta {
  firstSeq: number
  lastSeq: number
  firstOffset: bigint
  lastOffset: bigint
  logAppendTime: bigint
}

interface InFlight {
  epoch: number
  firstSeq: number
  lastSeq: number
  /** Seen as a transactional batch that opened the producer's transaction on this partition. */
  opensTxn: boolean
  /** Snapshots taken while this batch was in flight, waiting for it to report. */
  snapshots?: PendingSnapshot[]
}

/** A COMMIT/ABORT marker being appended (see LogMarkerWriter). */
export interface MarkerFlight {
  snapshots?: PendingSnapshot[]
}

/** A snapshot at `offset` waiting for `waiting` in-flight appends to report (see the header). */
interface PendingSnapshot {
  offset: bigint
  entries: Map<bigint, ProducerSnapshotEntry>
  waiting: number
  /** Something it waited for ended in an unknown state: never written. */
  abandoned?: boolean
}

interface ProducerEntry {
  producerId: bigint
  epoch: number
  batches: BatchMeta[]
  inFlight: InFlight[]
  /** First offset of the open transaction on this partition; -1n while it is still being appended. */
  txnFirstOffset: bigint | undefined
  /** Wall-clock ms of the last append (expiry, DescribeProducers). */
  lastTimestamp: number
  coordinatorEpoch: number
}

/** A producer as DescribeProducers reports it. */
export interface ProducerSummary {
  producerId: bigint
  producerEpoch: number
  lastSequence: number
  lastTimestamp: bigint
  coordinatorEpoch: number
  currentTxnStartOffset: bigint
}

/** The transaction coordinator's answer to "may this producer write transactionally here?" (its codes). */
export type TxnVerifier = (batch: ProducerBatch) => number

/**
 * KIP-890 part 2: the coordinator adds the batch's partition to the transaction. Undefined when it
 * is in already; else a promise of the coordinator's code.
 */
export type TxnImplicitAdd = (batch: ProducerBatch) => Promise<number> | undefined

/** The first Produce version whose transactional batches add their partition themselves. */
export const PRODUCE_IMPLICIT_ADD_SINCE = 12

/** Sequence arithmetic wraps at Int32.MAX_VALUE to 0 (DefaultRecordBatch.incrementSequence). */
export function incrementSequence(seq: number, by: number): number {
  return seq > INT32_MAX - by ? by - (INT32_MAX - seq) - 1 : seq + by
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX)
}

class PartitionProducers {
  readonly producers = new Map<bigint, ProducerEntry>()
  /** In-flight transactional appends whose offset is not known yet (their provisional LSO bound). */
  provisional = 0
  provisionalFloor: bigint | undefined
  /** Markers being appended. */
  readonly markers = new Set<MarkerFlight>()
  /** Offset of the latest snapshot loaded or written (-1n: none). */
  snapshotOffset = -1n

  entry(producerId: bigint, epoch: number, now: number): ProducerEntry {
    let e = this.producers.get(producerId)
    if (e === undefined) {
      e = {
        producerId,
        epoch,
        batches: [],
        inFlight: [],
        txnFirstOffset: undefined,
        lastTimestamp: now,
        coordinatorEpoch: -1,
      }
      this.producers.set(producerId, e)
    }
    return e
  }

  /** The first offset of the oldest open transaction (provisional bounds included). */
  firstUnstableOffset(): bigint | undefined {
    let min = this.provisional > 0 ? this.provisionalFloor : undefined
    for (const e of this.producers.values())
      if (
        e.txnFirstOffset !== undefined &&
        e.txnFirstOffset >= 0n &&
        (min === undefined || e.txnFirstOffset < min)
      )
        min = e.txnFirstOffset
    return min
  }
}

/** The oldest open transaction's first offset other than `producerId`'s, or `bound`. */
function openBefore(s: PartitionProducers, producerId: bigint, bound: bigint): bigint {
  let min = bound
  for (const e of s.producers.values())
    if (
      e.producerId !== producerId &&
      e.txnFirstOffset !== undefined &&
      e.txnFirstOffset >= 0n &&
      e.txnFirstOffset < min
    )
      min = e.txnFirstOffset
  return min
}

export interface ProducerStateOptions {
  /** Wall clock (ms). */
  now: () => number
  /** producer.id.expiration.ms */
  producerIdExpirationMs: number
  /** A snapshot write or a reload after truncation failed (the state in memory is unaffected). */
  onError?: (err: unknown, log: PartitionLog) => void
}

/** What `load` did (for logs, tests and start-up measurements). */
export interface LoadResult {
  /** Offset of the snapshot the state started from; undefined when rebuilt from the log start. */
  snapshotOffset: bigint | undefined
  /** Offset the scan started at, and the log end offset it stopped at. */
  scannedFrom: bigint
  scannedTo: bigint
  batchesScanned: number
  producers: number
}

/** DefaultRecordBatch.decrementSequence: sequences wrap at Int32.MAX_VALUE. */
function decrementSequence(seq: number, by: number): number {
  return seq < by ? INT32_MAX - (by - seq) + 1 : seq - by
}

function snapshotEntry(e: ProducerEntry): ProducerSnapshotEntry {
  const last = e.batches.at(-1)
  return {
    producerId: e.producerId,
    producerEpoch: e.epoch,
    lastSequence: last?.lastSeq ?? -1,
    lastOffset: last?.lastOffset ?? -1n,
    offsetDelta: last !== undefined ? Number(last.lastOffset - last.firstOffset) : 0,
    timestamp: BigInt(e.lastTimestamp),
    coordinatorEpoch: e.coordinatorEpoch,
    currentTxnFirstOffset: e.txnFirstOffset !== undefined && e.txnFirstOffset >= 0n ? e.txnFirstOffset : -1n,
  }
}

function emptySnapshotEntry(producerId: bigint, epoch: number): ProducerSnapshotEntry {
  return {
    producerId,
    producerEpoch: epoch,
    lastSequence: -1,
    lastOffset: -1n,
    offsetDelta: 0,
    timestamp: -1n,
    coordinatorEpoch: -1,
    currentTxnFirstOffset: -1n,
  }
}

export class ProducerStateManager implements ProducerStateGuard {
  private readonly partitions = new WeakMap<PartitionLog, PartitionProducers>()
  private readonly writes = new Set<Promise<void>>()
  private readonly options: ProducerStateOptions
  /** Set by the transaction coordinator; without it transactional batches are not verified. */
  verifier: TxnVerifier | undefined
  /** Set by the transaction coordinator; without it Produce v12+ adds no partition. */
  implicitAdd: TxnImplicitAdd | undefined

  constructor(options: ProducerStateOptions) {
    this.options = options
  }

  private state(log: PartitionLog): PartitionProducers {
    let s = this.partitions.get(log)
    if (s === undefined) {
      s = this.fresh(log)
      // A partition created since start: its rolls are snapshotted from now on.
      log.setProducerStateListener(this.listener(log))
    }
    return s
  }

  private fresh(log: PartitionLog): PartitionProducers {
    const s = new PartitionProducers()
    this.partitions.set(log, s)
    return s
  }

  private listener(log: PartitionLog): ProducerStateListener {
    return {
      rolled: (baseOffset) => {
        const s = this.partitions.get(log)
        if (s !== undefined) this.snapshotAt(log, s, baseOffset)
      },
      truncated: () => {
        // The log below the new end is unchanged but what was above is gone: rebuild (Kafka's
        // truncateAndReload). Until the reload finishes the partition's state is empty.
        this.load(log).catch((err: unknown) => this.options.onError?.(err, log))
      },
    }
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /** Starts a snapshot at `offset` (a roll); written once everything in flight has reported. */
  private snapshotAt(log: PartitionLog, s: PartitionProducers, offset: bigint): void {
    const p: PendingSnapshot = { offset, entries: new Map(), waiting: 0 }
    for (const e of s.producers.values()) {
      p.entries.set(e.producerId, snapshotEntry(e))
      for (const f of e.inFlight) {
        ;(f.snapshots ??= []).push(p)
        p.waiting++
      }
    }
    for (const m of s.markers) {
      ;(m.snapshots ??= []).push(p)
      p.waiting++
    }
    if (p.waiting === 0) this.writeSnapshot(log, s, p)
  }

  /** One in-flight append a pending snapshot waited for has reported (`apply` when it landed below). */
  private settle(
    log: PartitionLog,
    s: PartitionProducers,
    waiters: PendingSnapshot[] | undefined,
    landedAt: bigint | undefined,
    apply: (entries: Map<bigint, ProducerSnapshotEntry>) => void,
  ): void {
    for (const p of waiters ?? []) {
      if (landedAt !== undefined && landedAt < p.offset) apply(p.entries)
      if (--p.waiting === 0) this.writeSnapshot(log, s, p)
    }
  }

  private writeSnapshot(log: PartitionLog, s: PartitionProducers, p: PendingSnapshot): void {
    // A reload (truncation) since the roll replaced the state this snapshot was taken from.
    if (this.partitions.get(log) !== s || p.abandoned === true) return
    if (p.offset > s.snapshotOffset) s.snapshotOffset = p.offset
    void this.write(log, p.offset, [...p.entries.values()])
  }

  /** Writes a snapshot; failures go to onError (the state in memory stays right). */
  private write(log: PartitionLog, offset: bigint, entries: ProducerSnapshotEntry[]): Promise<void> {
    const w = log
      .writeProducerSnapshot({ offset, entries })
      .catch((err: unknown) => this.options.onError?.(err, log))
      .finally(() => this.writes.delete(w))
    this.writes.add(w)
    return w
  }

  /** Resolves when every snapshot write started so far has finished. */
  async snapshotsWritten(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes])
  }

  /**
   * Writes a snapshot at the log end offset of every partition that moved since its last one
   * (Kafka does this on clean shutdown). A partition with appends still in flight is skipped: its
   * next start scans from the older snapshot instead.
   */
  async snapshotAll(logs: Iterable<PartitionLog>): Promise<void> {
    const due: Array<{ log: PartitionLog; end: bigint; entries: ProducerSnapshotEntry[] }> = []
    for (const log of logs) {
      const s = this.partitions.get(log) ?? this.fresh(log)
      const end = log.logEndOffset()
      if (end <= s.snapshotOffset || s.markers.size > 0) continue
      // An empty log with no producers: nothing a snapshot would save scanning.
      if (end <= log.logStartOffset() && s.producers.size === 0) continue
      if ([...s.producers.values()].some((e) => e.inFlight.length > 0)) continue
      s.snapshotOffset = end
      due.push({ log, end, entries: [...s.producers.values()].map(snapshotEntry) })
    }
    // A few files at a time: thousands of partitions must not open thousands of files at once.
    let next = 0
    const worker = async (): Promise<void> => {
      for (let d = due[next++]; d !== undefined; d = due[next++]) await this.write(d.log, d.end, d.entries)
    }
    await Promise.all(Array.from({ length: Math.min(SNAPSHOT_WRITES_AT_ONCE, due.length) }, worker))
    // Roll snapshots still being written must finish before the logs close.
    await this.snapshotsWritten()
  }

  private publishLso(log: PartitionLog, s: PartitionProducers): void {
    log.setFirstUnstableOffset(s.firstUnstableOffset())
  }

  // ---- the Produce hook ------------------------------------------------------------------------

  prepare(_log: PartitionLog, batch: ProducerBatch): Promise<void> | undefined {
    if (!batch.transactional || batch.apiVersion < PRODUCE_IMPLICIT_ADD_SINCE) return undefined
    const added = this.implicitAdd?.(batch)
    if (added === undefined) return undefined
    return added.then((code) => {
      const err = produceVerificationError(code, batch.apiVersion)
      if (err !== undefined) throw err
    })
  }

  check(log: PartitionLog, batch: ProducerBatch): ProducerCheck {
    const s = this.state(log)
    const now = this.options.now()
    if (batch.baseSequence < 0)
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `Producer ${batch.producerId} sent a batch without a sequence number`,
      )
    const lastSeq = incrementSequence(batch.baseSequence, Math.max(0, batch.recordsCount - 1))
    const existing = s.producers.get(batch.producerId)
    if (existing !== undefined && batch.producerEpoch < existing.epoch)
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `Epoch of producer ${batch.producerId} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${existing.epoch}`,
      )
    if (existing !== undefined && batch.producerEpoch === existing.epoch) {
      const dup = existing.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq)
      if (dup !== undefined)
        return { kind: 'duplicate', baseOffset: dup.firstOffset, logAppendTime: dup.logAppendTime }
      if (existing.inFlight.some((b) => b.epoch === batch.producerEpoch && b.firstSeq === batch.baseSequence))
        // The original is still being appended; its offset is not known yet. A retriable error makes
        // the client retry, by which time the original is acknowledged and the retry is a duplicate.
        throw new KafkaError(
          ErrorCode.REQUEST_TIMED_OUT,
          'the original of this retried batch is still being appended',
        )
    }
    if (batch.transactional && this.verifier !== undefined) {
      const err = produceVerificationError(this.verifier(batch), batch.apiVersion)
      if (err !== undefined) throw err
    }
    if (existing !== undefined) {
      if (batch.producerEpoch > existing.epoch) {
        if (batch.baseSequence !== 0 && (existing.batches.length > 0 || existing.inFlight.length > 0))
          throw new KafkaError(
            ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            `Producer ${batch.producerId} bumped its epoch to ${batch.producerEpoch} but sent sequence ${batch.baseSequence} (expected 0)`,
          )
      } else {
        const prev = existing.inFlight.at(-1)?.lastSeq ?? existing.batches.at(-1)?.lastSeq
        if (prev !== undefined && !inSequence(prev, batch.baseSequence))
          throw new KafkaError(
            ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            `Out of order sequence number for producer ${batch.producerId} at partition ${log.topicPartition.topic}-${log.topicPartition.partition}: ${batch.baseSequence} (incoming seq. number), ${prev} (current end sequence number)`,
          )
      }
    }
    const e = existing ?? s.entry(batch.producerId, batch.producerEpoch, now)
    if (batch.producerEpoch > e.epoch) {
      e.epoch = batch.producerEpoch
      e.batches = []
    }
    const opensTxn = batch.transactional && e.txnFirstOffset === undefined
    if (opensTxn) {
      // Until the append resolves, the batch's offset is at least the current log end offset.
      e.txnFirstOffset = -1n
      if (s.provisional === 0 || s.provisionalFloor === undefined) s.provisionalFloor = log.logEndOffset()
      s.provisional++
      this.publishLso(log, s)
    }
    e.inFlight.push({ epoch: batch.producerEpoch, firstSeq: batch.baseSequence, lastSeq, opensTxn })
    e.lastTimestamp = now
    return { kind: 'append' }
  }

  appended(log: PartitionLog, batch: ProducerBatch, result: AppendResult): void {
    const s = this.state(log)
    const e = s.producers.get(batch.producerId)
    if (e === undefined) return
    const i = e.inFlight.findIndex(
      (b) => b.firstSeq === batch.baseSequence && b.epoch === batch.producerEpoch,
    )
    const flight = i >= 0 ? e.inFlight.splice(i, 1)[0] : undefined
    this.settle(log, s, flight?.snapshots, result.baseOffset, (entries) => {
      const x = entries.get(batch.producerId) ?? emptySnapshotEntry(batch.producerId, batch.producerEpoch)
      entries.set(batch.producerId, x)
      if (batch.producerEpoch < x.producerEpoch) return
      x.producerEpoch = batch.producerEpoch
      x.lastSequence = flight!.lastSeq
      x.lastOffset = result.lastOffset
      x.offsetDelta = Number(result.lastOffset - result.baseOffset)
      x.timestamp = BigInt(this.options.now())
      if (flight!.opensTxn && x.currentTxnFirstOffset < 0n) x.currentTxnFirstOffset = result.baseOffset
    })
    if (batch.producerEpoch === e.epoch) {
      e.batches.push({
        firstSeq: batch.baseSequence,
        lastSeq:
          flight?.lastSeq ?? incrementSequence(batch.baseSequence, Math.max(0, batch.recordsCount - 1)),
        firstOffset: result.baseOffset,
        lastOffset: result.lastOffset,
        logAppendTime: result.logAppendTime,
      })
      if (e.batches.length > BATCHES_TO_RETAIN) e.batches.shift()
    }
    e.lastTimestamp = this.options.now()
    // Only a batch that opened a transaction moves the first unstable offset (keeps the common
    // idempotent path O(1) however many producers the partition has).
    if (flight?.opensTxn === true) {
      if (e.txnFirstOffset === -1n) e.txnFirstOffset = result.baseOffset
      this.releaseProvisional(s)
      this.publishLso(log, s)
    }
  }

  appendFailed(log: PartitionLog, batch: ProducerBatch, _err?: unknown): void {
    const s = this.state(log)
    const e = s.producers.get(batch.producerId)
    if (e === undefined) return
    const i = e.inFlight.findIndex(
      (b) => b.firstSeq === batch.baseSequence && b.epoch === batch.producerEpoch,
    )
    if (i < 0) return
    const flight = e.inFlight.splice(i, 1)[0]!
    this.settle(log, s, flight.snapshots, undefined, () => undefined)
    if (flight.opensTxn) {
      if (e.txnFirstOffset === -1n) e.txnFirstOffset = undefined
      this.releaseProvisional(s)
    }
    if (e.batches.length === 0 && e.inFlight.length === 0 && e.txnFirstOffset === undefined)
      s.producers.delete(batch.producerId)
    this.publishLso(log, s)
  }

  private releaseProvisional(s: PartitionProducers): void {
    s.provisional = Math.max(0, s.provisional - 1)
    if (s.provisional === 0) s.provisionalFloor = undefined
  }

  // ---- transaction markers -----------------------------------------------------------------------

  /**
   * The first offset of the producer's open transaction on this partition (undefined when it wrote
   * nothing here in this transaction). Used for the aborted-transactions index.
   */
  openTxnFirstOffset(log: PartitionLog, producerId: bigint): bigint | undefined {
    const f = this.partitions.get(log)?.producers.get(producerId)?.txnFirstOffset
    return f === undefined || f < 0n ? undefined : f
  }

  /** The partition's last stable offset once the producer's open transaction is closed. */
  stableOffsetWithout(log: PartitionLog, producerId: bigint): bigint {
    const s = this.partitions.get(log)
    let min = log.highWatermark()
    if (s === undefined) return min
    if (s.provisional > 0 && s.provisionalFloor !== undefined && s.provisionalFloor < min)
      min = s.provisionalFloor
    return openBefore(s, producerId, min)
  }

  /** A COMMIT/ABORT marker is about to be appended: pass the flight to markerAppended/markerFailed. */
  markerStarted(log: PartitionLog): MarkerFlight {
    const flight: MarkerFlight = {}
    this.state(log).markers.add(flight)
    return flight
  }

  /**
   * The marker's append (or what follows it) failed and markerAppended will not be called. Whether
   * it reached the log is unknown, so snapshots waiting for it are abandoned.
   */
  markerFailed(log: PartitionLog, flight: MarkerFlight): void {
    const s = this.partitions.get(log)
    if (s?.markers.delete(flight) !== true) return
    for (const p of flight.snapshots ?? []) p.abandoned = true
    this.settle(log, s, flight.snapshots, undefined, () => undefined)
  }

  /**
   * Applies an appended COMMIT/ABORT marker: closes the producer's transaction on the partition.
   * `appended` is the flight from markerStarted and the marker's offset.
   */
  markerAppended(
    log: PartitionLog,
    producerId: bigint,
    epoch: number,
    coordinatorEpoch: number,
    appended?: { flight: MarkerFlight; offset: bigint },
  ): void {
    const s = this.state(log)
    if (appended !== undefined && s.markers.delete(appended.flight))
      this.settle(log, s, appended.flight.snapshots, appended.offset, (entries) => {
        const x = entries.get(producerId) ?? emptySnapshotEntry(producerId, epoch)
        entries.set(producerId, x)
        if (epoch > x.producerEpoch) {
          // A new epoch forgets the old one's batches (as markerAppended does below).
          x.producerEpoch = epoch
          x.lastSequence = -1
          x.lastOffset = -1n
          x.offsetDelta = 0
        }
        x.currentTxnFirstOffset = -1n
        x.coordinatorEpoch = coordinatorEpoch
        x.timestamp = BigInt(this.options.now())
      })
    const e = s.entry(producerId, epoch, this.options.now())
    if (epoch > e.epoch) {
      e.epoch = epoch
      e.batches = []
    }
    e.txnFirstOffset = undefined
    e.coordinatorEpoch = coordinatorEpoch
    e.lastTimestamp = this.options.now()
    this.publishLso(log, s)
  }

  // ---- recovery, expiry, describe ----------------------------------------------------------------

  /**
   * Rebuilds the partition's producer state: from the latest snapshot, then the batches after it
   * (headers, plus the key of each control record), then writes a snapshot at the log end so the
   * next start need not scan them again. Aborted transactions found in the scan that the log does
   * not index yet are added to it.
   */
  async load(log: PartitionLog): Promise<LoadResult> {
    const s = this.fresh(log)
    log.setProducerStateListener(this.listener(log))
    const indexing: Promise<void>[] = []
    const start = log.logStartOffset()
    let offset = start
    const snapshot = await log.latestProducerSnapshot()
    const now = this.options.now()
    if (snapshot !== undefined) {
      s.snapshotOffset = snapshot.offset
      if (snapshot.offset > offset) offset = snapshot.offset
      for (const x of snapshot.entries) {
        // Expired producers are not restored (ProducerStateManager.isProducerExpired).
        if (x.currentTxnFirstOffset < 0n && now - Number(x.timestamp) >= this.options.producerIdExpirationMs)
          continue
        s.producers.set(x.producerId, {
          producerId: x.producerId,
          epoch: x.producerEpoch,
          batches:
            x.lastOffset >= 0n
              ? [
                  {
                    firstSeq: decrementSequence(x.lastSequence, x.offsetDelta),
                    lastSeq: x.lastSequence,
                    firstOffset: x.lastOffset - BigInt(x.offsetDelta),
                    lastOffset: x.lastOffset,
                    logAppendTime: -1n,
                  },
                ]
              : [],
          inFlight: [],
          txnFirstOffset: x.currentTxnFirstOffset >= 0n ? x.currentTxnFirstOffset : undefined,
          lastTimestamp: Number(x.timestamp),
          coordinatorEpoch: x.coordinatorEpoch,
        })
      }
    }
    const scannedFrom = offset
    let batchesScanned = 0
    const end = log.logEndOffset()
    while (offset < end) {
      const read = await log.read(offset, READ_CHUNK_BYTES, { maxOffset: end })
      if (read.records.length === 0) break
      let next = offset
      for (const chunk of read.records) {
        scanBatches(chunk, 0, chunk.length, false, (pos) => {
          const h = readBatchHeader(chunk, pos)
          const last = h.baseOffset + BigInt(h.lastOffsetDelta)
          if (last >= next) next = last + 1n
          if (last < offset) return
          batchesScanned++
          if (h.producerId < 0n) return
          const e = s.entry(h.producerId, h.producerEpoch, Number(h.maxTimestamp))
          if (h.producerEpoch > e.epoch) {
            e.epoch = h.producerEpoch
            e.batches = []
          }
          e.lastTimestamp = Math.max(e.lastTimestamp, Number(h.maxTimestamp))
          if (isControl(h.attributes)) {
            let type: number
            let record
            try {
              record = readRecords(chunk, pos)[0]
              type = decodeControlKey(record?.key ?? null).type
            } catch {
              return
            }
            if (type === ControlType.Abort && e.txnFirstOffset !== undefined && e.txnFirstOffset >= 0n) {
              const first = e.txnFirstOffset
              // Known by its marker: compaction may have removed the transaction's first batches
              // (the index keeps the original first offset), and the storage loader derives
              // recovered segments' entries itself, so this rarely adds anything.
              if (
                !log
                  .abortedTransactions(last, last + 1n)
                  .some((t) => t.producerId === h.producerId && t.lastOffset === last)
              )
                indexing.push(
                  log.addAbortedTransaction({
                    producerId: h.producerId,
                    firstOffset: first,
                    lastOffset: last,
                    lastStableOffset: openBefore(s, h.producerId, last + 1n),
                  }),
                )
            }
            if (type === ControlType.Abort || type === ControlType.Commit) {
              e.txnFirstOffset = undefined
              try {
                e.coordinatorEpoch = decodeEndTxnMarker(record?.value ?? null).coordinatorEpoch
              } catch {
                // A marker whose value does not decode still closed the transaction.
              }
            }
            return
          }
          if (h.baseSequence >= 0) {
            e.batches.push({
              firstSeq: h.baseSequence,
              lastSeq: incrementSequence(h.baseSequence, Math.max(0, h.recordsCount - 1)),
              firstOffset: h.baseOffset,
              lastOffset: last,
              logAppendTime: (h.attributes & 0x08) !== 0 ? h.maxTimestamp : -1n,
            })
            if (e.batches.length > BATCHES_TO_RETAIN) e.batches.shift()
          }
          if (isTransactional(h.attributes) && e.txnFirstOffset === undefined) e.txnFirstOffset = h.baseOffset
        })
      }
      if (next <= offset) break
      offset = next
    }
    await Promise.all(indexing)
    this.publishLso(log, s)
    if (end > scannedFrom && this.partitions.get(log) === s) {
      s.snapshotOffset = end
      await this.write(log, end, [...s.producers.values()].map(snapshotEntry))
    }
    return {
      snapshotOffset: snapshot?.offset,
      scannedFrom,
      scannedTo: end,
      batchesScanned,
      producers: s.producers.size,
    }
  }

  /** Removes producers idle for producer.id.expiration.ms with nothing open or in flight. */
  expire(log: PartitionLog): number {
    const s = this.partitions.get(log)
    if (s === undefined) return 0
    const cutoff = this.options.now() - this.options.producerIdExpirationMs
    let removed = 0
    for (const [pid, e] of s.producers)
      if (e.lastTimestamp < cutoff && e.txnFirstOffset === undefined && e.inFlight.length === 0) {
        s.producers.delete(pid)
        removed++
      }
    return removed
  }

  describe(log: PartitionLog): ProducerSummary[] {
    const s = this.partitions.get(log)
    if (s === undefined) return []
    return [...s.producers.values()].map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.epoch,
      lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
      lastTimestamp: BigInt(e.lastTimestamp),
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset:
        e.txnFirstOffset !== undefined && e.txnFirstOffset >= 0n ? e.txnFirstOffset : -1n,
    }))
  }
}
