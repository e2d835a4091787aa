// The group coordinator: owns every group (classic and KIP-848 consumer groups), their committed
// offsets and their log (Kafka's GroupCoordinatorShard + runtime, for a single broker).
//
// How a request is processed (the Node form of Kafka's CoordinatorRuntime):
//   1. the protocol flow runs synchronously: it validates, mutates state, emits records and
//      completes or parks its response through a callback;
//   2. the records emitted by that step are appended to the log as one batch, in order with every
//      earlier step (a single promise chain);
//   3. a response is released only after every append issued up to the moment it was completed,
//      so no client sees state that a crash could lose. A failed append answers the request
//      with COORDINATOR_NOT_AVAILABLE, which makes clients retry after rediscovering the coordinator.
// Timer callbacks (session expiry, rebalance timeouts, offset expiry) follow the same steps.
// There is never an await inside step 1, which gives each group the atomicity Kafka gets from its
// single-threaded event processor.

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import type { Clock } from '../clock.ts'
import {
  type ClassicHost,
  ClassicCoordinator,
  type JoinRequest,
  type LeaveMember,
  type LeaveResult,
  type RequestMeta,
  type SyncRequest,
} from './classic-coordinator.ts'
import { ClassicGroup, joinError, type JoinResult, type SyncResult } from './classic-group.ts'
import { ClassicGroupState } from './classic-state.ts'
import { DEFAULT_GROUP_CONFIG, type GroupCoordinatorConfig } from './config.ts'
import {
  ConsumerCoordinator,
  type ConsumerHost,
  type HeartbeatRequest as ConsumerHeartbeatRequest,
  type HeartbeatResult as ConsumerHeartbeatResult,
} from './consumer-coordinator.ts'
import { ConsumerGroupClassicMembers } from './consumer-classic.ts'
import { ConsumerGroup } from './consumer-group.ts'
import {
  type ConsumerGroupDescription,
  type DescribedGroup,
  type ListedGroup,
  deleteGroup,
  deleteOffsets,
  describeConsumerGroup,
  describeGroup,
  listGroups,
} from './group-admin.ts'
import { emitOffset, type Group, type GroupsHost, type TopicResolver } from './group-host.ts'
import type { GroupLog } from './group-log.ts'
import {
  type MigrationHost,
  maybeDowngradeAfterStaticReplacement,
  maybeDowngradeToClassicGroup,
  upgradeToConsumerGroup,
} from './migration.ts'
import { replayRecord, replayTxnEnd } from './group-replay.ts'
import {
  type CommitRequest,
  type TopicPartitionErrors,
  type TxnCommitRequest,
  commitOffsets,
  txnCommitOffsets,
} from './offset-commit.ts'
import { type FetchGroupRequest, type FetchGroupResult, fetchGroupOffsets } from './offset-fetch.ts'
import { expireOffsets } from './offset-retention.ts'
import { OffsetStore } from './offsets.ts'
import type { GroupRecord } from './records.ts'
import { KeyedTimers } from './timers.ts'

// The request and result shapes live with the logic that uses them; handlers and src/broker/txn
// may keep importing them from here.
export type { ConsumerGroupDescription, DescribedGroup, ListedGroup } from './group-admin.ts'
export type { TopicInfo, TopicResolver } from './group-host.ts'
export type {
  CommitPartition,
  CommitRequest,
  TopicPartitionErrors,
  TxnCommitRequest,
} from './offset-commit.ts'
export type { FetchedPartition, FetchGroupRequest, FetchGroupResult } from './offset-fetch.ts'

export interface GroupCoordinatorOptions {
  clock: Clock
  log: GroupLog
  config?: Partial<GroupCoordinatorConfig>
  /** Without it, OffsetCommit accepts any topic and KIP-848 groups see no topics. */
  topics?: TopicResolver
  /** Errors from timer callbacks and background appends (logged by the broker). */
  onError?: (err: unknown) => void
}

const RETENTION_KEY = 'offsets-retention'

export class GroupCoordinator implements ClassicHost, ConsumerHost {
  readonly clock: Clock
  readonly timers: KeyedTimers
  readonly config: GroupCoordinatorConfig
  readonly offsets = new OffsetStore()
  readonly topics: TopicResolver | undefined
  private readonly log: GroupLog
  private readonly onError: (err: unknown) => void
  private readonly groups = new Map<string, Group>()
  private readonly classic: ClassicCoordinator
  private readonly consumer: ConsumerCoordinator
  /** Classic-protocol members inside consumer groups (KIP-848 migration). */
  private readonly classicInConsumer: ConsumerGroupClassicMembers
  private readonly migration: MigrationHost
  /** The view of this coordinator that the offset, admin, retention and replay modules work on. */
  private readonly host: GroupsHost
  private pending: GroupRecord[] = []
  private tail: Promise<void> = Promise.resolve()
  private state: 'loading' | 'active' | 'closed' = 'loading'

  constructor(options: GroupCoordinatorOptions) {
    this.clock = options.clock
    this.log = options.log
    this.topics = options.topics
    this.config = { ...DEFAULT_GROUP_CONFIG, ...options.config }
    this.onError = options.onError ?? (() => {})
    this.timers = new KeyedTimers(this.clock, this.onError, () => void this.flush())
    this.classic = new ClassicCoordinator(this)
    this.consumer = new ConsumerCoordinator(this)
    this.classicInConsumer = new ConsumerGroupClassicMembers(this, this.consumer)
    this.migration = {
      config: this.config,
      topics: this.topics,
      groups: this.groups,
      classic: this.classic,
      consumer: this.consumer,
      now: () => this.clock.now(),
      emit: (record) => this.emit(record),
    }
    this.host = {
      clock: this.clock,
      config: this.config,
      topics: this.topics,
      offsets: this.offsets,
      groups: this.groups,
      classic: this.classic,
      consumer: this.consumer,
      emit: (record) => this.emit(record),
      classicGroup: (groupId) => this.classicGroup(groupId),
      consumerGroup: (groupId) => this.consumerGroup(groupId),
      createClassicGroup: (groupId) => this.createClassicGroup(groupId),
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Replays the log, then starts serving and the periodic offset-expiry task. */
  async load(): Promise<void> {
    await this.log.replay(
      (r) => this.replay(r),
      (producerId, commit) => replayTxnEnd(this.host, producerId, commit),
    )
    for (const g of this.groups.values()) {
      if (g instanceof ClassicGroup) this.classic.onLoaded(g)
      else this.consumer.onLoaded(g)
    }
    this.state = 'active'
    this.scheduleRetention()
  }

  /** Stops timers; parked requests are answered NOT_COORDINATOR (clients rediscover). */
  async close(): Promise<void> {
    this.state = 'closed'
    this.timers.cancelAll()
    for (const g of this.groups.values()) {
      if (!(g instanceof ClassicGroup)) continue
      for (const m of g.members.values()) {
        g.completeJoin(m, joinError(ErrorCode.NOT_COORDINATOR, m.memberId))
        g.completeSync(m, {
          errorCode: ErrorCode.NOT_COORDINATOR,
          protocolType: null,
          protocolName: null,
          assignment: Buffer.alloc(0),
        })
      }
    }
    await this.tail.catch(() => {})
  }

  private ensureActive(): void {
    if (this.state === 'loading') throw new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    if (this.state === 'closed') throw new KafkaError(ErrorCode.NOT_COORDINATOR)
  }

  // ---- ClassicHost -----------------------------------------------------------------------------

  groupKind(groupId: string): 'none' | 'classic' | 'classic-empty' | 'consumer' | 'consumer-empty' {
    const g = this.groups.get(groupId)
    if (g === undefined) return 'none'
    if (g instanceof ClassicGroup) return g.is(ClassicGroupState.Empty) ? 'classic-empty' : 'classic'
    return g.members.size === 0 ? 'consumer-empty' : 'consumer'
  }

  classicGroup(groupId: string): ClassicGroup | undefined {
    const g = this.groups.get(groupId)
    return g instanceof ClassicGroup ? g : undefined
  }

  consumerGroup(groupId: string): ConsumerGroup | undefined {
    const g = this.groups.get(groupId)
    return g instanceof ConsumerGroup ? g : undefined
  }

  /** A new classic group; an empty consumer group of that id is deleted first (its offsets stay). */
  createClassicGroup(groupId: string): ClassicGroup {
    const old = this.consumerGroup(groupId)
    if (old !== undefined) {
      this.consumer.emitGroupTombstones(old)
      this.consumer.forget(old)
    }
    const g = new ClassicGroup(groupId)
    this.groups.set(groupId, g)
    return g
  }

  /** A new consumer group; an empty classic group of that id is deleted first (its offsets stay). */
  createConsumerGroup(groupId: string): ConsumerGroup {
    const old = this.classicGroup(groupId)
    if (old !== undefined) {
      this.emit({ type: 'group-metadata', groupId, value: null })
      this.classic.forget(old)
    }
    const g = new ConsumerGroup(groupId)
    this.groups.set(groupId, g)
    return g
  }

  /** ClassicHost: JoinGroup to a non-empty consumer group joins it as a classic member. */
  joinConsumerGroup(
    group: ConsumerGroup,
    req: JoinRequest,
    meta: RequestMeta,
    respond: (r: JoinResult) => void,
  ): void {
    this.classicInConsumer.join(group, req, meta, respond)
  }

  /** ConsumerHost: the KIP-848 online upgrade of a live classic group (migration.ts). */
  upgradeClassicGroup(groupId: string, joiningMemberId: string): ConsumerGroup | 'not-allowed' | 'full' {
    const g = this.classicGroup(groupId)
    return g === undefined ? 'not-allowed' : upgradeToConsumerGroup(this.migration, g, joiningMemberId)
  }

  /** ConsumerHost: the KIP-848 online downgrade when the last consumer-protocol member goes. */
  maybeDowngrade(group: ConsumerGroup, leavingMemberId: string): boolean {
    return maybeDowngradeToClassicGroup(this.migration, group, leavingMemberId)
  }

  /** ConsumerHost: the downgrade when a classic static member replaced the last consumer one. */
  maybeDowngradeAfterStaticReplacement(group: ConsumerGroup): boolean {
    return maybeDowngradeAfterStaticReplacement(this.migration, group)
  }

  emit(record: GroupRecord): void {
    this.pending.push(record)
  }

  // ---- the write path --------------------------------------------------------------------------

  /** Appends what the last synchronous step emitted; returns the append of everything so far. */
  private flush(): Promise<void> {
    if (this.pending.length > 0) {
      const records = this.pending
      this.pending = []
      // A failed append must not poison later ones: each link waits for the previous to settle.
      const prev = this.tail.catch(() => {})
      this.tail = prev.then(() => this.log.append(records))
      this.tail.catch((err: unknown) => this.onError(err))
    }
    return this.tail
  }

  /**
   * Runs one synchronous step that answers through `respond` (now or later, from another step)
   * and releases the answer once everything appended until then is in the log.
   */
  private async step<T>(run: (respond: (v: T) => void) => void): Promise<T> {
    this.ensureActive()
    let resolve!: (v: T) => void
    const answered = new Promise<T>((r) => (resolve = r))
    try {
      run(resolve)
    } finally {
      void this.flush()
    }
    const value = await answered
    try {
      await this.tail
    } catch {
      throw new KafkaError(
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
        'the group coordinator failed to write its log',
      )
    }
    return value
  }

  // ---- classic protocol --------------------------------------------------------------------------

  joinGroup(req: JoinRequest, meta: RequestMeta): Promise<JoinResult> {
    return this.step((respond) => this.classic.join(req, meta, respond))
  }

  syncGroup(req: SyncRequest): Promise<SyncResult> {
    return this.step((respond) => {
      const g = req.groupId === '' ? undefined : this.consumerGroup(req.groupId)
      if (g !== undefined) this.classicInConsumer.sync(g, req, respond)
      else this.classic.sync(req, respond)
    })
  }

  heartbeat(req: {
    groupId: string
    generationId: number
    memberId: string
    groupInstanceId: string | null
  }): Promise<number> {
    return this.step((respond) => {
      const g = req.groupId === '' ? undefined : this.consumerGroup(req.groupId)
      respond(g !== undefined ? this.classicInConsumer.heartbeat(g, req) : this.classic.heartbeat(req))
    })
  }

  leaveGroup(groupId: string, members: readonly LeaveMember[]): Promise<LeaveResult> {
    return this.step((respond) => {
      const g = groupId === '' ? undefined : this.consumerGroup(groupId)
      respond(
        g !== undefined ? this.classicInConsumer.leave(g, members) : this.classic.leave(groupId, members),
      )
    })
  }

  // ---- KIP-848 consumer protocol ---------------------------------------------------------------

  consumerGroupHeartbeat(
    req: ConsumerHeartbeatRequest,
    meta: { apiVersion: number; clientId: string; clientHost: string },
  ): Promise<ConsumerHeartbeatResult> {
    return this.step((respond) => respond(this.consumer.heartbeat(req, meta)))
  }

  /** ConsumerGroupDescribe: GROUP_ID_NOT_FOUND for unknown ids and for classic groups. */
  consumerGroupDescribe(groupIds: readonly string[]): Promise<Array<ConsumerGroupDescription>> {
    return this.step((respond) => respond(groupIds.map((id) => describeConsumerGroup(this.host, id))))
  }

  // ---- offsets (offset-commit.ts, offset-fetch.ts) ---------------------------------------------

  commitOffsets(req: CommitRequest, apiVersion: number): Promise<TopicPartitionErrors[]> {
    return this.step((respond) => respond(commitOffsets(this.host, req, apiVersion)))
  }

  fetchOffsets(groups: readonly FetchGroupRequest[], requireStable: boolean): Promise<FetchGroupResult[]> {
    return this.step((respond) => respond(groups.map((g) => fetchGroupOffsets(this.host, g, requireStable))))
  }

  /** OffsetDelete (group-admin.ts). */
  deleteOffsets(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>,
  ): Promise<{ errorCode: number; topics: TopicPartitionErrors[] }> {
    return this.step((respond) => respond(deleteOffsets(this.host, groupId, topics)))
  }

  // ---- transactional offsets (TxnOffsetCommit; completed by the transaction coordinator) ----------

  /** TxnOffsetCommit: staged as pending for the producer until completeTransaction. */
  txnCommitOffsets(req: TxnCommitRequest): Promise<TopicPartitionErrors[]> {
    return this.step((respond) => respond(txnCommitOffsets(this.host, req)))
  }

  /**
   * The producer's transaction ended (its marker is in the log): pending offsets are committed or
   * dropped. Committed ones are also written as plain offset records, so a log without the marker
   * (MemoryGroupLog) replays to the same state.
   */
  completeTransaction(producerId: bigint, commit: boolean): Promise<void> {
    return this.step((respond) => {
      for (const o of this.offsets.takePendingTransactional(producerId))
        if (commit) emitOffset(this.host, o.groupId, o.topic, o.partition, o.value)
      respond()
    })
  }

  // ---- admin (group-admin.ts) ----------------------------------------------------------------------

  describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]> {
    return this.step((respond) => respond(groupIds.map((id) => describeGroup(this.host, id))))
  }

  /** ListGroups; filters compare case-insensitively, as Kafka does. Empty filter = all. */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): Promise<ListedGroup[]> {
    return this.step((respond) => respond(listGroups(this.host, statesFilter, typesFilter)))
  }

  deleteGroups(groupIds: readonly string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    return this.step((respond) =>
      respond(groupIds.map((groupId) => ({ groupId, errorCode: deleteGroup(this.host, groupId) }))),
    )
  }

  // ---- offset retention (offset-retention.ts) ----------------------------------------------------

  private scheduleRetention(): void {
    this.timers.schedule(RETENTION_KEY, this.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets()
      this.scheduleRetention()
    })
  }

  /** Removes expired offsets; an empty group left without offsets is deleted. Returns how many went. */
  expireOffsets(): number {
    return expireOffsets(this.host)
  }

  // ---- replay (group-replay.ts) ------------------------------------------------------------------

  /** Applies one log record while loading (Kafka's GroupCoordinatorShard.replay). */
  replay(r: GroupRecord): void {
    replayRecord(this.host, r)
  }
}
