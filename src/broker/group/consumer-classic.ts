// Classic-protocol members of a KIP-848 consumer group (the state a group is in during an online
// migration): JoinGroup, SyncGroup, Heartbeat and LeaveGroup from clients that still speak the
// classic protocol, served on the consumer group's epochs and server-side assignment (after Kafka's
// GroupMetadataManager.classicGroup{Join,Sync,Heartbeat,Leave}ToConsumerGroup).
//
// How the two protocols meet:
//   - a classic member is a ConsumerMember with `classic` set (session timeout, JoinGroup protocols);
//     its subscription and owned partitions come from its ConsumerProtocolSubscription bytes;
//   - JoinGroup runs the heartbeat's update/assign/reconcile step and answers at once, with the
//     member epoch as generation id, no leader and no member list (the member syncs as a follower);
//   - SyncGroup hands out the member's current assignment, encoded at its subscription's version;
//   - a new group epoch (or partitions to revoke, or released partitions to collect) is signalled
//     through Heartbeat / SyncGroup as REBALANCE_IN_PROGRESS, and the member rejoins;
//   - OffsetCommit takes the member epoch as generation (ILLEGAL_GENERATION when it differs).
//
// Timers (besides the session timer, cg-session/…, run at the member's classic session timeout):
//   cg-join/<group>/<member>  the rebalance timeout to rejoin after REBALANCE_IN_PROGRESS → fenced
//   cg-sync/<group>/<member>  the rebalance timeout to sync after a JoinGroup → fenced

import { ErrorCode } from '../../protocol/errors.ts'
import { randomUuid } from '../../random.ts'
import type {
  JoinRequest,
  LeaveMember,
  LeaveResult,
  RequestMeta,
  SyncRequest,
} from './classic-coordinator.ts'
import {
  EMPTY_ASSIGNMENT,
  type JoinResult,
  type SyncResult,
  UNKNOWN_MEMBER_ID,
  joinError,
} from './classic-group.ts'
import {
  type ConsumerCoordinator,
  type ConsumerHost,
  classicJoinKey,
  classicSyncKey,
} from './consumer-coordinator.ts'
import { type ConsumerGroup, ConsumerMember, MemberState, cloneMember } from './consumer-group.ts'
import {
  decodeSubscription,
  encodeAssignment,
  partitionsById,
  partitionsByName,
  subscriptionVersion,
} from './consumer-protocol.ts'

export class ConsumerGroupClassicMembers {
  private readonly host: ConsumerHost
  private readonly consumer: ConsumerCoordinator

  constructor(host: ConsumerHost, consumer: ConsumerCoordinator) {
    this.host = host
    this.consumer = consumer
  }

  /** JoinGroup to a non-empty consumer group (the request's timeouts are already validated). */
  join(group: ConsumerGroup, req: JoinRequest, meta: RequestMeta, respond: (r: JoinResult) => void): void {
    const isUnknownMember = req.memberId === UNKNOWN_MEMBER_ID
    const memberId = isUnknownMember ? randomUuid() : req.memberId
    if (group.members.size >= this.host.config.consumerGroupMaxSize && !group.members.has(memberId))
      return respond(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, req.memberId))
    if (!group.supportsClassicProtocols(req.protocolType, req.protocols))
      return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId))
    // Kafka reads the first protocol's bytes (every protocol carries the same subscription). Kafka
    // fails unreadable bytes with an internal error; a protocol error is the clearer answer.
    const first = req.protocols[0]
    const subscription = first === undefined ? undefined : decodeSubscription(first.metadata)
    if (subscription === undefined)
      return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId))
    // KIP-394: a dynamic member first gets its id, then joins with it.
    if (isUnknownMember && req.groupInstanceId === null && meta.apiVersion >= 4)
      return respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId))

    let member: ConsumerMember
    let isNew = false
    let replacedConsumerMember = false
    let replacedStatic = false
    if (req.groupInstanceId === null) {
      const existing = group.members.get(memberId)
      if (existing === undefined) {
        member = new ConsumerMember(memberId)
        group.members.set(memberId, member)
        isNew = true
      } else member = existing
    } else {
      const existing = group.staticMember(req.groupInstanceId)
      if (!isUnknownMember) {
        if (existing === undefined) return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId))
        if (existing.memberId !== memberId)
          return respond(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId))
        member = existing
      } else if (existing === undefined) {
        member = new ConsumerMember(memberId)
        group.members.set(memberId, member)
        isNew = true
      } else {
        // The instance restarts (with either protocol before): it takes over the slot and the
        // target assignment under its new id, starting from epoch 0.
        replacedConsumerMember = existing.classic === null
        replacedStatic = true
        member = this.replaceStaticMember(group, existing, memberId)
        isNew = true
      }
    }

    const before = cloneMember(member)
    // A brand-new member always bumps the epoch; a replacing static member only if it subscribes
    // differently from the slot it takes.
    const fresh = isNew && !replacedStatic
    if (fresh) before.subscribedTopicNames = []
    if (req.groupInstanceId !== null) member.instanceId = req.groupInstanceId
    if (subscription.rackId !== null) member.rackId = subscription.rackId
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs
    member.subscribedTopicNames = [...subscription.topics].sort()
    member.clientId = meta.clientId
    member.clientHost = meta.clientHost
    member.classic = {
      sessionTimeoutMs: req.sessionTimeoutMs,
      supportedProtocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    }
    this.consumer.updateMember(group, member, before, {
      isNew,
      bump: fresh,
      owned: partitionsById(this.host.topics, subscription.ownedPartitions),
      rejoin: true,
    })

    const response: JoinResult = {
      errorCode: ErrorCode.NONE,
      generationId: member.memberEpoch,
      protocolType: 'consumer',
      protocolName: member.classicProtocolName,
      leader: '',
      skipAssignment: false,
      memberId,
      members: [],
    }
    // The last consumer-protocol member restarted with the classic protocol: back to classic.
    if (replacedConsumerMember && this.host.maybeDowngradeAfterStaticReplacement(group))
      return respond(response)

    const { timers } = this.host
    timers.cancel(classicJoinKey(group.groupId, memberId))
    this.consumer.scheduleSession(group.groupId, memberId, req.sessionTimeoutMs)
    timers.schedule(classicSyncKey(group.groupId, memberId), req.rebalanceTimeoutMs, () =>
      this.consumer.fenceById(group.groupId, memberId),
    )
    respond(response)
  }

  private replaceStaticMember(group: ConsumerGroup, old: ConsumerMember, memberId: string): ConsumerMember {
    const member = cloneMember(old)
    Object.assign(member, { memberId })
    member.memberEpoch = 0
    member.previousMemberEpoch = 0
    const target = group.targetAssignment.get(old.memberId)
    this.consumer.removeMember(group, old.memberId, false)
    group.members.set(memberId, member)
    if (target !== undefined) {
      group.targetAssignment.set(memberId, target)
      this.consumer.emitTargetMember(group, memberId)
    }
    return member
  }

  /** SyncGroup from a classic member: its current assignment, or why it must rejoin. */
  sync(group: ConsumerGroup, req: SyncRequest, respond: (r: SyncResult) => void): void {
    const fail = (errorCode: number): void =>
      respond({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT })
    const found = this.classicMember(group, req.memberId, req.groupInstanceId)
    if (typeof found === 'number') return fail(found)
    const m = found
    if (req.generationId !== m.memberEpoch) return fail(ErrorCode.ILLEGAL_GENERATION)
    if (
      (req.protocolType !== null && req.protocolType !== 'consumer') ||
      (req.protocolName !== null && req.protocolName !== m.classicProtocolName)
    )
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    if (this.mustRejoinBeforeSync(group, m)) {
      this.scheduleJoinTimeout(group, m)
      return fail(ErrorCode.REBALANCE_IN_PROGRESS)
    }
    this.host.timers.cancel(classicSyncKey(group.groupId, m.memberId))
    this.consumer.scheduleSession(group.groupId, m.memberId, m.classic?.sessionTimeoutMs)
    const metadata = m.classic?.supportedProtocols[0]?.metadata ?? EMPTY_ASSIGNMENT
    respond({
      errorCode: ErrorCode.NONE,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignment: encodeAssignment(
        partitionsByName(this.host.topics, m.assigned),
        subscriptionVersion(metadata),
      ),
    })
  }

  /** Heartbeat from a classic member: REBALANCE_IN_PROGRESS when it should rejoin. */
  heartbeat(
    group: ConsumerGroup,
    req: { generationId: number; memberId: string; groupInstanceId: string | null },
  ): number {
    const found = this.classicMember(group, req.memberId, req.groupInstanceId)
    if (typeof found === 'number') return found
    const m = found
    if (req.generationId !== m.memberEpoch) return ErrorCode.ILLEGAL_GENERATION
    this.consumer.scheduleSession(group.groupId, m.memberId, m.classic?.sessionTimeoutMs)
    // Rejoin when: a new group epoch; partitions to revoke; partitions it waited for are free.
    if (
      m.memberEpoch < group.groupEpoch ||
      m.state === MemberState.UnrevokedPartitions ||
      (m.state === MemberState.UnreleasedPartitions && !this.waitingOnUnreleased(group, m))
    ) {
      this.scheduleJoinTimeout(group, m)
      return ErrorCode.REBALANCE_IN_PROGRESS
    }
    return ErrorCode.NONE
  }

  /** LeaveGroup: classic members leave (by id, or by instance id alone); one new group epoch. */
  leave(group: ConsumerGroup, members: readonly LeaveMember[]): LeaveResult {
    const results: LeaveResult['members'] = []
    let removed = 0
    for (const lm of members) {
      let errorCode: number = ErrorCode.NONE
      let memberId = lm.memberId
      if (lm.groupInstanceId === null) {
        const m = group.members.get(lm.memberId)
        if (m === undefined || m.classic === null) errorCode = ErrorCode.UNKNOWN_MEMBER_ID
      } else {
        const m = group.staticMember(lm.groupInstanceId)
        if (m === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID
        else if (lm.memberId !== UNKNOWN_MEMBER_ID && m.memberId !== lm.memberId)
          errorCode = ErrorCode.FENCED_INSTANCE_ID
        else if (m.classic === null) errorCode = ErrorCode.UNKNOWN_MEMBER_ID
        else memberId = m.memberId
      }
      if (errorCode === ErrorCode.NONE) {
        this.consumer.removeMember(group, memberId, false)
        removed++
      }
      results.push({ memberId, groupInstanceId: lm.groupInstanceId, errorCode })
    }
    if (removed > 0) this.consumer.bumpGroupEpoch(group)
    return { errorCode: ErrorCode.NONE, members: results }
  }

  /** Kafka's validateConsumerGroupMember plus "uses the classic protocol"; an error code otherwise. */
  private classicMember(
    group: ConsumerGroup,
    memberId: string,
    instanceId: string | null,
  ): ConsumerMember | number {
    let m: ConsumerMember | undefined
    if (instanceId === null) m = group.members.get(memberId)
    else {
      m = group.staticMember(instanceId)
      if (m !== undefined && m.memberId !== memberId) return ErrorCode.FENCED_INSTANCE_ID
    }
    if (m === undefined || m.classic === null) return ErrorCode.UNKNOWN_MEMBER_ID
    return m
  }

  /** Kafka's throwIfRebalanceInProgress: a newer group epoch, unless it is revoking already. */
  private mustRejoinBeforeSync(group: ConsumerGroup, m: ConsumerMember): boolean {
    return group.groupEpoch > m.memberEpoch && m.state !== MemberState.UnrevokedPartitions
  }

  private scheduleJoinTimeout(group: ConsumerGroup, m: ConsumerMember): void {
    const key = classicJoinKey(group.groupId, m.memberId)
    if (this.host.timers.has(key)) return
    const { groupId } = group
    const memberId = m.memberId
    this.host.timers.schedule(key, Math.max(0, m.rebalanceTimeoutMs), () =>
      this.consumer.fenceById(groupId, memberId),
    )
  }

  /** Kafka's waitingOnUnreleasedPartition: some target partition is still owned by another member. */
  private waitingOnUnreleased(group: ConsumerGroup, m: ConsumerMember): boolean {
    for (const [topicId, parts] of group.targetAssignment.get(m.memberId) ?? new Map<string, number[]>())
      for (const p of parts)
        if (
          m.assigned.get(topicId)?.includes(p) !== true &&
          group.owner(topicId, p, m.memberId) !== undefined
        )
          return true
    return false
  }
}
