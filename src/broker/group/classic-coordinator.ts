// The classic group protocol flows: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the timers
// that drive rebalances (after Kafka's GroupMetadataManager, classic part). Every entry point is
// synchronous: it mutates the group, emits records through the host and completes (or parks)
// responses through callbacks. The host appends the emitted records and releases responses only
// after that append (coordinator.ts), so no await ever splits a transition.
//
// Timers (keys in KeyedTimers):
//   hb/<group>/<member>  session (or new-member join) timeout → expireHeartbeat
//   join/<group>         initial-rebalance delay, then rebalance timeout → completeJoin
//   sync/<group>         rebalance timeout for SyncGroups after a join → expirePendingSync

import { ErrorCode } from '../../protocol/errors.ts'
import type { Clock } from '../clock.ts'
import type { ClassicGroup } from './classic-group.ts'
import {
  ClassicMember,
  EMPTY_ASSIGNMENT,
  type JoinProtocol,
  type JoinResult,
  type SyncResult,
  UNKNOWN_MEMBER_ID,
  joinError,
} from './classic-group.ts'
import { ClassicGroupState } from './classic-state.ts'
import type { GroupCoordinatorConfig } from './config.ts'
import type { ConsumerGroup } from './consumer-group.ts'
import type { GroupRecord } from './records.ts'
import type { KeyedTimers } from './timers.ts'

export interface RequestMeta {
  apiVersion: number
  clientId: string
  clientHost: string
}

/** What the classic flows need from the coordinator that owns all groups. */
export interface ClassicHost {
  readonly clock: Clock
  readonly timers: KeyedTimers
  readonly config: GroupCoordinatorConfig
  /** 'consumer' / 'consumer-empty' when the id belongs to a KIP-848 group. */
  groupKind(groupId: string): 'none' | 'classic' | 'classic-empty' | 'consumer' | 'consumer-empty'
  classicGroup(groupId: string): ClassicGroup | undefined
  /** Creates and registers an empty classic group (replacing an empty consumer group). */
  createClassicGroup(groupId: string): ClassicGroup
  consumerGroup(groupId: string): ConsumerGroup | undefined
  /** A JoinGroup to a non-empty consumer group (consumer-classic.ts). */
  joinConsumerGroup(
    group: ConsumerGroup,
    req: JoinRequest,
    meta: RequestMeta,
    respond: (r: JoinResult) => void,
  ): void
  emit(record: GroupRecord): void
}

export interface JoinRequest {
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string
  protocols: JoinProtocol[]
}

export interface SyncRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string | null
  protocolName: string | null
  assignments: Array<{ memberId: string; assignment: Buffer }>
}

export interface LeaveMember {
  memberId: string
  groupInstanceId: string | null
}

export interface LeaveResult {
  errorCode: number
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>
}

const hbKey = (g: string, m: string): string => `hb/${g}/${m}`
const joinKey = (g: string): string => `join/${g}`
const syncKey = (g: string): string => `sync/${g}`

export class ClassicCoordinator {
  private readonly host: ClassicHost

  constructor(host: ClassicHost) {
    this.host = host
  }

  private get now(): number {
    return this.host.clock.now()
  }

  // ---- JoinGroup -------------------------------------------------------------------------------

  join(req: JoinRequest, meta: RequestMeta, respond: (r: JoinResult) => void): void {
    const { config } = this.host
    if (req.groupId === '') return respond(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId))
    if (
      req.sessionTimeoutMs < config.minSessionTimeoutMs ||
      req.sessionTimeoutMs > config.maxSessionTimeoutMs
    )
      return respond(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId))
    // v0 has no rebalance timeout: the session timeout plays both roles (Kafka's JoinGroupRequest).
    if (meta.apiVersion === 0) req = { ...req, rebalanceTimeoutMs: req.sessionTimeoutMs }

    // A live consumer group takes the member as one of its classic members (KIP-848 migration,
    // whatever the migration policy, as in Kafka); an empty one is replaced by a classic group.
    const consumerGroup = this.host.consumerGroup(req.groupId)
    if (consumerGroup !== undefined && consumerGroup.members.size > 0)
      return this.host.joinConsumerGroup(consumerGroup, req, meta, respond)

    const isUnknownMember = req.memberId === UNKNOWN_MEMBER_ID
    let group = this.host.classicGroup(req.groupId)
    let isNewGroup = false
    if (group === undefined) {
      // A member id for a group we do not know: it must rejoin from scratch.
      if (!isUnknownMember) return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId))
      group = this.host.createClassicGroup(req.groupId)
      isNewGroup = true
    }

    if (!this.acceptJoiningMember(group, req.memberId)) {
      group.remove(req.memberId)
      respond(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, UNKNOWN_MEMBER_ID))
    } else if (isUnknownMember) {
      this.joinNewMember(group, req, meta, respond)
    } else {
      this.joinExistingMember(group, req, meta, respond)
    }
    // A created group is written even if the join produced nothing else, so it survives a restart.
    if (isNewGroup) this.emitEmptyGroupMetadata(group)
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.host.config.classicGroupMaxSize
    switch (group.state) {
      case ClassicGroupState.Empty:
      case ClassicGroupState.Dead:
        return true
      case ClassicGroupState.PreparingRebalance: {
        const m = group.members.get(memberId)
        return (m !== undefined && m.awaitingJoin !== undefined) || group.numAwaitingJoin < max
      }
      case ClassicGroupState.CompletingRebalance:
      case ClassicGroupState.Stable:
        return group.members.has(memberId) || group.size < max
    }
  }

  private joinNewMember(
    group: ClassicGroup,
    req: JoinRequest,
    meta: RequestMeta,
    respond: (r: JoinResult) => void,
  ): void {
    if (group.is(ClassicGroupState.Dead))
      return respond(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, UNKNOWN_MEMBER_ID))
    if (!group.supportsProtocols(req.protocolType, req.protocols))
      return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID))
    const newMemberId = group.newMemberId(meta.clientId, req.groupInstanceId)

    if (req.groupInstanceId !== null) {
      const existing = group.staticMembers.get(req.groupInstanceId)
      if (existing !== undefined)
        return this.replaceStaticMember(group, req, meta, existing, newMemberId, respond)
      return this.addMemberAndRebalance(group, req, meta, newMemberId, respond)
    }
    if (meta.apiVersion >= 4) {
      // KIP-394: hand out the id first; the member is only added when it rejoins with it, so a
      // client that dies between the two steps never becomes a member needing a rebalance.
      group.pendingJoinMembers.add(newMemberId)
      this.host.timers.schedule(hbKey(group.groupId, newMemberId), req.sessionTimeoutMs, () =>
        this.expireHeartbeat(group.groupId, newMemberId),
      )
      return respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId))
    }
    this.addMemberAndRebalance(group, req, meta, newMemberId, respond)
  }

  private joinExistingMember(
    group: ClassicGroup,
    req: JoinRequest,
    meta: RequestMeta,
    respond: (r: JoinResult) => void,
  ): void {
    const memberId = req.memberId
    if (group.is(ClassicGroupState.Dead))
      return respond(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId))
    if (!group.supportsProtocols(req.protocolType, req.protocols))
      return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId))
    if (group.pendingJoinMembers.has(memberId)) {
      // A pending member is always dynamic; a static id here is a confused client.
      if (req.groupInstanceId !== null) return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId))
      return this.addMemberAndRebalance(group, req, meta, memberId, respond)
    }
    const invalid = this.validateMember(group, memberId, req.groupInstanceId)
    if (invalid !== ErrorCode.NONE) return respond(joinError(invalid, memberId))

    const member = group.member(memberId)
    switch (group.state) {
      case ClassicGroupState.PreparingRebalance:
        return this.updateMemberAndRebalance(group, member, req, respond)
      case ClassicGroupState.CompletingRebalance:
        // Same metadata: the member probably lost the first response; give it the generation again.
        if (member.matches(req.protocols))
          return respond(this.joinResponse(group, member, group.isLeader(memberId)))
        return this.updateMemberAndRebalance(group, member, req, respond)
      case ClassicGroupState.Stable:
        // The leader's rejoin forces a rebalance (it may have seen metadata change, e.g. new partitions).
        if (group.isLeader(memberId) || !member.matches(req.protocols))
          return this.updateMemberAndRebalance(group, member, req, respond)
        return respond(this.joinResponse(group, member, false))
      case ClassicGroupState.Empty:
      case ClassicGroupState.Dead:
        return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId))
    }
  }

  /** KIP-345: a known group.instance.id rejoining with a fresh member id takes over its slot. */
  private replaceStaticMember(
    group: ClassicGroup,
    req: JoinRequest,
    meta: RequestMeta,
    oldMemberId: string,
    newMemberId: string,
    respond: (r: JoinResult) => void,
  ): void {
    const instanceId = req.groupInstanceId as string
    const leaderBefore = group.leaderId
    const member = group.replaceStaticMember(
      instanceId,
      oldMemberId,
      newMemberId,
      ErrorCode.FENCED_INSTANCE_ID,
    )
    this.host.timers.cancel(hbKey(group.groupId, oldMemberId))
    this.scheduleHeartbeat(group, member)
    group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond)

    if (group.is(ClassicGroupState.Stable)) {
      if (group.protocolName === group.selectProtocol()) {
        // No rebalance: persist the new member id and hand back the current generation. From v9
        // the leader learns it is the leader but skips running the assignor (KIP-814).
        this.emitGroupMetadata(group, true)
        const isLeader = group.isLeader(newMemberId)
        if (meta.apiVersion >= 9) {
          group.completeJoin(member, {
            ...this.joinResponse(group, member, isLeader),
            skipAssignment: isLeader,
          })
        } else {
          group.completeJoin(member, {
            ...this.joinResponse(group, member, false),
            leader: leaderBefore ?? '',
          })
        }
        return
      }
      return this.maybeRebalanceOrCompleteJoin(group)
    }
    if (group.is(ClassicGroupState.CompletingRebalance)) return this.prepareRebalance(group)
    this.maybeCompleteJoinPhase(group)
  }

  private addMemberAndRebalance(
    group: ClassicGroup,
    req: JoinRequest,
    meta: RequestMeta,
    memberId: string,
    respond: (r: JoinResult) => void,
  ): void {
    const member = new ClassicMember({
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: meta.clientId,
      clientHost: meta.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
    })
    member.isNew = true
    // Joins during the initial-rebalance delay extend it (group.initial.rebalance.delay.ms).
    if (group.is(ClassicGroupState.PreparingRebalance) && group.previousState === ClassicGroupState.Empty)
      group.newMemberAdded = true
    group.add(member, respond)
    this.scheduleHeartbeat(group, member, this.host.config.newMemberJoinTimeoutMs)
    this.maybeRebalanceOrCompleteJoin(group)
  }

  private updateMemberAndRebalance(
    group: ClassicGroup,
    member: ClassicMember,
    req: JoinRequest,
    respond: (r: JoinResult) => void,
  ): void {
    group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond)
    this.maybeRebalanceOrCompleteJoin(group)
  }

  private joinResponse(group: ClassicGroup, member: ClassicMember, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: withMembers ? group.joinMembers() : [],
    }
  }

  // ---- rebalance machinery ---------------------------------------------------------------------

  private maybeRebalanceOrCompleteJoin(group: ClassicGroup): void {
    if (group.canRebalance()) this.prepareRebalance(group)
    else this.maybeCompleteJoinPhase(group)
  }

  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (!group.is(ClassicGroupState.PreparingRebalance)) return
    // The initial rebalance of an empty group waits for its delay timer, not for members.
    if (group.previousState === ClassicGroupState.Empty) return
    if (group.hasAllMembersJoined()) this.completeJoin(group)
  }

  /** Any state that may rebalance → PreparingRebalance, cancelling an in-flight sync phase. */
  prepareRebalance(group: ClassicGroup): void {
    if (group.is(ClassicGroupState.CompletingRebalance))
      this.propagateAssignment(group, ErrorCode.REBALANCE_IN_PROGRESS, true)
    group.pendingSyncMembers.clear()
    this.host.timers.cancel(syncKey(group.groupId))

    const initial = group.is(ClassicGroupState.Empty)
    if (initial) {
      const delay = this.host.config.initialRebalanceDelayMs
      const remaining = Math.max(group.rebalanceTimeoutMs() - delay, 0)
      this.host.timers.schedule(joinKey(group.groupId), delay, () =>
        this.completeInitialRebalance(group.groupId, delay, remaining),
      )
    }
    group.transitionTo(ClassicGroupState.PreparingRebalance, this.now)
    if (initial) return
    if (group.hasAllMembersJoined()) this.completeJoin(group)
    else
      this.host.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () =>
        this.completeJoinById(group.groupId),
      )
  }

  private completeInitialRebalance(groupId: string, delayMs: number, remainingMs: number): void {
    const group = this.host.classicGroup(groupId)
    if (group === undefined) return
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false
      const next = Math.min(this.host.config.initialRebalanceDelayMs, remainingMs)
      const nextRemaining = Math.max(remainingMs - delayMs, 0)
      this.host.timers.schedule(joinKey(groupId), next, () =>
        this.completeInitialRebalance(groupId, next, nextRemaining),
      )
      return
    }
    this.completeJoin(group)
  }

  private completeJoinById(groupId: string): void {
    const group = this.host.classicGroup(groupId)
    if (group !== undefined) this.completeJoin(group)
  }

  /** Ends the join phase: drops dynamic members that did not rejoin and starts the next generation. */
  private completeJoin(group: ClassicGroup): void {
    this.host.timers.cancel(joinKey(group.groupId))
    for (const m of group.notYetRejoined()) {
      if (m.isStatic) continue
      group.remove(m.memberId)
      this.host.timers.cancel(hbKey(group.groupId, m.memberId))
    }
    if (group.is(ClassicGroupState.Dead)) return
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that have not rejoined remain: wait another rebalance timeout.
      this.host.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () =>
        this.completeJoinById(group.groupId),
      )
      return
    }
    group.initNextGeneration(this.now)
    if (group.is(ClassicGroupState.Empty)) {
      this.emitGroupMetadata(group, false)
      return
    }
    for (const m of group.members.values()) {
      group.completeJoin(m, this.joinResponse(group, m, group.isLeader(m.memberId)))
      this.scheduleHeartbeat(group, m)
      m.isNew = false
      group.pendingSyncMembers.add(m.memberId)
    }
    const generation = group.generationId
    this.host.timers.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs(), () =>
      this.expirePendingSync(group.groupId, generation),
    )
  }

  private expirePendingSync(groupId: string, generationId: number): void {
    const group = this.host.classicGroup(groupId)
    if (group === undefined || group.generationId !== generationId) return
    if (!group.is(ClassicGroupState.CompletingRebalance) && !group.is(ClassicGroupState.Stable)) return
    if (group.pendingSyncMembers.size === 0) return
    for (const id of [...group.pendingSyncMembers]) {
      group.remove(id)
      this.host.timers.cancel(hbKey(groupId, id))
    }
    this.prepareRebalance(group)
  }

  private scheduleHeartbeat(group: ClassicGroup, m: ClassicMember, timeoutMs = m.sessionTimeoutMs): void {
    const groupId = group.groupId
    const memberId = m.memberId
    this.host.timers.schedule(hbKey(groupId, memberId), timeoutMs, () =>
      this.expireHeartbeat(groupId, memberId),
    )
  }

  /** Reschedules a member's session timer (Heartbeat, OffsetCommit). */
  touch(group: ClassicGroup, memberId: string): void {
    const m = group.members.get(memberId)
    if (m !== undefined) this.scheduleHeartbeat(group, m)
  }

  private expireHeartbeat(groupId: string, memberId: string): void {
    const group = this.host.classicGroup(groupId)
    if (group === undefined || group.is(ClassicGroupState.Dead)) return
    if (group.pendingJoinMembers.has(memberId)) {
      group.remove(memberId)
      if (group.is(ClassicGroupState.PreparingRebalance) && group.hasAllMembersJoined())
        this.completeJoin(group)
      return
    }
    const m = group.members.get(memberId)
    if (m === undefined || m.hasSatisfiedHeartbeat()) return
    this.removeMemberAndUpdate(group, m)
  }

  private removeMemberAndUpdate(group: ClassicGroup, m: ClassicMember): void {
    group.completeJoin(m, joinError(ErrorCode.UNKNOWN_MEMBER_ID, UNKNOWN_MEMBER_ID))
    group.remove(m.memberId)
    if (group.is(ClassicGroupState.Stable) || group.is(ClassicGroupState.CompletingRebalance))
      this.maybeRebalanceOrCompleteJoin(group)
    else if (group.is(ClassicGroupState.PreparingRebalance) && group.hasAllMembersJoined())
      this.completeJoin(group)
  }

  /**
   * Completes every parked SyncGroup: with each member's assignment (NONE), or with an error after
   * clearing assignments (the rebalance that interrupted a sync phase).
   */
  private propagateAssignment(group: ClassicGroup, errorCode: number, reset: boolean): void {
    for (const m of group.members.values()) {
      if (reset) m.assignment = EMPTY_ASSIGNMENT
      const ok = errorCode === ErrorCode.NONE
      const r: SyncResult = {
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment,
      }
      if (group.completeSync(m, r)) this.scheduleHeartbeat(group, m)
    }
  }

  /** UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID as Kafka's ClassicGroup.validateMember, else NONE. */
  validateMember(group: ClassicGroup, memberId: string, instanceId: string | null): number {
    if (instanceId !== null) {
      const existing = group.staticMembers.get(instanceId)
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID
  }

  // ---- SyncGroup -------------------------------------------------------------------------------

  sync(req: SyncRequest, respond: (r: SyncResult) => void): void {
    const fail = (errorCode: number): void =>
      respond({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT })
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID)
    const group = this.host.classicGroup(req.groupId)
    // Unknown or empty (consumer groups are served by consumer-classic.ts).
    if (group === undefined || group.is(ClassicGroupState.Empty)) return fail(ErrorCode.UNKNOWN_MEMBER_ID)
    if (group.is(ClassicGroupState.Dead)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    const invalid = this.validateMember(group, req.memberId, req.groupInstanceId)
    if (invalid !== ErrorCode.NONE) return fail(invalid)
    if (req.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION)
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && req.protocolName !== group.protocolName)
    )
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)

    switch (group.state) {
      case ClassicGroupState.PreparingRebalance:
        return fail(ErrorCode.REBALANCE_IN_PROGRESS)
      case ClassicGroupState.CompletingRebalance: {
        const member = group.member(req.memberId)
        group.parkSync(member, respond)
        this.removePendingSync(group, req.memberId)
        if (!group.isLeader(req.memberId)) return
        // The leader's assignment: missing members get an empty one. Applied now; the responses
        // leave only after the GroupMetadata record is appended (coordinator.ts).
        const assignment = new Map<string, Buffer>()
        for (const a of req.assignments) assignment.set(a.memberId, a.assignment)
        for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT
        this.emitGroupMetadata(group, true)
        this.propagateAssignment(group, ErrorCode.NONE, false)
        group.transitionTo(ClassicGroupState.Stable, this.now)
        return
      }
      case ClassicGroupState.Stable: {
        this.removePendingSync(group, req.memberId)
        const m = group.member(req.memberId)
        return respond({
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: m.assignment,
        })
      }
      case ClassicGroupState.Empty:
      case ClassicGroupState.Dead:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID)
    }
  }

  private removePendingSync(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId)
    if (group.pendingSyncMembers.size === 0) this.host.timers.cancel(syncKey(group.groupId))
  }

  // ---- Heartbeat -------------------------------------------------------------------------------

  heartbeat(req: {
    groupId: string
    generationId: number
    memberId: string
    groupInstanceId: string | null
  }): number {
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID
    const group = this.host.classicGroup(req.groupId)
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    const invalid = this.validateMember(group, req.memberId, req.groupInstanceId)
    if (invalid !== ErrorCode.NONE) return invalid
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    switch (group.state) {
      case ClassicGroupState.Empty:
        return ErrorCode.UNKNOWN_MEMBER_ID
      case ClassicGroupState.PreparingRebalance:
        this.touch(group, req.memberId)
        return ErrorCode.REBALANCE_IN_PROGRESS
      case ClassicGroupState.CompletingRebalance:
      case ClassicGroupState.Stable:
        this.touch(group, req.memberId)
        return ErrorCode.NONE
      case ClassicGroupState.Dead:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE
    }
  }

  // ---- LeaveGroup ------------------------------------------------------------------------------

  leave(groupId: string, members: readonly LeaveMember[]): LeaveResult {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] }
    const group = this.host.classicGroup(groupId)
    if (group === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] }
    if (group.is(ClassicGroupState.Dead))
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] }

    const results: LeaveResult['members'] = []
    let removed = 0
    for (const lm of members) {
      let errorCode: number = ErrorCode.NONE
      if (lm.memberId === UNKNOWN_MEMBER_ID) {
        // A static member may leave by instance id alone (e.g. kafka-consumer-groups --remove-members).
        const staticId = lm.groupInstanceId === null ? undefined : group.staticMembers.get(lm.groupInstanceId)
        if (staticId !== undefined) this.removeCurrentMember(group, staticId)
        else errorCode = ErrorCode.UNKNOWN_MEMBER_ID
      } else if (group.pendingJoinMembers.has(lm.memberId)) {
        group.remove(lm.memberId)
        this.host.timers.cancel(hbKey(groupId, lm.memberId))
      } else {
        errorCode = this.validateMember(group, lm.memberId, lm.groupInstanceId)
        if (errorCode === ErrorCode.NONE) this.removeCurrentMember(group, lm.memberId)
      }
      if (errorCode === ErrorCode.NONE) removed++
      results.push({ memberId: lm.memberId, groupInstanceId: lm.groupInstanceId, errorCode })
    }
    if (removed > 0) {
      if (group.is(ClassicGroupState.Stable) || group.is(ClassicGroupState.CompletingRebalance))
        this.maybeRebalanceOrCompleteJoin(group)
      else if (group.is(ClassicGroupState.PreparingRebalance)) this.maybeCompleteJoinPhase(group)
    }
    return { errorCode: ErrorCode.NONE, members: results }
  }

  private removeCurrentMember(group: ClassicGroup, memberId: string): void {
    const m = group.member(memberId)
    this.host.timers.cancel(hbKey(group.groupId, memberId))
    group.completeJoin(m, joinError(ErrorCode.UNKNOWN_MEMBER_ID, UNKNOWN_MEMBER_ID))
    group.remove(memberId)
  }

  // ---- persistence -----------------------------------------------------------------------------

  /** The group's GroupMetadata record (with members' assignments when `withAssignment`). */
  emitGroupMetadata(group: ClassicGroup, withAssignment: boolean): void {
    this.host.emit({
      type: 'group-metadata',
      groupId: group.groupId,
      value: {
        protocolType: group.protocolType ?? '',
        generation: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        currentStateTimestamp: group.currentStateTimestamp,
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          sessionTimeoutMs: m.sessionTimeoutMs,
          subscription: m.metadataFor(group.protocolName),
          assignment: withAssignment ? m.assignment : EMPTY_ASSIGNMENT,
        })),
      },
    })
  }

  /** A freshly created group, before any generation (Kafka's newEmptyGroupMetadataRecord). */
  private emitEmptyGroupMetadata(group: ClassicGroup): void {
    this.host.emit({
      type: 'group-metadata',
      groupId: group.groupId,
      value: {
        protocolType: group.protocolType ?? '',
        generation: 0,
        protocol: null,
        leader: null,
        currentStateTimestamp: group.currentStateTimestamp,
        members: [],
      },
    })
  }

  /** After loading: members must heartbeat within their session timeout or be evicted. */
  onLoaded(group: ClassicGroup): void {
    for (const m of group.members.values()) this.scheduleHeartbeat(group, m)
  }

  /** Cancels every timer of a group being deleted. */
  forget(group: ClassicGroup): void {
    this.host.timers.cancel(joinKey(group.groupId))
    this.host.timers.cancel(syncKey(group.groupId))
    for (const id of group.members.keys()) this.host.timers.cancel(hbKey(group.groupId, id))
    for (const id of group.pendingJoinMembers) this.host.timers.cancel(hbKey(group.groupId, id))
  }
}
