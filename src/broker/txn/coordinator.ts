// The transaction coordinator (Kafka's TransactionCoordinator + TransactionStateManager, for one
// node): producer ids for idempotent and transactional producers, the state machine of each
// transactional id (txn-state.ts), its durable record in __transaction_state (txn-log.ts), markers
// at the end of a transaction (markers.ts), timeouts and recovery.
//
// Concurrency (the Node form of Kafka's pendingState): a transactional id whose transition is being
// written is `pending`; any other request for it meanwhile answers CONCURRENT_TRANSACTIONS (which
// clients retry). Each transition is computed synchronously, then its record is appended, then
// applied — never an await in the middle of the decision. A failed append leaves the state as it was
// and answers COORDINATOR_NOT_AVAILABLE (retriable).
//
// Differences from Kafka, chosen for a single in-process node:
// - EndTxn answers once the markers are written and the Complete state is durable (Kafka answers
//   after Prepare). Clients see the same outcome with fewer CONCURRENT_TRANSACTIONS retries. If a
//   marker cannot be written the answer is still success after Prepare (as in Kafka), and the
//   completion is retried by a timer and on the next start.
// - InitProducerId that fences an Ongoing transaction aborts it (with the bumped epoch) before
//   answering, instead of answering CONCURRENT_TRANSACTIONS and letting the client retry.
// - Ongoing transactions stay open across a restart (the timeout still applies): their data is in
//   the partitions and their pending offsets in __consumer_offsets (transactional batches the group
//   coordinator replays as pending until this coordinator's marker).
// - Coordinator epoch is 0 (this node is the permanent leader of __transaction_state).
//
// Transactions v2 (KIP-890 part 2), chosen per request as Kafka does (the finalized
// transaction.version only tells clients which protocol to use):
// - EndTxn v5+ bumps the epoch at every commit/abort: the Prepare record carries epoch + 1 (and the
//   markers are written with it); when the epoch is exhausted (≥ 32766) a fresh producer id is
//   reserved in the Prepare record (NextProducerId) and takes over, at epoch 0, in the Complete
//   record. EndTxn answers with the id/epoch the client continues with. The transaction's
//   ClientTransactionVersion (2) decides how a retried EndTxn is recognised: by epoch + 1.
// - Produce v12+ and TxnOffsetCommit v5+ add their partition to the transaction themselves
//   (`addPartitionImplicitly`); transactions v1 clients add it with AddPartitionsToTxn and their
//   batches are verified against the transaction (KIP-890 part 1, `verifyBatch`).

import { ErrorCode } from '../../protocol/errors.ts'
import type { TopicPartition } from '../../storage/log-store.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { ProducerBatch } from '../produce/producer-state-hook.ts'
import { CONSUMER_OFFSETS_TOPIC, type MarkerWriter } from './markers.ts'
import type { TxnLog, TxnLogRecord, TxnLogValue } from './txn-log.ts'
import { checkTransition, txnStateByName, txnStateName, TxnState } from './txn-state.ts'

const NO_PRODUCER_ID = -1n
const NO_EPOCH = -1
/** An epoch this high is not bumped further: the producer id is replaced (Kafka: Short.MaxValue - 1). */
const MAX_EPOCH = 32766
const COORDINATOR_EPOCH = 0
const PRODUCER_ID_BLOCK = 1000
const MARKER_RETRY_MS = 1000

export interface TxnCoordinatorConfig {
  /** transaction.max.timeout.ms */
  maxTimeoutMs: number
  /** transactional.id.expiration.ms */
  transactionalIdExpirationMs: number
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutIntervalMs: number
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredIntervalMs: number
}

export interface TxnCoordinatorOptions {
  clock: Clock
  log: TxnLog
  markers: MarkerWriter
  config: TxnCoordinatorConfig
  /** Reserves `count` producer ids and returns the first (MetadataStore.allocateProducerIds). */
  allocateProducerIds: (count: number) => Promise<bigint>
  /** The __consumer_offsets partition of a group. */
  offsetsPartitionFor: (groupId: string) => number
  onError?: (err: unknown) => void
}

export interface ProducerIdAndEpoch {
  errorCode: number
  producerId: bigint
  producerEpoch: number
}

export interface DescribedTxn {
  errorCode: number
  transactionalId: string
  transactionState: string
  transactionTimeoutMs: number
  transactionStartTimeMs: bigint
  producerId: bigint
  producerEpoch: number
  topics: Array<{ topic: string; partitions: number[] }>
}

interface TxnMetadata {
  readonly transactionalId: string
  producerId: bigint
  /** The id before the last rotation (KIP-360 retries, transactions-v2 overflow retries). */
  previousProducerId: bigint
  /** Set between a transactions-v2 Prepare with an exhausted epoch and its Complete. */
  nextProducerId: bigint
  /** 2 when the client's last transition used transactions v2, else 0. */
  clientTransactionVersion: number
  /** The epoch before the last bump (retried InitProducerId, KIP-360). */
  lastProducerEpoch: number
  producerEpoch: number
  timeoutMs: number
  state: TxnState
  /** "topic\0partition" → partition */
  partitions: Map<string, TopicPartition>
  /** Wall ms when the current transaction started (-1 when none). */
  startTimestamp: number
  lastUpdateTimestamp: number
  pending: boolean
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`

/** Kafka's TransactionMetadata.isEpochExhausted: no further bump without a new producer id. */
const isEpochExhausted = (epoch: number): boolean => epoch >= MAX_EPOCH

/** Implicit partition adds of one transactional id waiting to be written together. */
interface ImplicitAdd {
  producerId: bigint
  epoch: number
  partitions: Map<string, TopicPartition>
  done: Promise<number>
}

function result(
  errorCode: number,
  producerId = NO_PRODUCER_ID,
  producerEpoch = NO_EPOCH,
): ProducerIdAndEpoch {
  return { errorCode, producerId, producerEpoch }
}

export class TransactionCoordinator {
  private readonly clock: Clock
  private readonly log: TxnLog
  private readonly markers: MarkerWriter
  private readonly config: TxnCoordinatorConfig
  private readonly allocate: (count: number) => Promise<bigint>
  private readonly offsetsPartitionFor: (groupId: string) => number
  private readonly onError: (err: unknown) => void
  private readonly txns = new Map<string, TxnMetadata>()
  /** Producer id → transactional id, for Produce-time verification. */
  private readonly byProducerId = new Map<bigint, string>()
  /** Transactional ids whose first record is being written. */
  private readonly creating = new Set<string>()
  /** Per transactional id: the implicit add not yet started, and the tail of the chain. */
  private readonly implicitAdds = new Map<string, { open: ImplicitAdd | undefined; tail: Promise<unknown> }>()
  private idBlock: { next: bigint; end: bigint } | undefined
  private allocating: Promise<void> | undefined
  private state: 'loading' | 'active' | 'closed' = 'loading'
  private readonly timers = new Set<TimerHandle>()
  private readonly inFlight = new Set<Promise<unknown>>()

  constructor(options: TxnCoordinatorOptions) {
    this.clock = options.clock
    this.log = options.log
    this.markers = options.markers
    this.config = options.config
    this.allocate = options.allocateProducerIds
    this.offsetsPartitionFor = options.offsetsPartitionFor
    this.onError = options.onError ?? (() => {})
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Replays __transaction_state, completes prepared transactions, starts the periodic tasks. */
  async load(): Promise<void> {
    await this.log.replay((r) => this.replay(r))
    this.state = 'active'
    for (const m of [...this.txns.values()]) {
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
        await this.completeTransaction(m, m.state === TxnState.PrepareCommit).catch((err: unknown) => {
          this.onError(err)
          this.scheduleCompletion(m)
        })
      }
    }
    this.schedule(this.config.abortTimedOutIntervalMs, () => this.abortTimedOut(), true)
    this.schedule(this.config.removeExpiredIntervalMs, () => this.expireTransactionalIds(), true)
  }

  async close(): Promise<void> {
    this.state = 'closed'
    for (const t of this.timers) t.cancel()
    this.timers.clear()
    await Promise.allSettled([...this.inFlight])
  }

  private schedule(ms: number, fn: () => Promise<unknown> | void, repeat: boolean): void {
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(handle)
      if (this.state !== 'active') return
      const p = Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.onError(err))
        .finally(() => {
          this.inFlight.delete(p)
          if (repeat && this.state === 'active') this.schedule(ms, fn, true)
        })
      this.inFlight.add(p)
    }, ms)
    this.timers.add(handle)
  }

  private replay(r: TxnLogRecord): void {
    if (r.value === null) {
      const m = this.txns.get(r.transactionalId)
      if (m !== undefined) this.byProducerId.delete(m.producerId)
      this.txns.delete(r.transactionalId)
      return
    }
    this.apply(r.transactionalId, r.value, this.txns.get(r.transactionalId))
  }

  private apply(transactionalId: string, v: TxnLogValue, prev: TxnMetadata | undefined): TxnMetadata {
    const m: TxnMetadata = prev ?? {
      transactionalId,
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: v.nextProducerId,
      clientTransactionVersion: v.clientTransactionVersion,
      lastProducerEpoch: NO_EPOCH,
      producerEpoch: v.producerEpoch,
      timeoutMs: v.timeoutMs,
      state: v.state,
      partitions: new Map(),
      startTimestamp: v.startTimestamp,
      lastUpdateTimestamp: v.lastUpdateTimestamp,
      pending: false,
    }
    if (prev !== undefined && prev.producerId !== v.producerId) this.byProducerId.delete(prev.producerId)
    // The epoch before the last bump; a transactions-v2 Complete also records the Prepare's epoch
    // (Kafka's prepareComplete), so a client still on the epoch before that end is fenced.
    const v2Complete =
      v.clientTransactionVersion >= 2 &&
      (v.state === TxnState.CompleteCommit || v.state === TxnState.CompleteAbort)
    if (prev !== undefined && (v.producerEpoch !== prev.producerEpoch || v2Complete))
      m.lastProducerEpoch = prev.producerEpoch
    m.producerId = v.producerId
    m.previousProducerId = v.previousProducerId
    m.nextProducerId = v.nextProducerId
    m.clientTransactionVersion = v.clientTransactionVersion
    m.producerEpoch = v.producerEpoch
    m.timeoutMs = v.timeoutMs
    m.state = v.state
    m.partitions = new Map()
    for (const t of v.partitions)
      for (const p of t.partitions)
        m.partitions.set(tpKey({ topic: t.topic, partition: p }), { topic: t.topic, partition: p })
    m.startTimestamp = v.startTimestamp
    m.lastUpdateTimestamp = v.lastUpdateTimestamp
    this.txns.set(transactionalId, m)
    this.byProducerId.set(m.producerId, transactionalId)
    return m
  }

  private value(m: TxnMetadata, change: Partial<TxnLogValue>): TxnLogValue {
    const byTopic = new Map<string, number[]>()
    for (const tp of m.partitions.values()) {
      const list = byTopic.get(tp.topic)
      if (list === undefined) byTopic.set(tp.topic, [tp.partition])
      else list.push(tp.partition)
    }
    return {
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      timeoutMs: m.timeoutMs,
      state: m.state,
      partitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      lastUpdateTimestamp: this.clock.now(),
      startTimestamp: m.startTimestamp,
      previousProducerId: m.previousProducerId,
      nextProducerId: m.nextProducerId,
      clientTransactionVersion: m.clientTransactionVersion,
      ...change,
    }
  }

  /** Appends the transition, then applies it. The caller has set `pending`; this clears it on failure. */
  private async persist(
    transactionalId: string,
    m: TxnMetadata | undefined,
    v: TxnLogValue,
  ): Promise<TxnMetadata> {
    if (m !== undefined) checkTransition(m.state, v.state)
    try {
      await this.log.append({ transactionalId, value: v })
    } catch (err) {
      if (m !== undefined) m.pending = false
      this.onError(err)
      throw new CoordinatorWriteError()
    }
    const applied = this.apply(transactionalId, v, m)
    applied.pending = false
    return applied
  }

  private ensureActive(): number {
    if (this.state === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    if (this.state === 'closed') return ErrorCode.NOT_COORDINATOR
    return ErrorCode.NONE
  }

  // ---- producer ids ------------------------------------------------------------------------------

  /** The next producer id, from blocks reserved durably in the metadata store. */
  async nextProducerId(): Promise<bigint> {
    for (;;) {
      const b = this.idBlock
      if (b !== undefined && b.next < b.end) return b.next++
      if (this.allocating === undefined)
        this.allocating = this.allocate(PRODUCER_ID_BLOCK)
          .then((first) => {
            this.idBlock = { next: first, end: first + BigInt(PRODUCER_ID_BLOCK) }
          })
          .finally(() => {
            this.allocating = undefined
          })
      await this.allocating
    }
  }

  // ---- InitProducerId ------------------------------------------------------------------------------

  async initProducerId(
    transactionalId: string | null,
    timeoutMs: number,
    expectedProducerId: bigint,
    expectedEpoch: number,
  ): Promise<ProducerIdAndEpoch> {
    const inactive = this.ensureActive()
    if (inactive !== ErrorCode.NONE) return result(inactive)
    if (transactionalId === null) {
      // Idempotent producer: a fresh id every time (KIP-360's bump only applies to transactional ids).
      try {
        return result(ErrorCode.NONE, await this.nextProducerId(), 0)
      } catch (err) {
        this.onError(err)
        return result(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      }
    }
    if (transactionalId === '') return result(ErrorCode.INVALID_REQUEST)
    if (timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs)
      return result(ErrorCode.INVALID_TRANSACTION_TIMEOUT)
    try {
      return await this.initTransactional(transactionalId, timeoutMs, expectedProducerId, expectedEpoch)
    } catch (err) {
      if (err instanceof CoordinatorWriteError) return result(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      throw err
    }
  }

  private async initTransactional(
    transactionalId: string,
    timeoutMs: number,
    expectedProducerId: bigint,
    expectedEpoch: number,
  ): Promise<ProducerIdAndEpoch> {
    const m = this.txns.get(transactionalId)
    if (m === undefined) {
      // A first InitProducerId for this id is being written: the other one retries.
      if (this.creating.has(transactionalId)) return result(ErrorCode.CONCURRENT_TRANSACTIONS)
      this.creating.add(transactionalId)
      try {
        const producerId = await this.nextProducerId()
        const created = await this.persist(transactionalId, undefined, {
          producerId,
          producerEpoch: 0,
          timeoutMs,
          state: TxnState.Empty,
          partitions: [],
          lastUpdateTimestamp: this.clock.now(),
          startTimestamp: -1,
          previousProducerId: NO_PRODUCER_ID,
          nextProducerId: NO_PRODUCER_ID,
          clientTransactionVersion: 0,
        })
        return result(ErrorCode.NONE, created.producerId, created.producerEpoch)
      } finally {
        this.creating.delete(transactionalId)
      }
    }
    if (m.pending) return result(ErrorCode.CONCURRENT_TRANSACTIONS)
    if (expectedProducerId !== NO_PRODUCER_ID) {
      // KIP-360: the producer says which id/epoch it last had; a retry of the bump that already
      // happened gets the current id/epoch back (also a retry of a rotation to a new id, which
      // names the previous id at its exhausted epoch), anything else is a zombie.
      const sameId =
        expectedProducerId === m.producerId ||
        (expectedProducerId === m.previousProducerId && isEpochExhausted(expectedEpoch))
      if (sameId && expectedEpoch === m.lastProducerEpoch && m.state === TxnState.Empty)
        return result(ErrorCode.NONE, m.producerId, m.producerEpoch)
      if (expectedProducerId !== m.producerId || expectedEpoch !== m.producerEpoch)
        return result(ErrorCode.PRODUCER_FENCED)
    }
    switch (m.state) {
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
        return result(ErrorCode.CONCURRENT_TRANSACTIONS)
      case TxnState.Ongoing:
        // Fence the running producer: abort its transaction with a bumped epoch, then bump again.
        await this.abortWithEpochBump(m)
        // Markers that could not be written yet: the client retries until the abort completes.
        if (m.pending || (m.state as TxnState) !== TxnState.CompleteAbort)
          return result(ErrorCode.CONCURRENT_TRANSACTIONS)
        break
      case TxnState.Dead:
      case TxnState.PrepareEpochFence:
        return result(ErrorCode.CONCURRENT_TRANSACTIONS)
      default:
        break
    }
    let producerId = m.producerId
    let epoch = m.producerEpoch + 1
    m.pending = true
    if (isEpochExhausted(m.producerEpoch)) {
      try {
        producerId = await this.nextProducerId()
      } catch (err) {
        m.pending = false
        throw err
      }
      epoch = 0
    }
    const now = this.clock.now()
    const bumped = await this.persist(transactionalId, m, {
      ...this.value(m, {}),
      producerId,
      producerEpoch: epoch,
      timeoutMs,
      state: TxnState.Empty,
      partitions: [],
      lastUpdateTimestamp: now,
      startTimestamp: -1,
      previousProducerId: producerId === m.producerId ? m.previousProducerId : m.producerId,
      nextProducerId: NO_PRODUCER_ID,
    })
    return result(ErrorCode.NONE, bumped.producerId, bumped.producerEpoch)
  }

  /** Ongoing → PrepareEpochFence → PrepareAbort (epoch + 1) → markers → CompleteAbort. */
  private async abortWithEpochBump(m: TxnMetadata): Promise<void> {
    checkTransition(m.state, TxnState.PrepareEpochFence)
    m.state = TxnState.PrepareEpochFence
    m.pending = true
    try {
      await this.persist(
        m.transactionalId,
        m,
        this.value(m, { state: TxnState.PrepareAbort, producerEpoch: m.producerEpoch + 1 }),
      )
    } catch (err) {
      m.state = TxnState.Ongoing
      throw err
    }
    await this.finish(m, false)
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn ---------------------------------------------------------

  /** Validates the producer against the id's state; NONE when it may act on its transaction. */
  private validate(m: TxnMetadata | undefined, producerId: bigint, epoch: number): number {
    if (m === undefined) return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if (m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if (m.producerEpoch !== epoch) return ErrorCode.PRODUCER_FENCED
    if (m.pending) return ErrorCode.CONCURRENT_TRANSACTIONS
    if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort)
      return ErrorCode.CONCURRENT_TRANSACTIONS
    if (m.state === TxnState.Dead || m.state === TxnState.PrepareEpochFence)
      return ErrorCode.INVALID_TXN_STATE
    return ErrorCode.NONE
  }

  /**
   * Adds partitions (already checked to exist) to the producer's transaction. `clientVersion` is
   * the transaction version of the request (2: an implicit add of Produce v12+/TxnOffsetCommit v5+,
   * or AddPartitionsToTxn v5+ from a broker doing one; 0: a transactions v1 client).
   */
  async addPartitions(
    transactionalId: string,
    producerId: bigint,
    epoch: number,
    partitions: readonly TopicPartition[],
    clientVersion = 0,
  ): Promise<number> {
    const inactive = this.ensureActive()
    if (inactive !== ErrorCode.NONE) return inactive
    const m = this.txns.get(transactionalId)
    const invalid = this.validate(m, producerId, epoch)
    if (invalid !== ErrorCode.NONE || m === undefined) return invalid
    if (m.state === TxnState.Ongoing && partitions.every((tp) => m.partitions.has(tpKey(tp))))
      return ErrorCode.NONE
    const now = this.clock.now()
    const next = new Map(m.partitions)
    const fresh = m.state !== TxnState.Ongoing
    if (fresh) next.clear()
    for (const tp of partitions) next.set(tpKey(tp), tp)
    m.pending = true
    const v = this.value(
      { ...m, partitions: next },
      {
        state: TxnState.Ongoing,
        startTimestamp: fresh ? now : m.startTimestamp,
        lastUpdateTimestamp: now,
        clientTransactionVersion: clientVersion,
      },
    )
    try {
      await this.persist(transactionalId, m, v)
    } catch (err) {
      if (err instanceof CoordinatorWriteError) return ErrorCode.COORDINATOR_NOT_AVAILABLE
      throw err
    }
    return ErrorCode.NONE
  }

  /**
   * KIP-890 part 2: Produce v12+ and TxnOffsetCommit v5+ add their partition to the transaction
   * themselves. Undefined when the partition is already in the producer's ongoing transaction (go
   * on at once); otherwise a promise of the coordinator's answer (NONE, or the error of
   * AddPartitionsToTxn). The adds of one transactional id are written in arrival order, and those
   * arriving while one is queued join it: one record for all the new partitions of a request.
   */
  addPartitionImplicitly(
    transactionalId: string,
    producerId: bigint,
    epoch: number,
    tp: TopicPartition,
  ): Promise<number> | undefined {
    const m = this.txns.get(transactionalId)
    if (
      m !== undefined &&
      m.state === TxnState.Ongoing &&
      m.producerId === producerId &&
      m.producerEpoch === epoch &&
      m.partitions.has(tpKey(tp))
    )
      return undefined
    let chain = this.implicitAdds.get(transactionalId)
    if (chain === undefined) {
      chain = { open: undefined, tail: Promise.resolve() }
      this.implicitAdds.set(transactionalId, chain)
    }
    const open = chain.open
    if (open !== undefined && open.producerId === producerId && open.epoch === epoch) {
      open.partitions.set(tpKey(tp), tp)
      return open.done
    }
    const c = chain
    const add: ImplicitAdd = {
      producerId,
      epoch,
      partitions: new Map([[tpKey(tp), tp]]),
      done: c.tail.then(() => {
        if (c.open === add) c.open = undefined
        return this.addPartitions(transactionalId, producerId, epoch, [...add.partitions.values()], 2)
      }),
    }
    c.open = add
    const tail = add.done.then(
      () => {},
      () => {},
    )
    c.tail = tail
    void tail.then(() => {
      if (this.implicitAdds.get(transactionalId) === c && c.tail === tail && c.open === undefined)
        this.implicitAdds.delete(transactionalId)
    })
    return add.done
  }

  /**
   * KIP-890 part 1 (AddPartitionsToTxn v4+ verifyOnly, and Produce of transactions v1 clients):
   * is each partition in the producer's transaction. Kafka's coordinator answers: NONE,
   * INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS (Prepare*), or
   * TRANSACTION_ABORTABLE (not added; the broker turns it into INVALID_TXN_STATE for older clients).
   * The pending flag is not checked: the partition set only grows until the end markers.
   */
  verifyPartitions(
    transactionalId: string,
    producerId: bigint,
    epoch: number,
    partitions: readonly TopicPartition[],
  ): number[] {
    const m = this.txns.get(transactionalId)
    return partitions.map((tp) => this.verify(m, producerId, epoch, tp))
  }

  private verify(m: TxnMetadata | undefined, producerId: bigint, epoch: number, tp: TopicPartition): number {
    if (m === undefined || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if (m.producerEpoch !== epoch) return ErrorCode.PRODUCER_FENCED
    if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort)
      return ErrorCode.CONCURRENT_TRANSACTIONS
    if (m.state !== TxnState.Ongoing || !m.partitions.has(tpKey(tp))) return ErrorCode.TRANSACTION_ABORTABLE
    return ErrorCode.NONE
  }

  addOffsets(transactionalId: string, producerId: bigint, epoch: number, groupId: string): Promise<number> {
    return this.addPartitions(transactionalId, producerId, epoch, [this.offsetsTopicPartition(groupId)])
  }

  /** The __consumer_offsets partition holding a group's offsets. */
  offsetsTopicPartition(groupId: string): TopicPartition {
    return { topic: CONSUMER_OFFSETS_TOPIC, partition: this.offsetsPartitionFor(groupId) }
  }

  /**
   * Produce-time check of a transactional batch (KIP-890 part 1): the producer's transaction is
   * ongoing, at this epoch, and has added the partition. Kafka's coordinator codes (see
   * verifyPartitions); the produce path translates them for the request version.
   */
  verifyBatch(batch: ProducerBatch): number {
    const id = batch.transactionalId ?? this.byProducerId.get(batch.producerId)
    const m = id === undefined ? undefined : this.txns.get(id)
    return this.verify(m, batch.producerId, batch.producerEpoch, batch.topicPartition)
  }

  /** TxnOffsetCommit's check: the producer's transaction is ongoing and has added the group. */
  verifyOffsetCommit(transactionalId: string, producerId: bigint, epoch: number, groupId: string): number {
    const inactive = this.ensureActive()
    if (inactive !== ErrorCode.NONE) return inactive
    return this.verify(this.txns.get(transactionalId), producerId, epoch, this.offsetsTopicPartition(groupId))
  }

  // ---- EndTxn ---------------------------------------------------------------------------------------

  /**
   * Ends the transaction. `clientVersion` 2 (EndTxn v5+) bumps the epoch (see the header); the
   * answer carries the producer id and epoch the client goes on with.
   */
  async endTxn(
    transactionalId: string,
    producerId: bigint,
    epoch: number,
    commit: boolean,
    clientVersion = 0,
  ): Promise<ProducerIdAndEpoch> {
    const inactive = this.ensureActive()
    if (inactive !== ErrorCode.NONE) return result(inactive)
    const m = this.txns.get(transactionalId)
    if (m === undefined) return result(ErrorCode.INVALID_PRODUCER_ID_MAPPING)
    // A transactions-v2 end bumped the epoch: its retry names the epoch before the bump (or, after
    // a rotation, the previous id at the exhausted epoch). The same epoch again is the next end.
    const v2 = m.clientTransactionVersion >= 2
    const retryOnBump = v2 && m.producerEpoch === epoch + 1
    const retryOnOverflow =
      v2 && m.previousProducerId === producerId && epoch === MAX_EPOCH && m.producerEpoch === 0
    let validEpoch = epoch === m.producerEpoch
    if (v2)
      switch (m.state) {
        case TxnState.PrepareCommit:
        case TxnState.PrepareAbort:
          validEpoch = retryOnBump
          break
        case TxnState.CompleteCommit:
        case TxnState.CompleteAbort:
          validEpoch = retryOnBump || retryOnOverflow
          break
        default:
          break
      }
    if (m.producerId !== producerId && !retryOnOverflow) return result(ErrorCode.INVALID_PRODUCER_ID_MAPPING)
    if (!validEpoch) return result(ErrorCode.PRODUCER_FENCED)
    if (m.pending) return result(ErrorCode.CONCURRENT_TRANSACTIONS)
    const ok = result(ErrorCode.NONE, m.producerId, m.producerEpoch)
    switch (m.state) {
      case TxnState.Ongoing:
        break
      case TxnState.CompleteCommit:
        return commit ? ok : result(ErrorCode.INVALID_TXN_STATE)
      case TxnState.CompleteAbort:
        return commit ? result(ErrorCode.INVALID_TXN_STATE) : ok
      case TxnState.PrepareCommit:
        return result(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE)
      case TxnState.PrepareAbort:
        return result(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS)
      default:
        return result(ErrorCode.INVALID_TXN_STATE)
    }
    m.pending = true
    const bump = clientVersion >= 2
    let nextProducerId = NO_PRODUCER_ID
    if (bump && isEpochExhausted(m.producerEpoch))
      try {
        nextProducerId = await this.nextProducerId()
      } catch (err) {
        m.pending = false
        this.onError(err)
        return result(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      }
    try {
      await this.persist(
        transactionalId,
        m,
        this.value(m, {
          state: commit ? TxnState.PrepareCommit : TxnState.PrepareAbort,
          producerEpoch: bump ? m.producerEpoch + 1 : m.producerEpoch,
          nextProducerId,
          clientTransactionVersion: clientVersion,
        }),
      )
    } catch (err) {
      if (err instanceof CoordinatorWriteError) return result(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      throw err
    }
    await this.finish(m, commit)
    // Complete: the id/epoch as they now are. Still Prepare (markers retried later): the ones the
    // Complete record will hold.
    const state = m.state as TxnState
    if (state === TxnState.PrepareCommit || state === TxnState.PrepareAbort)
      return m.nextProducerId !== NO_PRODUCER_ID
        ? result(ErrorCode.NONE, m.nextProducerId, 0)
        : result(ErrorCode.NONE, m.producerId, m.producerEpoch)
    return result(ErrorCode.NONE, m.producerId, m.producerEpoch)
  }

  /** After Prepare: markers and Complete; on failure, retried later (the answer is already decided). */
  private async finish(m: TxnMetadata, commit: boolean): Promise<void> {
    try {
      await this.completeTransaction(m, commit)
    } catch (err) {
      this.onError(err)
      this.scheduleCompletion(m)
    }
  }

  /**
   * PrepareCommit/PrepareAbort → markers (with the Prepare's epoch) → CompleteCommit/CompleteAbort.
   * A transactions-v2 Complete hands over to NextProducerId at epoch 0 when one was reserved.
   */
  private async completeTransaction(m: TxnMetadata, commit: boolean): Promise<void> {
    m.pending = true
    try {
      await this.markers.write({
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        commit,
        coordinatorEpoch: COORDINATOR_EPOCH,
        partitions: [...m.partitions.values()],
      })
    } catch (err) {
      m.pending = false
      throw err
    }
    const v2 = m.clientTransactionVersion >= 2
    const rotate = v2 && m.nextProducerId !== NO_PRODUCER_ID
    await this.persist(
      m.transactionalId,
      m,
      this.value(m, {
        state: commit ? TxnState.CompleteCommit : TxnState.CompleteAbort,
        partitions: [],
        startTimestamp: -1,
        producerId: rotate ? m.nextProducerId : m.producerId,
        producerEpoch: rotate ? 0 : m.producerEpoch,
        previousProducerId: v2 ? m.producerId : m.previousProducerId,
        nextProducerId: NO_PRODUCER_ID,
      }),
    )
  }

  private scheduleCompletion(m: TxnMetadata): void {
    this.schedule(
      MARKER_RETRY_MS,
      async () => {
        if (m.pending || (m.state !== TxnState.PrepareCommit && m.state !== TxnState.PrepareAbort)) return
        await this.completeTransaction(m, m.state === TxnState.PrepareCommit).catch((err: unknown) => {
          this.onError(err)
          this.scheduleCompletion(m)
        })
      },
      false,
    )
  }

  // ---- timeouts and expiry -------------------------------------------------------------------------

  /** Aborts every Ongoing transaction older than its timeout, fencing its producer (epoch bump). */
  async abortTimedOut(): Promise<number> {
    const now = this.clock.now()
    let aborted = 0
    for (const m of [...this.txns.values()]) {
      if (m.pending || m.state !== TxnState.Ongoing || m.startTimestamp + m.timeoutMs > now) continue
      aborted++
      await this.abortWithEpochBump(m).catch((err: unknown) => this.onError(err))
    }
    return aborted
  }

  /** Removes transactional ids idle for transactional.id.expiration.ms (a tombstone each). */
  async expireTransactionalIds(): Promise<number> {
    const cutoff = this.clock.now() - this.config.transactionalIdExpirationMs
    let removed = 0
    for (const m of [...this.txns.values()]) {
      const idle =
        m.state === TxnState.Empty ||
        m.state === TxnState.CompleteCommit ||
        m.state === TxnState.CompleteAbort
      if (m.pending || !idle || m.lastUpdateTimestamp > cutoff) continue
      m.pending = true
      try {
        await this.log.append({ transactionalId: m.transactionalId, value: null })
        checkTransition(m.state, TxnState.Dead)
        this.txns.delete(m.transactionalId)
        this.byProducerId.delete(m.producerId)
        m.state = TxnState.Dead
        removed++
      } catch (err) {
        this.onError(err)
      } finally {
        m.pending = false
      }
    }
    return removed
  }

  // ---- admin -------------------------------------------------------------------------------------

  describe(transactionalIds: readonly string[]): DescribedTxn[] {
    const inactive = this.ensureActive()
    return transactionalIds.map((id) => {
      const m = this.txns.get(id)
      const errorCode =
        inactive !== ErrorCode.NONE
          ? inactive
          : m === undefined
            ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND
            : ErrorCode.NONE
      if (m === undefined || errorCode !== ErrorCode.NONE)
        return {
          errorCode,
          transactionalId: id,
          transactionState: '',
          transactionTimeoutMs: 0,
          transactionStartTimeMs: -1n,
          producerId: NO_PRODUCER_ID,
          producerEpoch: NO_EPOCH,
          topics: [],
        }
      const byTopic = new Map<string, number[]>()
      for (const tp of m.partitions.values())
        byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
      return {
        errorCode,
        transactionalId: id,
        transactionState: txnStateName(m.state),
        transactionTimeoutMs: m.timeoutMs,
        transactionStartTimeMs: BigInt(m.startTimestamp),
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      }
    })
  }

  /** ListTransactions: filters by state names, producer ids and (v1) minimum running time. */
  list(
    stateFilters: readonly string[],
    producerIdFilters: readonly bigint[],
    durationFilterMs: bigint,
  ): {
    errorCode: number
    unknownStateFilters: string[]
    transactions: Array<{ transactionalId: string; producerId: bigint; transactionState: string }>
  } {
    const inactive = this.ensureActive()
    if (inactive !== ErrorCode.NONE) return { errorCode: inactive, unknownStateFilters: [], transactions: [] }
    const states = new Set<TxnState>()
    const unknown: string[] = []
    for (const s of stateFilters) {
      const st = txnStateByName(s)
      if (st === undefined) unknown.push(s)
      else states.add(st)
    }
    const pids = new Set(producerIdFilters)
    const now = this.clock.now()
    const transactions = []
    for (const m of this.txns.values()) {
      if (stateFilters.length > 0 && !states.has(m.state)) continue
      if (pids.size > 0 && !pids.has(m.producerId)) continue
      // Kafka's rule (KIP-994): skip what started no more than durationFilter ago.
      if (m.state === TxnState.Dead) continue
      if (durationFilterMs >= 0n && BigInt(now - m.startTimestamp) <= durationFilterMs) continue
      transactions.push({
        transactionalId: m.transactionalId,
        producerId: m.producerId,
        transactionState: txnStateName(m.state),
      })
    }
    return { errorCode: ErrorCode.NONE, unknownStateFilters: unknown, transactions }
  }
}

/** An append to __transaction_state failed; the transition did not happen. */
class CoordinatorWriteError extends Error {
  override name = 'CoordinatorWriteError'
}
