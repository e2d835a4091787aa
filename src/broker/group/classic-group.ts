// One classic group's membership and generation state (Kafka's ClassicGroup/ClassicGroupMember):
// members with their protocols and parked JoinGroup/SyncGroup responses, the leader, the selected
// protocol, static-member mapping and the bookkeeping of who has (re)joined or synced. Pure data
// plus invariants; the protocol flows that drive it live in classic-coordinator.ts.

import { randomUUID } from '../../random.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { CLASSIC_VALID_PREVIOUS, ClassicGroupState } from './classic-state.ts'

export interface JoinProtocol {
  name: string
  metadata: Buffer
}

/** What a JoinGroup response carries (the handler adapts it to the request's version). */
export interface JoinResult {
  errorCode: number
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  skipAssignment: boolean
  memberId: string
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>
}

export interface SyncResult {
  errorCode: number
  protocolType: string | null
  protocolName: string | null
  assignment: Buffer
}

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0)
export const UNKNOWN_MEMBER_ID = ''

export function joinError(errorCode: number, memberId: string): JoinResult {
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

export class ClassicMember {
  memberId: string
  readonly groupInstanceId: string | null
  readonly clientId: string
  readonly clientHost: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  readonly protocolType: string
  protocols: JoinProtocol[]
  assignment: Buffer
  /** Set while a JoinGroup response is parked for this member. */
  awaitingJoin: ((r: JoinResult) => void) | undefined
  /** Set while a SyncGroup response is parked for this member. */
  awaitingSync: ((r: SyncResult) => void) | undefined
  /** True from its first join until it receives a join response (it may be expired meanwhile). */
  isNew = false

  constructor(init: {
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    rebalanceTimeoutMs: number
    sessionTimeoutMs: number
    protocolType: string
    protocols: JoinProtocol[]
    assignment?: Buffer
  }) {
    this.memberId = init.memberId
    this.groupInstanceId = init.groupInstanceId
    this.clientId = init.clientId
    this.clientHost = init.clientHost
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs
    this.sessionTimeoutMs = init.sessionTimeoutMs
    this.protocolType = init.protocolType
    this.protocols = init.protocols
    this.assignment = init.assignment ?? EMPTY_ASSIGNMENT
    this.awaitingJoin = undefined
    this.awaitingSync = undefined
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null
  }

  /** A member parked in a join or sync counts as alive; a new one must still heartbeat. */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false
    return this.awaitingJoin !== undefined || this.awaitingSync !== undefined
  }

  /** Same protocol names, order and metadata bytes (Kafka compares the whole collection). */
  matches(protocols: readonly JoinProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false
    return protocols.every((p, i) => {
      const mine = this.protocols[i]
      return mine !== undefined && mine.name === p.name && mine.metadata.equals(p.metadata)
    })
  }

  metadataFor(protocolName: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_ASSIGNMENT
  }

  /** The first protocol in this member's preference order that is a candidate. */
  vote(candidates: ReadonlySet<string>): string {
    for (const p of this.protocols) if (candidates.has(p.name)) return p.name
    throw new Error(`member ${this.memberId} supports none of the candidate protocols`)
  }
}

export class ClassicGroup {
  readonly groupId: string
  state: ClassicGroupState = ClassicGroupState.Empty
  previousState: ClassicGroupState = ClassicGroupState.Empty
  /** Wall-clock ms of the last state change (-1 before any); drives offset expiry of empty groups. */
  currentStateTimestamp = -1
  protocolType: string | null = null
  protocolName: string | null = null
  generationId = 0
  leaderId: string | null = null
  /** Set when a member joined during the initial-rebalance delay (the delay then extends). */
  newMemberAdded = false

  /** Insertion-ordered, which makes leader succession deterministic. */
  readonly members = new Map<string, ClassicMember>()
  readonly staticMembers = new Map<string, string>()
  /** Member ids handed out by a MEMBER_ID_REQUIRED response and not yet rejoined (KIP-394). */
  readonly pendingJoinMembers = new Set<string>()
  readonly pendingSyncMembers = new Set<string>()
  private readonly protocolVotes = new Map<string, number>()
  private awaitingJoinCount = 0

  constructor(groupId: string) {
    this.groupId = groupId
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state
  }

  /** Asserts the transition is in CLASSIC_VALID_PREVIOUS (a violation is a coordinator bug). */
  transitionTo(target: ClassicGroupState, now: number): void {
    if (!CLASSIC_VALID_PREVIOUS[target].includes(this.state))
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${target}`)
    this.previousState = this.state
    this.state = target
    this.currentStateTimestamp = now
  }

  canRebalance(): boolean {
    return CLASSIC_VALID_PREVIOUS.PreparingRebalance.includes(this.state)
  }

  get size(): number {
    return this.members.size
  }

  member(memberId: string): ClassicMember {
    const m = this.members.get(memberId)
    if (m === undefined) throw new Error(`group ${this.groupId}: no member ${memberId}`)
    return m
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId
  }

  add(member: ClassicMember, onJoin?: (r: JoinResult) => void): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId))
        throw new Error(`static member ${member.groupInstanceId} already in group ${this.groupId}`)
      this.staticMembers.set(member.groupInstanceId, member.memberId)
    }
    if (this.members.size === 0) this.protocolType = member.protocolType
    if (this.leaderId === null) this.leaderId = member.memberId
    this.members.set(member.memberId, member)
    this.countVotes(member, 1)
    member.awaitingJoin = onJoin
    if (onJoin !== undefined) this.awaitingJoinCount++
    this.pendingJoinMembers.delete(member.memberId)
  }

  /** Removes a member; a response still parked for it is answered UNKNOWN_MEMBER_ID. */
  remove(memberId: string): void {
    const m = this.members.get(memberId)
    if (m !== undefined) {
      this.completeJoin(m, joinError(ErrorCode.UNKNOWN_MEMBER_ID, UNKNOWN_MEMBER_ID))
      this.completeSync(m, {
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        protocolType: null,
        protocolName: null,
        assignment: EMPTY_ASSIGNMENT,
      })
      this.members.delete(memberId)
      this.countVotes(m, -1)
      if (m.awaitingJoin !== undefined) this.awaitingJoinCount--
      if (m.groupInstanceId !== null) this.staticMembers.delete(m.groupInstanceId)
    }
    if (this.leaderId === memberId) {
      const next = this.members.keys().next()
      this.leaderId = next.done === true ? null : next.value
    }
    this.pendingJoinMembers.delete(memberId)
    this.pendingSyncMembers.delete(memberId)
  }

  /** New protocols/timeouts for an existing member; `onJoin` parks (or with undefined, unparks) its join. */
  updateMember(
    m: ClassicMember,
    protocols: JoinProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    onJoin: ((r: JoinResult) => void) | undefined,
  ): void {
    this.countVotes(m, -1)
    m.protocols = protocols
    this.countVotes(m, 1)
    m.rebalanceTimeoutMs = rebalanceTimeoutMs
    m.sessionTimeoutMs = sessionTimeoutMs
    const parked = m.awaitingJoin
    if (onJoin !== undefined && parked === undefined) this.awaitingJoinCount++
    else if (onJoin === undefined && parked !== undefined) this.awaitingJoinCount--
    // A second JoinGroup while one is parked (a client retrying on another connection): both get
    // the answer, so no request is left unanswered (which would stall its connection's replies).
    m.awaitingJoin =
      onJoin !== undefined && parked !== undefined
        ? (r) => {
            parked(r)
            onJoin(r)
          }
        : onJoin
  }

  /** Gives a static member a new member id, fencing any response parked under the old id. */
  replaceStaticMember(
    instanceId: string,
    oldMemberId: string,
    newMemberId: string,
    fencedCode: number,
  ): ClassicMember {
    const old = this.member(oldMemberId)
    this.completeJoin(old, { ...joinError(fencedCode, oldMemberId), generationId: -1 })
    this.completeSync(old, {
      errorCode: fencedCode,
      protocolType: null,
      protocolName: null,
      assignment: EMPTY_ASSIGNMENT,
    })
    this.members.delete(oldMemberId)
    old.memberId = newMemberId
    this.members.set(newMemberId, old)
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId
    this.staticMembers.set(instanceId, newMemberId)
    this.pendingSyncMembers.delete(oldMemberId)
    return old
  }

  completeJoin(m: ClassicMember, r: JoinResult): boolean {
    const waiter = m.awaitingJoin
    if (waiter === undefined) return false
    m.awaitingJoin = undefined
    this.awaitingJoinCount--
    waiter(r)
    return true
  }

  /** Parks a SyncGroup response; an already parked one gets the same answer when it comes. */
  parkSync(m: ClassicMember, respond: (r: SyncResult) => void): void {
    const parked = m.awaitingSync
    m.awaitingSync =
      parked === undefined
        ? respond
        : (r) => {
            parked(r)
            respond(r)
          }
  }

  completeSync(m: ClassicMember, r: SyncResult): boolean {
    const waiter = m.awaitingSync
    if (waiter === undefined) return false
    m.awaitingSync = undefined
    waiter(r)
    return true
  }

  get numAwaitingJoin(): number {
    return this.awaitingJoinCount
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingJoinMembers.size === 0
  }

  notYetRejoined(): ClassicMember[] {
    return [...this.members.values()].filter((m) => m.awaitingJoin === undefined)
  }

  /** The largest rebalance timeout among members: how long a rebalance waits for rejoins. */
  rebalanceTimeoutMs(): number {
    let max = 0
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs)
    return max
  }

  newMemberId(clientId: string, instanceId: string | null): string {
    return `${instanceId ?? clientId}-${randomUUID()}`
  }

  /** Keeps the leader if it rejoined, else promotes any member that did; false if nobody did. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false
    const leader = this.members.get(this.leaderId)
    if (leader !== undefined && leader.awaitingJoin !== undefined) return true
    for (const m of this.members.values()) {
      if (m.awaitingJoin !== undefined) {
        this.leaderId = m.memberId
        return true
      }
    }
    return false
  }

  /** Whether a member with these protocols could join (type matches, one protocol all support). */
  supportsProtocols(protocolType: string, protocols: readonly JoinProtocol[]): boolean {
    if (this.is(ClassicGroupState.Empty)) return protocolType !== '' && protocols.length > 0
    return (
      this.protocolType === protocolType &&
      protocols.some((p) => (this.protocolVotes.get(p.name) ?? 0) === this.members.size)
    )
  }

  /** Each member votes for its most preferred protocol that every member supports; most votes wins. */
  selectProtocol(): string {
    const candidates = new Set<string>()
    for (const [name, n] of this.protocolVotes) if (n === this.members.size) candidates.add(name)
    const votes = new Map<string, number>()
    for (const m of this.members.values()) {
      const v = m.vote(candidates)
      votes.set(v, (votes.get(v) ?? 0) + 1)
    }
    let best: string | undefined
    let bestVotes = -1
    for (const [name, n] of votes)
      if (n > bestVotes) {
        best = name
        bestVotes = n
      }
    if (best === undefined) throw new Error(`group ${this.groupId}: no protocol to select`)
    return best
  }

  /** Starts the next generation: CompletingRebalance with a selected protocol, or Empty. */
  initNextGeneration(now: number): void {
    this.generationId++
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol()
      this.transitionTo(ClassicGroupState.CompletingRebalance, now)
    } else {
      this.protocolName = null
      this.transitionTo(ClassicGroupState.Empty, now)
    }
    this.pendingSyncMembers.clear()
  }

  /** The member list the leader receives in its JoinGroup response. */
  joinMembers(): JoinResult['members'] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(this.protocolName),
    }))
  }

  /**
   * The topics the members subscribe to, when the protocol type is "consumer" and every member's
   * metadata decodes (ConsumerProtocolSubscription: int16 version, array of topic strings, …);
   * undefined when unknown. Used to keep offsets of subscribed topics from expiring.
   */
  subscribedTopics(): Set<string> | undefined {
    if (this.protocolType !== 'consumer' || this.protocolName === null) return undefined
    const topics = new Set<string>()
    for (const m of this.members.values()) {
      const t = decodeSubscriptionTopics(m.metadataFor(this.protocolName))
      if (t === undefined) return undefined
      for (const x of t) topics.add(x)
    }
    return topics
  }

  private countVotes(m: ClassicMember, delta: number): void {
    for (const p of m.protocols) this.protocolVotes.set(p.name, (this.protocolVotes.get(p.name) ?? 0) + delta)
  }
}

/** Topic names from a ConsumerProtocolSubscription (all versions start: int16 version, [string]). */
export function decodeSubscriptionTopics(buf: Buffer): string[] | undefined {
  try {
    if (buf.length < 6) return undefined
    let pos = 2
    const n = buf.readInt32BE(pos)
    pos += 4
    if (n < 0 || n > 100_000) return undefined
    const out: string[] = []
    for (let i = 0; i < n; i++) {
      const len = buf.readInt16BE(pos)
      pos += 2
      if (len < 0 || pos + len > buf.length) return undefined
      out.push(buf.toString('utf8', pos, pos + len))
      pos += len
    }
    return out
  } catch {
    return undefined
  }
}
