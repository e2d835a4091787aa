// A KIP-848 consumer group (Kafka's ConsumerGroup/ConsumerGroupMember): the group epoch, the target
// assignment and its epoch, and per member its subscription and current assignment.
//
// Group states (derived, never stored):
//   Empty        no members
//   Assigning    group epoch > assignment epoch (a new target is due; computed on the next heartbeat)
//   Reconciling  some member has not reached the target assignment epoch or is not Stable
//   Stable       every member owns exactly its target at the assignment epoch
//   Dead         deleted
//
// Member states (MemberState, persisted as an int8):
//   0 Stable                 owns its target at the target epoch
//     transition: new target epoch ⇒ reconcile (computeNext)
//   1 UnrevokedPartitions    must give up partitionsPendingRevocation first (keeps its epoch)
//     transition: a heartbeat no longer owning them ⇒ reconcile at epoch+1; rebalance timeout ⇒ fenced
//   2 UnreleasedPartitions   some target partitions still belong to others; gets them once released
//     transition: every heartbeat ⇒ reconcile
//   3 Unknown                (not produced here)

import type { JoinProtocol } from './classic-group.ts'
import type { ClassicMemberMetadata, SubscribedTopicMetadata, TopicPartitionsById } from './records.ts'

export const MemberState = { Stable: 0, UnrevokedPartitions: 1, UnreleasedPartitions: 2, Unknown: 3 } as const
export type MemberState = (typeof MemberState)[keyof typeof MemberState]

export const ConsumerGroupState = {
  Empty: 'Empty',
  Assigning: 'Assigning',
  Reconciling: 'Reconciling',
  Stable: 'Stable',
  Dead: 'Dead',
} as const
export type ConsumerGroupState = (typeof ConsumerGroupState)[keyof typeof ConsumerGroupState]

/** Epoch of a static member that left temporarily (ConsumerGroupHeartbeat memberEpoch -2). */
export const LEAVE_STATIC_EPOCH = -2

export class ConsumerMember {
  readonly memberId: string
  instanceId: string | null = null
  rackId: string | null = null
  clientId = ''
  clientHost = ''
  subscribedTopicNames: string[] = []
  subscribedTopicRegex: string | null = null
  rebalanceTimeoutMs = -1
  serverAssignor: string | null = null
  memberEpoch = 0
  previousMemberEpoch = -1
  state: MemberState = MemberState.Stable
  assigned: TopicPartitionsById = new Map()
  pendingRevocation: TopicPartitionsById = new Map()
  /**
   * Set for a member that speaks the classic protocol (JoinGroup/SyncGroup/Heartbeat) inside this
   * consumer group: its session timeout and JoinGroup protocols (KIP-848 migration).
   */
  classic: ClassicMemberMetadata | null = null

  constructor(memberId: string) {
    this.memberId = memberId
  }

  get usesClassicProtocol(): boolean {
    return this.classic !== null
  }

  /** The protocol name a classic member was told in its JoinGroup response (its first one). */
  get classicProtocolName(): string {
    return this.classic?.supportedProtocols[0]?.name ?? ''
  }
}

export class ConsumerGroup {
  readonly groupId: string
  readonly type = 'consumer' as const
  groupEpoch = 0
  assignmentEpoch = 0
  readonly members = new Map<string, ConsumerMember>()
  readonly targetAssignment = new Map<string, TopicPartitionsById>()
  subscriptionMetadata: SubscribedTopicMetadata[] = []
  dead = false

  constructor(groupId: string) {
    this.groupId = groupId
  }

  get state(): ConsumerGroupState {
    if (this.dead) return ConsumerGroupState.Dead
    if (this.members.size === 0) return ConsumerGroupState.Empty
    if (this.groupEpoch > this.assignmentEpoch) return ConsumerGroupState.Assigning
    for (const m of this.members.values())
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== MemberState.Stable)
        return ConsumerGroupState.Reconciling
    return ConsumerGroupState.Stable
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m
    return undefined
  }

  /** The member (other than `except`) that owns a partition, as assigned or pending revocation. */
  owner(topicId: string, partition: number, except: string): ConsumerMember | undefined {
    for (const m of this.members.values()) {
      if (m.memberId === except) continue
      if (m.assigned.get(topicId)?.includes(partition) === true) return m
      if (m.pendingRevocation.get(topicId)?.includes(partition) === true) return m
    }
    return undefined
  }

  /** How many members speak the classic protocol. */
  classicMemberCount(): number {
    let n = 0
    for (const m of this.members.values()) if (m.classic !== null) n++
    return n
  }

  /** Kafka's allMembersUseClassicProtocolExcept: `memberId` is the only consumer-protocol member. */
  allMembersUseClassicProtocolExcept(memberId: string): boolean {
    const m = this.members.get(memberId)
    return m !== undefined && m.classic === null && this.classicMemberCount() === this.members.size - 1
  }

  /**
   * Kafka's supportsClassicProtocols: a classic member may join when its protocol type is
   * "consumer" and one of its protocols is supported by every classic member already in.
   */
  supportsClassicProtocols(protocolType: string, protocols: readonly JoinProtocol[]): boolean {
    if (protocolType !== 'consumer') return false
    if (this.members.size === 0) return protocols.length > 0
    const classic = [...this.members.values()].filter((m) => m.classic !== null)
    return protocols.some((p) =>
      classic.every((m) => m.classic?.supportedProtocols.some((q) => q.name === p.name) === true),
    )
  }

  /** Every topic name members subscribe to by name. */
  subscribedNames(): Set<string> {
    const out = new Set<string>()
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.add(t)
    return out
  }
}

/**
 * Kafka's CurrentAssignmentBuilder: the member's next current assignment towards its target.
 * `owned` is what the member reports owning (null = not reported). Mutates and returns the member.
 */
export function reconcile(
  group: ConsumerGroup,
  m: ConsumerMember,
  target: TopicPartitionsById,
  targetEpoch: number,
  owned: TopicPartitionsById | null,
): ConsumerMember {
  const stillOwns = (pending: TopicPartitionsById): boolean => {
    if (owned === null) return true
    for (const [topicId, parts] of pending)
      if (parts.some((p) => owned.get(topicId)?.includes(p) === true)) return true
    return false
  }
  switch (m.state) {
    case MemberState.Stable:
      if (m.memberEpoch !== targetEpoch) computeNext(m.memberEpoch)
      break
    case MemberState.UnrevokedPartitions:
      if (!stillOwns(m.pendingRevocation)) computeNext(m.memberEpoch + 1)
      break
    case MemberState.UnreleasedPartitions:
    case MemberState.Unknown:
      computeNext(m.memberEpoch)
      break
  }
  return m

  function computeNext(memberEpoch: number): void {
    let unreleased = false
    const assigned: TopicPartitionsById = new Map()
    const revoke: TopicPartitionsById = new Map()
    const add: TopicPartitionsById = new Map()
    const topicIds = new Set([...target.keys(), ...m.assigned.keys()])
    for (const topicId of topicIds) {
      const want = target.get(topicId) ?? []
      const have = m.assigned.get(topicId) ?? []
      const keep = have.filter((p) => want.includes(p))
      const drop = have.filter((p) => !want.includes(p))
      const gain = want.filter((p) => !have.includes(p))
      const free = gain.filter((p) => group.owner(topicId, p, m.memberId) === undefined)
      if (free.length < gain.length) unreleased = true
      if (keep.length > 0) assigned.set(topicId, keep)
      if (drop.length > 0) revoke.set(topicId, drop)
      if (free.length > 0) add.set(topicId, free)
    }
    if (revoke.size > 0 && stillOwns(revoke)) {
      // Revoke first: the partitions stay the member's until it says it let them go.
      setEpoch(memberEpoch)
      m.state = MemberState.UnrevokedPartitions
      m.assigned = assigned
      m.pendingRevocation = revoke
      return
    }
    for (const [topicId, parts] of add)
      assigned.set(
        topicId,
        [...(assigned.get(topicId) ?? []), ...parts].sort((a, b) => a - b),
      )
    setEpoch(targetEpoch)
    m.state = unreleased ? MemberState.UnreleasedPartitions : MemberState.Stable
    m.assigned = assigned
    m.pendingRevocation = new Map()
  }

  function setEpoch(epoch: number): void {
    if (epoch !== m.memberEpoch) {
      m.previousMemberEpoch = m.memberEpoch
      m.memberEpoch = epoch
    }
  }
}

export function samePartitions(a: TopicPartitionsById, b: TopicPartitionsById): boolean {
  const nonEmpty = (m: TopicPartitionsById): Array<[string, number[]]> =>
    [...m].filter(([, p]) => p.length > 0).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
  const x = nonEmpty(a)
  const y = nonEmpty(b)
  if (x.length !== y.length) return false
  return x.every(([t, p], i) => {
    const other = y[i]
    if (other === undefined || other[0] !== t) return false
    const ps = [...p].sort((u, v) => u - v)
    const qs = [...other[1]].sort((u, v) => u - v)
    return ps.length === qs.length && ps.every((v, j) => v === qs[j])
  })
}

export function cloneMember(m: ConsumerMember): ConsumerMember {
  const c = new ConsumerMember(m.memberId)
  Object.assign(c, m)
  c.assigned = new Map([...m.assigned].map(([t, p]) => [t, [...p]]))
  c.pendingRevocation = new Map([...m.pendingRevocation].map(([t, p]) => [t, [...p]]))
  c.subscribedTopicNames = [...m.subscribedTopicNames]
  c.classic =
    m.classic === null
      ? null
      : {
          sessionTimeoutMs: m.classic.sessionTimeoutMs,
          supportedProtocols: [...m.classic.supportedProtocols],
        }
  return c
}
