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
import { ClassicGroup, ClassicMember, type JoinResult, type SyncResult } from './classic-group.ts'
import {
  ConsumerCoordinator,
  type ConsumerHost,
  type HeartbeatRequest as ConsumerHeartbeatRequest,
  type HeartbeatResult as ConsumerHeartbeatResult,
} from './consumer-coordinator.ts'
import { ConsumerGroup, ConsumerMember } from './consumer-group.ts'
import {
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from '../../protocol/generated/index.ts'
import { Writer } from '../../protocol/primitives/writer.ts'
import { ClassicGroupState } from './classic-state.ts'
import { DEFAULT_GROUP_CONFIG, type GroupCoordinatorConfig } from './config.ts'
import type { GroupLog } from './group-log.ts'
import { OffsetStore } from './offsets.ts'
import type { GroupRecord, OffsetAndMetadata } from './records.ts'
import { KeyedTimers } from './timers.ts'

/** What the coordinator needs to know about topics (from the broker's metadata). */
export interface TopicInfo {
  name: string
  /** base64url uuid */
  topicId: string
  partitions: number
}

export interface TopicResolver {
  byName(name: string): TopicInfo | undefined
  byId(topicId: string): TopicInfo | undefined
  all(): Iterable<TopicInfo>
}

export interface GroupCoordinatorOptions {
  clock: Clock
  log: GroupLog
  config?: Partial<GroupCoordinatorConfig>
  /** Without it, OffsetCommit accepts any topic and KIP-848 groups see no topics. */
  topics?: TopicResolver
  /** Errors from timer callbacks and background appends (logged by the broker). */
  onError?: (err: unknown) => void
}

export interface CommitPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  /** OffsetCommit v1 only; -1 = now. */
  commitTimestamp: bigint
  committedMetadata: string | null
}

export interface CommitRequest {
  groupId: string
  generationIdOrMemberEpoch: number
  memberId: string
  groupInstanceId: string | null
  /** OffsetCommit v2-4; -1 = broker default. */
  retentionTimeMs: bigint
  topics: Array<{ name: string; partitions: CommitPartition[] }>
}

/** TxnOffsetCommit, as the transaction handler passes it (src/broker/txn). */
export interface TxnCommitRequest {
  groupId: string
  producerId: bigint
  producerEpoch: number
  generationId: number
  memberId: string
  groupInstanceId: string | null
  topics: Array<{
    name: string
    partitions: Array<{
      partitionIndex: number
      committedOffset: bigint
      committedLeaderEpoch: number
      committedMetadata: string | null
    }>
  }>
}

export interface TopicPartitionErrors {
  name: string
  partitions: Array<{ partitionIndex: number; errorCode: number }>
}

export interface FetchGroupRequest {
  groupId: string
  /** v9+: the KIP-848 member asking (null = an admin or a classic consumer). */
  memberId: string | null
  memberEpoch: number
  /** null = every committed offset of the group. */
  topics: Array<{ name: string; partitionIndexes: number[] }> | null
}

export interface FetchedPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  metadata: string
  errorCode: number
}

export interface FetchGroupResult {
  groupId: string
  errorCode: number
  topics: Array<{ name: string; partitions: FetchedPartition[] }>
}

export interface DescribedGroup {
  errorCode: number
  errorMessage: string | null
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: Array<{
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    memberMetadata: Buffer
    memberAssignment: Buffer
  }>
}

export interface ConsumerGroupDescription {
  groupId: string
  errorCode: number
  errorMessage: string | null
  group: ConsumerGroup | undefined
}

export interface ListedGroup {
  groupId: string
  protocolType: string
  groupState: string
  groupType: string
}

type Group = ClassicGroup | ConsumerGroup

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
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Replays the log, then starts serving and the periodic offset-expiry task. */
  async load(): Promise<void> {
    await this.log.replay(
      (r) => this.replay(r),
      (producerId, commit) => this.replayTxnEnd(producerId, commit),
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
        g.completeJoin(m, { ...joinErrorFor(ErrorCode.NOT_COORDINATOR, m.memberId) })
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
    return this.step((respond) => this.classic.sync(req, respond))
  }

  heartbeat(req: {
    groupId: string
    generationId: number
    memberId: string
    groupInstanceId: string | null
  }): Promise<number> {
    return this.step((respond) => respond(this.classic.heartbeat(req)))
  }

  leaveGroup(groupId: string, members: readonly LeaveMember[]): Promise<LeaveResult> {
    return this.step((respond) => respond(this.classic.leave(groupId, members)))
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
    return this.step((respond) =>
      respond(
        groupIds.map((groupId): ConsumerGroupDescription => {
          const g = this.consumerGroup(groupId)
          if (groupId === '' || g === undefined)
            return {
              groupId,
              errorCode: groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.GROUP_ID_NOT_FOUND,
              errorMessage: this.groups.has(groupId)
                ? `Group ${groupId} is not a consumer group.`
                : `Group ${groupId} not found.`,
              group: undefined,
            }
          return { groupId, errorCode: ErrorCode.NONE, errorMessage: null, group: g }
        }),
      ),
    )
  }

  // ---- offsets -----------------------------------------------------------------------------------

  commitOffsets(req: CommitRequest, apiVersion: number): Promise<TopicPartitionErrors[]> {
    return this.step((respond) => respond(this.commitOffsetsStep(req, apiVersion)))
  }

  private commitOffsetsStep(req: CommitRequest, apiVersion: number): TopicPartitionErrors[] {
    const all = (errorCode: number): TopicPartitionErrors[] =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      }))
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID)
    const invalid = this.validateOffsetCommit(req, apiVersion)
    if (invalid !== ErrorCode.NONE) return all(invalid)

    const group = this.classicGroup(req.groupId)
    if (
      group !== undefined &&
      (group.is(ClassicGroupState.Stable) || group.is(ClassicGroupState.PreparingRebalance))
    )
      this.classic.touch(group, req.memberId)

    const now = this.clock.now()
    const expireTimestamp = req.retentionTimeMs === -1n ? -1 : now + Number(req.retentionTimeMs)
    return req.topics.map((t) => {
      const info = this.topics?.byName(t.name)
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (
            this.topics !== undefined &&
            (info === undefined || p.partitionIndex < 0 || p.partitionIndex >= info.partitions)
          )
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
          const metadata = p.committedMetadata ?? ''
          if (Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes)
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }
          const value: OffsetAndMetadata = {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata,
            commitTimestamp: p.commitTimestamp === -1n ? now : Number(p.commitTimestamp),
            expireTimestamp,
          }
          this.emitOffset(req.groupId, t.name, p.partitionIndex, value)
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE }
        }),
      }
    })
  }

  /** Kafka's validateOffsetCommit: which group state/member/generation may commit. */
  private validateOffsetCommit(req: CommitRequest, apiVersion: number, transactional = false): number {
    const group = this.groups.get(req.groupId)
    if (group === undefined) {
      if (req.generationIdOrMemberEpoch < 0) {
        // A manual commit creates a "simple" group holding only offsets (replaying the offset
        // records recreates it, so it needs no record of its own).
        this.createClassicGroup(req.groupId)
        return ErrorCode.NONE
      }
      return apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION
    }
    if (group instanceof ConsumerGroup) return validateConsumerCommit(group, req, apiVersion, transactional)
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    const gen = req.generationIdOrMemberEpoch
    if (gen < 0 && group.is(ClassicGroupState.Empty)) return ErrorCode.NONE
    if (gen >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const invalid = this.classic.validateMember(group, req.memberId, req.groupInstanceId)
      if (invalid !== ErrorCode.NONE) return invalid
      if (gen !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    } else if (!transactional && !group.is(ClassicGroupState.Empty)) {
      // TxnOffsetCommit v0-2 carries no member or generation: Kafka accepts it in any state.
      return ErrorCode.UNKNOWN_MEMBER_ID
    }
    if (!transactional && group.is(ClassicGroupState.CompletingRebalance))
      return ErrorCode.REBALANCE_IN_PROGRESS
    return ErrorCode.NONE
  }

  private emitOffset(
    groupId: string,
    topic: string,
    partition: number,
    value: OffsetAndMetadata | null,
  ): void {
    this.emit({ type: 'offset', groupId, topic, partition, value })
    this.offsets.replay(groupId, topic, partition, value)
  }

  fetchOffsets(groups: readonly FetchGroupRequest[], requireStable: boolean): Promise<FetchGroupResult[]> {
    return this.step((respond) => respond(groups.map((g) => this.fetchGroupOffsets(g, requireStable))))
  }

  private fetchGroupOffsets(req: FetchGroupRequest, requireStable: boolean): FetchGroupResult {
    if (req.groupId === '') return { groupId: req.groupId, errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] }
    const group = this.groups.get(req.groupId)
    // KIP-848 members name themselves (v9+): they must be current members at their epoch.
    if (group instanceof ConsumerGroup && !(req.memberId === null && req.memberEpoch < 0)) {
      const m = req.memberId === null ? undefined : group.members.get(req.memberId)
      if (m === undefined) return { groupId: req.groupId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID, topics: [] }
      if (m.memberEpoch !== req.memberEpoch)
        return { groupId: req.groupId, errorCode: ErrorCode.STALE_MEMBER_EPOCH, topics: [] }
    }
    // An unknown group has no offsets: every partition answers -1 without an error.
    const known = group !== undefined && !(group instanceof ClassicGroup && group.is(ClassicGroupState.Dead))
    const stored = known
      ? this.offsets.topics(req.groupId)
      : new Map<string, ReadonlyMap<number, OffsetAndMetadata>>()
    const one = (topic: string, partition: number): FetchedPartition => {
      if (requireStable && this.offsets.hasPendingTxn(req.groupId, topic, partition))
        return {
          partitionIndex: partition,
          committedOffset: -1n,
          committedLeaderEpoch: -1,
          metadata: '',
          errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
        }
      const o = stored.get(topic)?.get(partition)
      return o === undefined
        ? {
            partitionIndex: partition,
            committedOffset: -1n,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: ErrorCode.NONE,
          }
        : {
            partitionIndex: partition,
            committedOffset: o.offset,
            committedLeaderEpoch: o.leaderEpoch,
            metadata: o.metadata,
            errorCode: ErrorCode.NONE,
          }
    }
    const topics =
      req.topics === null
        ? [...stored].map(([name, parts]) => ({
            name,
            partitions: [...parts.keys()].map((p) => one(name, p)),
          }))
        : req.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => one(t.name, p)) }))
    return { groupId: req.groupId, errorCode: ErrorCode.NONE, topics }
  }

  deleteOffsets(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>,
  ): Promise<{ errorCode: number; topics: TopicPartitionErrors[] }> {
    return this.step((respond) => respond(this.deleteOffsetsStep(groupId, topics)))
  }

  private deleteOffsetsStep(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>,
  ): { errorCode: number; topics: TopicPartitionErrors[] } {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] }
    const group = this.groups.get(groupId)
    if (group === undefined || (group instanceof ClassicGroup && group.is(ClassicGroupState.Dead)))
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] }
    let subscribed: Set<string> | undefined
    if (group instanceof ClassicGroup) {
      const active = !group.is(ClassicGroupState.Empty)
      // A live classic group that does not use the consumer protocol cannot lose offsets at all.
      if (active && group.protocolType !== 'consumer')
        return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] }
      subscribed = active ? group.subscribedTopics() : new Set<string>()
    } else subscribed = this.consumerSubscribedTopics(group)
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partitionIndex) => {
          if (subscribed?.has(t.name) === true)
            return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }
          if (
            this.offsets.get(groupId, t.name, partitionIndex) !== undefined ||
            this.offsets.hasPendingTxn(groupId, t.name, partitionIndex)
          )
            this.emitOffset(groupId, t.name, partitionIndex, null)
          return { partitionIndex, errorCode: ErrorCode.NONE }
        }),
      })),
    }
  }

  // ---- transactional offsets (TxnOffsetCommit; completed by the transaction coordinator) ----------

  /**
   * TxnOffsetCommit: validates the member and generation as OffsetCommit does (KIP-447 fencing of
   * zombie consumers), then stages the offsets as pending for the producer; they become visible
   * when the transaction commits (completeTransaction). Added for src/broker/txn.
   */
  txnCommitOffsets(req: TxnCommitRequest): Promise<TopicPartitionErrors[]> {
    return this.step((respond) => {
      const all = (errorCode: number): TopicPartitionErrors[] =>
        req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
        }))
      if (req.groupId === '') return respond(all(ErrorCode.INVALID_GROUP_ID))
      const invalid = this.validateOffsetCommit(
        {
          groupId: req.groupId,
          generationIdOrMemberEpoch: req.generationId,
          memberId: req.memberId,
          groupInstanceId: req.groupInstanceId,
          retentionTimeMs: -1n,
          topics: [],
        },
        8,
        true,
      )
      if (invalid !== ErrorCode.NONE) return respond(all(invalid))
      const now = this.clock.now()
      respond(
        req.topics.map((t) => {
          const info = this.topics?.byName(t.name)
          return {
            name: t.name,
            partitions: t.partitions.map((p) => {
              if (
                this.topics !== undefined &&
                (info === undefined || p.partitionIndex < 0 || p.partitionIndex >= info.partitions)
              )
                return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
              const metadata = p.committedMetadata ?? ''
              if (Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes)
                return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }
              const value: OffsetAndMetadata = {
                offset: p.committedOffset,
                leaderEpoch: p.committedLeaderEpoch,
                metadata,
                commitTimestamp: now,
                expireTimestamp: -1,
              }
              // Durable (in the producer's transactional batch) before the answer; pending until
              // the transaction's marker.
              this.emit({
                type: 'offset',
                groupId: req.groupId,
                topic: t.name,
                partition: p.partitionIndex,
                value,
                producerId: req.producerId,
                producerEpoch: req.producerEpoch,
              })
              this.offsets.addPendingTransactional(
                req.groupId,
                req.producerId,
                t.name,
                p.partitionIndex,
                value,
              )
              return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE }
            }),
          }
        }),
      )
    })
  }

  /** A COMMIT/ABORT marker met while loading: the producer's pending offsets become visible or go. */
  private replayTxnEnd(producerId: bigint, commit: boolean): void {
    for (const o of this.offsets.takePendingTransactional(producerId))
      if (commit) this.offsets.replay(o.groupId, o.topic, o.partition, o.value)
  }

  /**
   * The producer's transaction ended (its marker is in the log): pending offsets are committed or
   * dropped. Committed ones are also written as plain offset records, so a log without the marker
   * (MemoryGroupLog) replays to the same state.
   */
  completeTransaction(producerId: bigint, commit: boolean): Promise<void> {
    return this.step((respond) => {
      for (const o of this.offsets.takePendingTransactional(producerId))
        if (commit) this.emitOffset(o.groupId, o.topic, o.partition, o.value)
      respond()
    })
  }

  // ---- admin -------------------------------------------------------------------------------------

  describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]> {
    return this.step((respond) => respond(groupIds.map((id) => this.describeOne(id))))
  }

  private describeOne(groupId: string): DescribedGroup {
    const base: DescribedGroup = {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
    }
    if (groupId === '') return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID }
    const g = this.groups.get(groupId)
    if (g === undefined)
      return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` }
    if (g instanceof ConsumerGroup) return this.describeConsumerAsClassic(g, base)
    const stable = g.is(ClassicGroupState.Stable)
    return {
      ...base,
      groupState: g.state,
      protocolType: g.protocolType ?? '',
      protocolData: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m: ClassicMember) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(g.protocolName) : Buffer.alloc(0),
        memberAssignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    }
  }

  /**
   * A consumer group in DescribeGroups' classic shape (as Kafka 4 does for admin tools): protocol
   * type "consumer", the assignor as protocol, members' subscriptions and assignments encoded as
   * ConsumerProtocolSubscription/Assignment v0.
   */
  private describeConsumerAsClassic(g: ConsumerGroup, base: DescribedGroup): DescribedGroup {
    const nameOf = (id: string): string => this.topics?.byId(id)?.name ?? id
    return {
      ...base,
      groupState: g.state,
      protocolType: 'consumer',
      protocolData: this.config.consumerAssignors[0] ?? 'uniform',
      members: [...g.members.values()].map((m: ConsumerMember) => {
        const sub = new Writer(64)
        sub.int16(0)
        encodeConsumerProtocolSubscription(sub, 0, { topics: [...this.memberTopicNames(m)], userData: null })
        const asg = new Writer(64)
        asg.int16(0)
        encodeConsumerProtocolAssignment(asg, 0, {
          assignedPartitions: [...m.assigned].map(([id, partitions]) => ({ topic: nameOf(id), partitions })),
          userData: null,
        })
        return {
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: sub.toBuffer(),
          memberAssignment: asg.toBuffer(),
        }
      }),
    }
  }

  /** Topic names a consumer member subscribes to (names plus current regex matches). */
  private memberTopicNames(m: ConsumerMember): Set<string> {
    const out = new Set(m.subscribedTopicNames)
    if (m.subscribedTopicRegex !== null && this.topics !== undefined) {
      try {
        const re = new RegExp(`^(?:${m.subscribedTopicRegex})$`)
        for (const t of this.topics.all()) if (!t.name.startsWith('__') && re.test(t.name)) out.add(t.name)
      } catch {
        // validated on heartbeat; nothing matches an invalid pattern
      }
    }
    return out
  }

  private consumerSubscribedTopics(g: ConsumerGroup): Set<string> {
    const out = new Set<string>()
    for (const m of g.members.values()) for (const t of this.memberTopicNames(m)) out.add(t)
    return out
  }

  /** ListGroups; filters compare case-insensitively, as Kafka does. Empty filter = all. */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): Promise<ListedGroup[]> {
    return this.step((respond) => {
      const states = new Set(statesFilter.map((s) => s.toLowerCase()))
      const types = new Set(typesFilter.map((s) => s.toLowerCase()))
      const out: ListedGroup[] = []
      for (const g of this.groups.values()) {
        const listed: ListedGroup =
          g instanceof ClassicGroup
            ? {
                groupId: g.groupId,
                protocolType: g.protocolType ?? '',
                groupState: g.state,
                groupType: 'classic',
              }
            : { groupId: g.groupId, protocolType: 'consumer', groupState: g.state, groupType: 'consumer' }
        if (states.size > 0 && !states.has(listed.groupState.toLowerCase())) continue
        if (types.size > 0 && !types.has(listed.groupType)) continue
        out.push(listed)
      }
      respond(out)
    })
  }

  deleteGroups(groupIds: readonly string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    return this.step((respond) =>
      respond(groupIds.map((groupId) => ({ groupId, errorCode: this.deleteGroup(groupId) }))),
    )
  }

  private deleteGroup(groupId: string): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID
    const g = this.groups.get(groupId)
    if (g === undefined) return ErrorCode.GROUP_ID_NOT_FOUND
    if (!isEmptyGroup(g)) return ErrorCode.NON_EMPTY_GROUP
    this.removeGroup(g)
    return ErrorCode.NONE
  }

  /** Tombstones the group's offsets and metadata, and forgets it (→ Dead). */
  private removeGroup(g: Group): void {
    for (const { topic, partition } of this.offsets.list(g.groupId))
      this.emitOffset(g.groupId, topic, partition, null)
    this.offsets.deletePendingForGroup(g.groupId)
    if (g instanceof ClassicGroup) {
      this.emit({ type: 'group-metadata', groupId: g.groupId, value: null })
      this.classic.forget(g)
      g.transitionTo(ClassicGroupState.Dead, this.clock.now())
    } else {
      this.consumer.emitGroupTombstones(g)
      this.consumer.forget(g)
      g.dead = true
    }
    this.groups.delete(g.groupId)
  }

  // ---- offset retention (KIP-211) -------------------------------------------------------------

  private scheduleRetention(): void {
    this.timers.schedule(RETENTION_KEY, this.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets()
      this.scheduleRetention()
    })
  }

  /** Removes expired offsets; an empty group left without offsets is deleted. Returns how many went. */
  expireOffsets(): number {
    const now = this.clock.now()
    let removed = 0
    for (const groupId of [...this.offsets.groupIds()]) {
      const g = this.groups.get(groupId)
      const condition =
        g === undefined
          ? { base: (o: OffsetAndMetadata) => o.commitTimestamp, keep: () => false }
          : this.expiryCondition(g)
      if (condition === undefined) continue
      for (const { topic, partition } of this.offsets.expired(
        groupId,
        now,
        this.config.offsetsRetentionMs,
        condition.base,
        condition.keep,
      )) {
        this.emitOffset(groupId, topic, partition, null)
        removed++
      }
    }
    for (const g of [...this.groups.values()])
      if (isEmptyGroup(g) && !this.offsets.hasOffsets(g.groupId)) this.removeGroup(g)
    return removed
  }

  /** Kafka's ClassicGroup.offsetExpirationCondition; undefined = nothing expires now. */
  private expiryCondition(
    g: Group,
  ): { base: (o: OffsetAndMetadata) => number; keep: (topic: string) => boolean } | undefined {
    if (g instanceof ConsumerGroup) {
      // Kafka's ConsumerGroup: by commit time, never for topics the group still subscribes to.
      const subscribed = this.consumerSubscribedTopics(g)
      return { base: (o) => o.commitTimestamp, keep: (t) => subscribed.has(t) }
    }
    if (g.protocolType === null) return { base: (o) => o.commitTimestamp, keep: () => false }
    if (g.is(ClassicGroupState.Empty)) {
      const since = g.currentStateTimestamp
      return { base: (o) => (since >= 0 ? since : o.commitTimestamp), keep: () => false }
    }
    if (g.protocolType === 'consumer' && g.is(ClassicGroupState.Stable)) {
      const subscribed = g.subscribedTopics()
      if (subscribed !== undefined) return { base: (o) => o.commitTimestamp, keep: (t) => subscribed.has(t) }
    }
    return undefined
  }

  // ---- replay ------------------------------------------------------------------------------------

  private replayConsumerGroup(groupId: string): ConsumerGroup {
    const existing = this.groups.get(groupId)
    if (existing instanceof ConsumerGroup) return existing
    const g = new ConsumerGroup(groupId)
    this.groups.set(groupId, g)
    return g
  }

  /** Applies one log record while loading (Kafka's GroupCoordinatorShard.replay). */
  replay(r: GroupRecord): void {
    switch (r.type) {
      case 'offset':
        // Offsets of a group never written otherwise belong to a simple classic group.
        if (r.value !== null && !this.groups.has(r.groupId)) this.createClassicGroup(r.groupId)
        if (r.producerId !== undefined && r.value !== null)
          this.offsets.addPendingTransactional(r.groupId, r.producerId, r.topic, r.partition, r.value)
        else this.offsets.replay(r.groupId, r.topic, r.partition, r.value)
        return
      case 'group-metadata': {
        if (r.value === null) {
          if (this.classicGroup(r.groupId) !== undefined) this.groups.delete(r.groupId)
          return
        }
        const g = new ClassicGroup(r.groupId)
        const v = r.value
        g.protocolType = v.protocolType === '' ? null : v.protocolType
        g.protocolName = v.protocol
        g.generationId = v.generation
        g.currentStateTimestamp = v.currentStateTimestamp
        for (const m of v.members) {
          const member = new ClassicMember({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            rebalanceTimeoutMs: m.rebalanceTimeoutMs,
            sessionTimeoutMs: m.sessionTimeoutMs,
            protocolType: v.protocolType,
            protocols: [{ name: v.protocol ?? '', metadata: m.subscription }],
            assignment: m.assignment,
          })
          g.add(member)
        }
        g.leaderId = v.leader
        if (g.size > 0) g.state = ClassicGroupState.Stable
        this.groups.set(r.groupId, g)
        return
      }
      case 'consumer-metadata': {
        if (r.value === null) {
          if (this.consumerGroup(r.groupId) !== undefined) this.groups.delete(r.groupId)
          return
        }
        this.replayConsumerGroup(r.groupId).groupEpoch = r.value.epoch
        return
      }
      case 'consumer-partition-metadata':
        if (r.value !== null) this.replayConsumerGroup(r.groupId).subscriptionMetadata = r.value.topics
        return
      case 'consumer-target-metadata':
        if (r.value !== null) this.replayConsumerGroup(r.groupId).assignmentEpoch = r.value.assignmentEpoch
        return
      case 'consumer-target-member': {
        const g = this.replayConsumerGroup(r.groupId)
        if (r.value === null) g.targetAssignment.delete(r.memberId)
        else g.targetAssignment.set(r.memberId, r.value.partitions)
        return
      }
      case 'consumer-member': {
        const g = this.replayConsumerGroup(r.groupId)
        if (r.value === null) {
          g.members.delete(r.memberId)
          return
        }
        const m = g.members.get(r.memberId) ?? new ConsumerMember(r.memberId)
        Object.assign(m, r.value, { subscribedTopicNames: [...r.value.subscribedTopicNames] })
        g.members.set(r.memberId, m)
        return
      }
      case 'consumer-current': {
        const g = this.replayConsumerGroup(r.groupId)
        const m = g.members.get(r.memberId)
        if (r.value === null || m === undefined) return
        m.memberEpoch = r.value.memberEpoch
        m.previousMemberEpoch = r.value.previousMemberEpoch
        m.state = r.value.state as ConsumerMember['state']
        m.assigned = r.value.assigned
        m.pendingRevocation = r.value.pendingRevocation
        return
      }
    }
  }
}

function joinErrorFor(errorCode: number, memberId: string): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  }
}

/** Kafka's ConsumerGroup.validateOffsetCommit (member epochs instead of generations). */
function validateConsumerCommit(
  group: ConsumerGroup,
  req: CommitRequest,
  apiVersion: number,
  transactional: boolean,
): number {
  if (req.generationIdOrMemberEpoch < 0 && group.members.size === 0) return ErrorCode.NONE
  const m = group.members.get(req.memberId)
  if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
  // Members of the consumer protocol must use OffsetCommit v9+ (they have epochs, not generations).
  if (!transactional && apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION
  if (req.generationIdOrMemberEpoch !== m.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH
  return ErrorCode.NONE
}

function isEmptyGroup(g: Group): boolean {
  return g instanceof ClassicGroup ? g.is(ClassicGroupState.Empty) : g.members.size === 0
}
