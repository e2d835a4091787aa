// The KIP-848 consumer protocol: ConsumerGroupHeartbeat (join, heartbeat, leave), server-side
// target assignment, per-member reconciliation, session and rebalance timeouts (after Kafka's
// GroupMetadataManager.consumerGroupHeartbeat). Synchronous like the classic flows: state is
// updated, records are emitted, the coordinator appends them before answering.
//
// One heartbeat:
//   1. validate the request (INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, INVALID_REGULAR_EXPRESSION)
//   2. find/create the group (a live classic group under that id is upgraded when the migration
//      policy allows, migration.ts, else GROUP_ID_NOT_FOUND), find/create the member, check its
//      epoch (UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, UNRELEASED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED)
//   3. a new member, a changed subscription or changed topic metadata bumps the group epoch
//   4. group epoch > assignment epoch ⇒ run the assignor, store the new target
//   5. reconcile the member towards its target (revoke first, then assign released partitions)
//   6. answer with the member epoch, heartbeat interval and, when it changed, the assignment
//
// Timers: cg-session/<group>/<member> (the group's session timeout, reset by every
// heartbeat) and cg-revoke/<group>/<member> (the member's rebalance timeout while it has
// partitions to revoke); both fence the member. Fencing (or leaving) the last consumer-protocol
// member of a group that still has classic members may convert it back (migration.ts). Classic
// members of a consumer group are served by consumer-classic.ts over updateMember/fenceMember.

import { ErrorCode } from '../../protocol/errors.ts'
import { randomUuid } from '../../random.ts'
import type { Clock } from '../clock.ts'
import { ASSIGNORS, type AssignorMember, type AssignorTopic } from './assignors.ts'
import type { GroupCoordinatorConfig } from './config.ts'
import type { ConsumerGroup } from './consumer-group.ts'
import {
  ConsumerMember,
  LEAVE_STATIC_EPOCH,
  MemberState,
  cloneMember,
  reconcile,
  samePartitions,
} from './consumer-group.ts'
import type { TopicResolver } from './coordinator.ts'
import type { GroupRecord, SubscribedTopicMetadata, TopicPartitionsById } from './records.ts'
import { compileRe2FullMatch } from './re2-pattern.ts'
import type { KeyedTimers } from './timers.ts'

export interface ConsumerHost {
  readonly clock: Clock
  readonly timers: KeyedTimers
  readonly config: GroupCoordinatorConfig
  readonly topics: TopicResolver | undefined
  /** 'classic' for a live classic group, 'classic-empty' for one that may be replaced. */
  groupKind(groupId: string): 'none' | 'classic' | 'classic-empty' | 'consumer' | 'consumer-empty'
  consumerGroup(groupId: string): ConsumerGroup | undefined
  /** Registers a new consumer group, replacing (and tombstoning) an empty classic one. */
  createConsumerGroup(groupId: string): ConsumerGroup
  /** KIP-848 upgrade of a live classic group for a joining member (migration.ts). */
  upgradeClassicGroup(groupId: string, joiningMemberId: string): ConsumerGroup | 'not-allowed' | 'full'
  /** KIP-848 downgrade when `leavingMemberId` leaves (migration.ts); true when the group went classic. */
  maybeDowngrade(group: ConsumerGroup, leavingMemberId: string): boolean
  /** KIP-848 downgrade once a classic static member replaced the last consumer-protocol one. */
  maybeDowngradeAfterStaticReplacement(group: ConsumerGroup): boolean
  emit(record: GroupRecord): void
}

export interface HeartbeatRequest {
  groupId: string
  memberId: string
  memberEpoch: number
  instanceId: string | null
  rackId: string | null
  rebalanceTimeoutMs: number
  subscribedTopicNames: string[] | null
  subscribedTopicRegex: string | null
  serverAssignor: string | null
  topicPartitions: Array<{ topicId: string; partitions: number[] }> | null
}

export interface HeartbeatResult {
  errorCode: number
  errorMessage: string | null
  memberId: string | null
  memberEpoch: number
  heartbeatIntervalMs: number
  assignment: Array<{ topicId: string; partitions: number[] }> | null
}

const sessionKey = (g: string, m: string): string => `cg-session/${g}/${m}`
const revokeKey = (g: string, m: string): string => `cg-revoke/${g}/${m}`
/** Classic members of a consumer group: the rejoin deadline after REBALANCE_IN_PROGRESS. */
export const classicJoinKey = (g: string, m: string): string => `cg-join/${g}/${m}`
/** Classic members of a consumer group: the SyncGroup deadline after a JoinGroup. */
export const classicSyncKey = (g: string, m: string): string => `cg-sync/${g}/${m}`
const memberTimerKeys = (g: string, m: string): string[] => [
  sessionKey(g, m),
  revokeKey(g, m),
  classicJoinKey(g, m),
  classicSyncKey(g, m),
]

const groupFullMessage = 'The consumer group has reached its maximum capacity.'

/** Kafka leaves internal topics out of regex subscriptions. */
const INTERNAL = new Set(['__consumer_offsets', '__transaction_state'])

export class ConsumerCoordinator {
  private readonly host: ConsumerHost

  constructor(host: ConsumerHost) {
    this.host = host
  }

  heartbeat(
    req: HeartbeatRequest,
    meta: { apiVersion: number; clientId: string; clientHost: string },
  ): HeartbeatResult {
    const fail = (errorCode: number, errorMessage: string | null = null): HeartbeatResult => ({
      errorCode,
      errorMessage,
      memberId: null,
      memberEpoch: 0,
      heartbeatIntervalMs: 0,
      assignment: null,
    })
    const invalid = this.validate(req, meta.apiVersion)
    if (invalid !== undefined) return fail(invalid[0], invalid[1])

    if (req.memberEpoch === -1 || req.memberEpoch === LEAVE_STATIC_EPOCH) return this.leave(req)

    if (this.host.groupKind(req.groupId) === 'classic') {
      // KIP-848 online upgrade: only a joining member (epoch 0) may convert a live classic group.
      const upgraded =
        req.memberEpoch === 0 ? this.host.upgradeClassicGroup(req.groupId, req.memberId) : 'not-allowed'
      if (upgraded === 'not-allowed')
        return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`)
      if (upgraded === 'full') return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, groupFullMessage)
    }
    let group = this.host.consumerGroup(req.groupId)
    if (group === undefined) {
      if (req.memberEpoch !== 0) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} not found.`)
      group = this.host.createConsumerGroup(req.groupId)
    }

    // v0 lets the broker choose the member id; from v1 the client sends a uuid of its own.
    const memberId = req.memberId === '' ? randomUuid() : req.memberId
    let member = group.members.get(memberId)
    let bumpEpoch = false
    let isNewMember = false
    if (req.memberEpoch === 0) {
      if (member === undefined) {
        isNewMember = true
        if (group.members.size >= this.host.config.consumerGroupMaxSize)
          return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, groupFullMessage)
        member = new ConsumerMember(memberId)
        if (req.instanceId !== null) {
          const prev = group.staticMember(req.instanceId)
          if (prev !== undefined) {
            // A static member may take its slot back only after it left with epoch -2 (a classic
            // member of the group cannot say so: its slot is taken over at once, as in Kafka).
            if (prev.memberEpoch !== LEAVE_STATIC_EPOCH && prev.classic === null)
              return fail(
                ErrorCode.UNRELEASED_INSTANCE_ID,
                `Static member ${req.instanceId} has not released its slot.`,
              )
            member = cloneMember(prev)
            Object.assign(member, { memberId, classic: null })
            this.removeMember(group, prev.memberId, false)
            member.memberEpoch = group.assignmentEpoch
            member.previousMemberEpoch = -1
            group.targetAssignment.set(
              memberId,
              group.targetAssignment.get(prev.memberId) ?? emptyAssignment(),
            )
            this.emitTargetMember(group, memberId)
          } else bumpEpoch = true
        } else bumpEpoch = true
        group.members.set(memberId, member)
      } else if (member.memberEpoch !== 0 && member.state !== MemberState.Stable) {
        // A rejoin with epoch 0 while owning partitions: start over.
        member.assigned = new Map()
        member.pendingRevocation = new Map()
        member.state = MemberState.Stable
      }
    } else {
      if (member === undefined)
        return fail(
          ErrorCode.UNKNOWN_MEMBER_ID,
          `Member ${memberId} is not a member of group ${req.groupId}.`,
        )
      const owned = toMap(req.topicPartitions)
      if (req.memberEpoch > member.memberEpoch)
        return fail(ErrorCode.FENCED_MEMBER_EPOCH, 'The member epoch is newer than the current one.')
      if (req.memberEpoch < member.memberEpoch) {
        // A lost response: the member may be one epoch behind if it owns no more than it was given.
        const lostResponse =
          req.memberEpoch === member.previousMemberEpoch && owned !== null && isSubset(owned, member.assigned)
        if (!lostResponse) return fail(ErrorCode.FENCED_MEMBER_EPOCH, 'The member epoch is stale.')
      }
    }

    const before = cloneMember(member)
    // Subscription and client details: full heartbeats carry them; null means "unchanged".
    member.clientId = meta.clientId
    member.clientHost = meta.clientHost
    if (req.instanceId !== null) member.instanceId = req.instanceId
    if (req.rackId !== null) member.rackId = req.rackId
    if (req.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs
    if (req.serverAssignor !== null) member.serverAssignor = req.serverAssignor
    if (req.subscribedTopicNames !== null) member.subscribedTopicNames = [...req.subscribedTopicNames].sort()
    if (req.subscribedTopicRegex !== null)
      member.subscribedTopicRegex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex
    const assignmentChanged = this.updateMember(group, member, before, {
      isNew: isNewMember,
      bump: bumpEpoch,
      owned: toMap(req.topicPartitions),
      rejoin: req.memberEpoch === 0,
    })

    this.scheduleSession(group.groupId, memberId)
    if (member.state === MemberState.UnrevokedPartitions) {
      if (before.state !== MemberState.UnrevokedPartitions) {
        const epoch = member.memberEpoch
        this.host.timers.schedule(
          revokeKey(group.groupId, memberId),
          Math.max(0, member.rebalanceTimeoutMs),
          () => this.revokeTimeout(req.groupId, memberId, epoch),
        )
      }
    } else this.host.timers.cancel(revokeKey(group.groupId, memberId))

    const sendAssignment = req.memberEpoch === 0 || assignmentChanged || req.topicPartitions !== null
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs:
        this.host.config.consumerGroupTimeouts?.(group.groupId).heartbeatIntervalMs ??
        this.host.config.consumerHeartbeatIntervalMs,
      assignment: sendAssignment
        ? [...member.assigned].map(([topicId, partitions]) => ({ topicId, partitions }))
        : null,
    }
  }

  /**
   * Steps 3-5 of a heartbeat, shared with classic members' JoinGroup (consumer-classic.ts): records
   * the member's new metadata, bumps the group epoch when the subscription or the topics changed,
   * computes a new target when due and reconciles the member. `before` is the member as it was.
   * Returns whether its current assignment changed.
   */
  updateMember(
    group: ConsumerGroup,
    member: ConsumerMember,
    before: ConsumerMember,
    o: { isNew: boolean; bump: boolean; owned: TopicPartitionsById | null; rejoin: boolean },
  ): boolean {
    let bumpEpoch = o.bump
    if (subscriptionChanged(before, member)) bumpEpoch = true
    if (o.isNew || bumpEpoch || memberMetadataChanged(before, member)) this.emitMemberMetadata(group, member)

    // Topic metadata of the subscription changed (created, deleted, grown): a new epoch too.
    const metadata = this.subscriptionMetadata(group)
    if (!sameMetadata(metadata, group.subscriptionMetadata)) {
      group.subscriptionMetadata = metadata
      this.host.emit({
        type: 'consumer-partition-metadata',
        groupId: group.groupId,
        value: { topics: metadata },
      })
      bumpEpoch = true
    }
    if (bumpEpoch) this.bumpGroupEpoch(group)
    if (group.groupEpoch > group.assignmentEpoch) this.computeTargetAssignment(group, member.serverAssignor)

    reconcile(
      group,
      member,
      group.targetAssignment.get(member.memberId) ?? emptyAssignment(),
      group.assignmentEpoch,
      o.owned,
    )
    const assignmentChanged =
      !samePartitions(before.assigned, member.assigned) ||
      !samePartitions(before.pendingRevocation, member.pendingRevocation)
    if (
      assignmentChanged ||
      before.memberEpoch !== member.memberEpoch ||
      before.state !== member.state ||
      o.rejoin
    )
      this.emitCurrent(group, member)
    return assignmentChanged
  }

  bumpGroupEpoch(group: ConsumerGroup): void {
    group.groupEpoch++
    this.host.emit({ type: 'consumer-metadata', groupId: group.groupId, value: { epoch: group.groupEpoch } })
  }

  private validate(req: HeartbeatRequest, apiVersion: number): [number, string] | undefined {
    const bad = (m: string): [number, string] => [ErrorCode.INVALID_REQUEST, m]
    if (req.groupId === '') return [ErrorCode.INVALID_GROUP_ID, "GroupId can't be empty."]
    if (req.memberEpoch < LEAVE_STATIC_EPOCH) return bad(`MemberEpoch ${req.memberEpoch} is invalid.`)
    if (req.memberId === '' && (apiVersion >= 1 || req.memberEpoch !== 0))
      return bad("MemberId can't be empty.")
    if (req.instanceId === '') return bad("InstanceId can't be empty.")
    if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) return bad('RebalanceTimeoutMs must be provided in first request.')
      if (req.topicPartitions === null || req.topicPartitions.length > 0)
        return bad('TopicPartitions must be empty when (re-)joining.')
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null)
        return bad('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.')
    }
    if (req.memberEpoch === LEAVE_STATIC_EPOCH && req.instanceId === null)
      return bad("InstanceId can't be null.")
    if (req.serverAssignor !== null && !this.host.config.consumerAssignors.includes(req.serverAssignor))
      return [ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported.`]
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== '') {
      try {
        compileRe2FullMatch(req.subscribedTopicRegex)
      } catch (err) {
        return [
          ErrorCode.INVALID_REGULAR_EXPRESSION,
          `SubscribedTopicRegex ${req.subscribedTopicRegex} is not a valid regular expression: ${(err as Error).message}.`,
        ]
      }
    }
    return undefined
  }

  private leave(req: HeartbeatRequest): HeartbeatResult {
    const group = this.host.consumerGroup(req.groupId)
    const member = group?.members.get(req.memberId)
    const done = (errorCode: number): HeartbeatResult => ({
      errorCode,
      errorMessage: null,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    })
    if (group === undefined) return done(ErrorCode.GROUP_ID_NOT_FOUND)
    if (member === undefined) return done(ErrorCode.UNKNOWN_MEMBER_ID)
    if (req.memberEpoch === LEAVE_STATIC_EPOCH) {
      // A static member restarting: its slot and assignment wait for it until its session ends.
      member.memberEpoch = LEAVE_STATIC_EPOCH
      this.emitCurrent(group, member)
      this.host.timers.cancel(revokeKey(group.groupId, member.memberId))
      this.scheduleSession(group.groupId, member.memberId)
      return done(ErrorCode.NONE)
    }
    this.fenceMember(group, member.memberId)
    return done(ErrorCode.NONE)
  }

  /**
   * A member leaves or is fenced (Kafka's consumerGroupFenceMember): when it was the last member of
   * the consumer protocol among classic ones, the group may go back to classic (KIP-848 downgrade);
   * otherwise it is removed and the group epoch bumped.
   */
  fenceMember(group: ConsumerGroup, memberId: string): void {
    if (this.host.maybeDowngrade(group, memberId)) return
    this.removeMember(group, memberId, true)
  }

  /** Removes a member and its records; with `bump`, a new group epoch triggers a new assignment. */
  removeMember(group: ConsumerGroup, memberId: string, bump: boolean): void {
    this.cancelMemberTimers(group.groupId, memberId)
    group.members.delete(memberId)
    group.targetAssignment.delete(memberId)
    this.host.emit({ type: 'consumer-current', groupId: group.groupId, memberId, value: null })
    this.host.emit({ type: 'consumer-target-member', groupId: group.groupId, memberId, value: null })
    this.host.emit({ type: 'consumer-member', groupId: group.groupId, memberId, value: null })
    if (bump) this.bumpGroupEpoch(group)
  }

  private cancelMemberTimers(groupId: string, memberId: string): void {
    for (const key of memberTimerKeys(groupId, memberId)) this.host.timers.cancel(key)
  }

  /**
   * The session timer: the group's consumer.session.timeout.ms (else
   * group.consumer.session.timeout.ms), or a classic member's own timeout.
   */
  scheduleSession(
    groupId: string,
    memberId: string,
    timeoutMs = this.host.config.consumerGroupTimeouts?.(groupId).sessionTimeoutMs ??
      this.host.config.consumerSessionTimeoutMs,
  ): void {
    this.host.timers.schedule(sessionKey(groupId, memberId), timeoutMs, () =>
      this.fenceById(groupId, memberId),
    )
  }

  /** Fences a member if it is still in its group (timer callbacks). */
  fenceById(groupId: string, memberId: string): void {
    const g = this.host.consumerGroup(groupId)
    if (g?.members.has(memberId) === true) this.fenceMember(g, memberId)
  }

  private revokeTimeout(groupId: string, memberId: string, epoch: number): void {
    const g = this.host.consumerGroup(groupId)
    const m = g?.members.get(memberId)
    if (g === undefined || m === undefined) return
    if (m.state === MemberState.UnrevokedPartitions && m.memberEpoch === epoch) this.fenceMember(g, memberId)
  }

  /** Re-arms session timers after loading (members must heartbeat again). */
  onLoaded(group: ConsumerGroup): void {
    for (const m of group.members.values())
      this.scheduleSession(group.groupId, m.memberId, m.classic?.sessionTimeoutMs)
  }

  forget(group: ConsumerGroup): void {
    for (const id of group.members.keys()) this.cancelMemberTimers(group.groupId, id)
  }

  // ---- assignment ------------------------------------------------------------------------------

  /** Topic ids a member subscribes to: its names plus regex matches, among existing topics. */
  private memberTopics(m: ConsumerMember): Set<string> {
    const out = new Set<string>()
    const resolver = this.host.topics
    if (resolver === undefined) return out
    for (const name of m.subscribedTopicNames) {
      const t = resolver.byName(name)
      if (t !== undefined) out.add(t.topicId)
    }
    if (m.subscribedTopicRegex !== null) {
      let re: RegExp
      try {
        re = compileRe2FullMatch(m.subscribedTopicRegex)
      } catch {
        return out
      }
      for (const t of resolver.all()) if (!INTERNAL.has(t.name) && re.test(t.name)) out.add(t.topicId)
    }
    return out
  }

  private subscriptionMetadata(group: ConsumerGroup): SubscribedTopicMetadata[] {
    const ids = new Set<string>()
    for (const m of group.members.values()) for (const id of this.memberTopics(m)) ids.add(id)
    const out: SubscribedTopicMetadata[] = []
    for (const id of ids) {
      const t = this.host.topics?.byId(id)
      if (t !== undefined) out.push({ topicId: t.topicId, topicName: t.name, numPartitions: t.partitions })
    }
    return out.sort((a, b) => (a.topicName < b.topicName ? -1 : a.topicName > b.topicName ? 1 : 0))
  }

  private computeTargetAssignment(group: ConsumerGroup, preferred: string | null): void {
    // The assignor: the one most members ask for, else the configured default (Kafka's rule).
    const votes = new Map<string, number>()
    for (const m of group.members.values())
      if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1)
    let name = this.host.config.consumerAssignors[0] ?? 'uniform'
    let best = 0
    for (const [n, v] of votes) if (v > best || (v === best && n === preferred)) [name, best] = [n, v]
    const assignor = ASSIGNORS.get(name) ?? ASSIGNORS.get('uniform')
    if (assignor === undefined) return
    const topics = new Map<string, AssignorTopic>(
      group.subscriptionMetadata.map((t) => [
        t.topicId,
        { topicId: t.topicId, name: t.topicName, partitions: t.numPartitions },
      ]),
    )
    const members: AssignorMember[] = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      topics: this.memberTopics(m),
      current: group.targetAssignment.get(m.memberId) ?? new Map(),
    }))
    const result = assignor(members, topics)
    for (const [memberId, tp] of result) {
      const prev = group.targetAssignment.get(memberId)
      group.targetAssignment.set(memberId, tp)
      if (prev === undefined || !samePartitions(prev, tp)) this.emitTargetMember(group, memberId)
    }
    group.assignmentEpoch = group.groupEpoch
    this.host.emit({
      type: 'consumer-target-metadata',
      groupId: group.groupId,
      value: { assignmentEpoch: group.assignmentEpoch },
    })
  }

  // ---- records ---------------------------------------------------------------------------------

  emitTargetMember(group: ConsumerGroup, memberId: string): void {
    this.host.emit({
      type: 'consumer-target-member',
      groupId: group.groupId,
      memberId,
      value: { partitions: group.targetAssignment.get(memberId) ?? emptyAssignment() },
    })
  }

  emitMemberMetadata(group: ConsumerGroup, m: ConsumerMember): void {
    this.host.emit({
      type: 'consumer-member',
      groupId: group.groupId,
      memberId: m.memberId,
      value: {
        instanceId: m.instanceId,
        rackId: m.rackId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        serverAssignor: m.serverAssignor,
        classicMemberMetadata: m.classic,
      },
    })
  }

  emitCurrent(group: ConsumerGroup, m: ConsumerMember): void {
    this.host.emit({
      type: 'consumer-current',
      groupId: group.groupId,
      memberId: m.memberId,
      value: {
        memberEpoch: m.memberEpoch,
        previousMemberEpoch: m.previousMemberEpoch,
        state: m.state,
        assigned: m.assigned,
        pendingRevocation: m.pendingRevocation,
      },
    })
  }

  /** Tombstones for every record of a group being deleted. */
  emitGroupTombstones(group: ConsumerGroup): void {
    for (const id of group.members.keys()) {
      this.host.emit({ type: 'consumer-current', groupId: group.groupId, memberId: id, value: null })
      this.host.emit({ type: 'consumer-target-member', groupId: group.groupId, memberId: id, value: null })
      this.host.emit({ type: 'consumer-member', groupId: group.groupId, memberId: id, value: null })
    }
    this.host.emit({ type: 'consumer-target-metadata', groupId: group.groupId, value: null })
    this.host.emit({ type: 'consumer-partition-metadata', groupId: group.groupId, value: null })
    this.host.emit({ type: 'consumer-metadata', groupId: group.groupId, value: null })
  }
}

function toMap(
  l: ReadonlyArray<{ topicId: string; partitions: number[] }> | null,
): TopicPartitionsById | null {
  if (l === null) return null
  const m: TopicPartitionsById = new Map()
  for (const t of l) m.set(t.topicId, [...(m.get(t.topicId) ?? []), ...t.partitions])
  return m
}

function isSubset(a: TopicPartitionsById, b: TopicPartitionsById): boolean {
  for (const [t, ps] of a) for (const p of ps) if (b.get(t)?.includes(p) !== true) return false
  return true
}

function subscriptionChanged(a: ConsumerMember, b: ConsumerMember): boolean {
  return (
    a.subscribedTopicRegex !== b.subscribedTopicRegex ||
    a.subscribedTopicNames.length !== b.subscribedTopicNames.length ||
    a.subscribedTopicNames.some((t, i) => t !== b.subscribedTopicNames[i]) ||
    a.serverAssignor !== b.serverAssignor ||
    a.rackId !== b.rackId
  )
}

function memberMetadataChanged(a: ConsumerMember, b: ConsumerMember): boolean {
  return (
    a.clientId !== b.clientId ||
    a.clientHost !== b.clientHost ||
    a.instanceId !== b.instanceId ||
    a.rebalanceTimeoutMs !== b.rebalanceTimeoutMs ||
    !sameClassicMetadata(a.classic, b.classic)
  )
}

function sameClassicMetadata(a: ConsumerMember['classic'], b: ConsumerMember['classic']): boolean {
  if (a === null || b === null) return a === b
  return (
    a.sessionTimeoutMs === b.sessionTimeoutMs &&
    a.supportedProtocols.length === b.supportedProtocols.length &&
    a.supportedProtocols.every(
      (p, i) =>
        p.name === b.supportedProtocols[i]?.name && p.metadata.equals(b.supportedProtocols[i].metadata),
    )
  )
}

function sameMetadata(a: readonly SubscribedTopicMetadata[], b: readonly SubscribedTopicMetadata[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (t, i) =>
        t.topicId === b[i]?.topicId &&
        t.numPartitions === b[i]?.numPartitions &&
        t.topicName === b[i]?.topicName,
    )
  )
}

function emptyAssignment(): TopicPartitionsById {
  return new Map<string, number[]>()
}
