// A classic-protocol consumer group member (JoinGroup/SyncGroup/Heartbeat/LeaveGroup) with the
// range assignor, for `samsa consume --group`. Subscription and assignment bytes are Kafka's
// ConsumerProtocol (int16 version, then the body), so Java/librdkafka/KafkaJS members can share a
// group with it.
//
// States: unjoined → (join) joining → (SyncGroup answered) stable → (heartbeat says
// REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID) rejoin needed → (join) … ;
// any state → (leave) left. The owner polls `rejoinNeeded` between fetches, commits and re-joins.

import { ERRORS } from '../protocol/errors.ts'
import {
  decodeConsumerProtocolAssignment,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  decodeConsumerProtocolSubscription,
} from '../protocol/generated/index.ts'
import { Reader } from '../protocol/primitives/reader.ts'
import { Writer } from '../protocol/primitives/writer.ts'
import type { Client } from './client.ts'
import type { Connection } from './connection.ts'
import { BrokerError, check } from './errors.ts'

const SUBSCRIPTION_VERSION = 0
const ASSIGNMENT_VERSION = 0

export type Assignment = Map<string, number[]>

export interface GroupMemberOptions {
  sessionTimeoutMs?: number
  rebalanceTimeoutMs?: number
  heartbeatIntervalMs?: number
}

function encodeSubscription(topics: readonly string[]): Buffer {
  const w = new Writer(64)
  w.int16(SUBSCRIPTION_VERSION)
  encodeConsumerProtocolSubscription(w, SUBSCRIPTION_VERSION, { topics: [...topics] })
  return w.toBuffer()
}

function decodeSubscription(buf: Buffer): string[] {
  const r = new Reader(buf)
  const v = r.int16()
  return decodeConsumerProtocolSubscription(r, Math.min(v, 3)).topics
}

function encodeAssignment(a: Assignment): Buffer {
  const w = new Writer(64)
  w.int16(ASSIGNMENT_VERSION)
  encodeConsumerProtocolAssignment(w, ASSIGNMENT_VERSION, {
    assignedPartitions: [...a].map(([topic, partitions]) => ({ topic, partitions })),
  })
  return w.toBuffer()
}

export function decodeAssignment(buf: Buffer): Assignment {
  const out: Assignment = new Map()
  if (buf.length === 0) return out
  const r = new Reader(buf)
  const v = r.int16()
  for (const tp of decodeConsumerProtocolAssignment(r, Math.min(v, 3)).assignedPartitions)
    out.set(
      tp.topic,
      [...tp.partitions].sort((a, b) => a - b),
    )
  return out
}

/** Kafka's RangeAssignor: per topic, sorted members get contiguous ranges, the first ones one extra. */
export function rangeAssign(
  members: ReadonlyMap<string, readonly string[]>,
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, Assignment> {
  const out = new Map<string, Assignment>([...members.keys()].map((m) => [m, new Map()]))
  for (const [topic, count] of partitionCounts) {
    const subscribed = [...members]
      .filter(([, ts]) => ts.includes(topic))
      .map(([m]) => m)
      .sort()
    if (subscribed.length === 0) continue
    const per = Math.floor(count / subscribed.length)
    const extra = count % subscribed.length
    subscribed.forEach((m, i) => {
      const start = per * i + Math.min(i, extra)
      const n = per + (i < extra ? 1 : 0)
      if (n > 0)
        out.get(m)!.set(
          topic,
          Array.from({ length: n }, (_, k) => start + k),
        )
    })
  }
  return out
}

export class GroupMember {
  readonly groupId: string
  private readonly client: Client
  private readonly topics: readonly string[]
  private readonly sessionTimeoutMs: number
  private readonly rebalanceTimeoutMs: number
  private readonly heartbeatIntervalMs: number
  private coordinator: Connection | undefined
  memberId = ''
  generationId = -1
  assignment: Assignment = new Map()
  rejoinNeeded = false
  private heartbeat: NodeJS.Timeout | undefined
  private heartbeatError: Error | undefined

  constructor(client: Client, groupId: string, topics: readonly string[], options: GroupMemberOptions = {}) {
    this.client = client
    this.groupId = groupId
    this.topics = topics
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 30_000
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000
  }

  private async conn(): Promise<Connection> {
    if (this.coordinator === undefined || this.coordinator.closed)
      this.coordinator = await this.client.coordinator(this.groupId)
    return this.coordinator
  }

  /** Joins (or re-joins) the group and returns this member's assignment. */
  async join(): Promise<Assignment> {
    this.stopHeartbeats()
    for (let attempt = 0; ; attempt++) {
      const conn = await this.conn()
      const { body: joined } = await conn.send('JoinGroup', {
        groupId: this.groupId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: encodeSubscription(this.topics) }],
        reason: null,
      })
      // KIP-394: the first join is answered with a member id to join again with.
      if (joined.errorCode === ERRORS.MEMBER_ID_REQUIRED.code && attempt < 3) {
        this.memberId = joined.memberId
        continue
      }
      if (joined.errorCode === ERRORS.UNKNOWN_MEMBER_ID.code && attempt < 3) {
        this.memberId = ''
        continue
      }
      if (joined.errorCode === ERRORS.REBALANCE_IN_PROGRESS.code && attempt < 10) continue
      check(joined.errorCode, `joining group '${this.groupId}'`)
      this.memberId = joined.memberId
      this.generationId = joined.generationId
      let assignments: Array<{ memberId: string; assignment: Buffer }> = []
      if (joined.leader === joined.memberId && !joined.skipAssignment) {
        const subs = new Map(joined.members.map((m) => [m.memberId, decodeSubscription(m.metadata)]))
        const wanted = [...new Set([...subs.values()].flat())]
        const counts = new Map<string, number>()
        for (const t of await this.client.topics(wanted))
          if (t.errorCode === 0) counts.set(t.name, t.partitions.length)
        assignments = [...rangeAssign(subs, counts)].map(([memberId, a]) => ({
          memberId,
          assignment: encodeAssignment(a),
        }))
      }
      const { body: synced } = await conn.send('SyncGroup', {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: joined.protocolName,
        assignments,
      })
      if (synced.errorCode === ERRORS.REBALANCE_IN_PROGRESS.code && attempt < 10) continue
      check(synced.errorCode, `syncing group '${this.groupId}'`)
      this.assignment = decodeAssignment(synced.assignment)
      this.rejoinNeeded = false
      this.startHeartbeats()
      return this.assignment
    }
  }

  private startHeartbeats(): void {
    this.heartbeat = setInterval(() => {
      void this.beat()
    }, this.heartbeatIntervalMs)
    this.heartbeat.unref()
  }

  private stopHeartbeats(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat)
    this.heartbeat = undefined
  }

  private async beat(): Promise<void> {
    try {
      const conn = await this.conn()
      const { body } = await conn.send('Heartbeat', {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
      })
      if (
        body.errorCode === ERRORS.REBALANCE_IN_PROGRESS.code ||
        body.errorCode === ERRORS.ILLEGAL_GENERATION.code ||
        body.errorCode === ERRORS.UNKNOWN_MEMBER_ID.code
      ) {
        if (body.errorCode === ERRORS.UNKNOWN_MEMBER_ID.code) this.memberId = ''
        this.rejoinNeeded = true
      } else if (body.errorCode !== 0)
        this.heartbeatError = new BrokerError(body.errorCode, `heartbeat in group '${this.groupId}'`)
    } catch (err) {
      this.heartbeatError = err as Error
    }
  }

  /** The last heartbeat failure other than a rebalance, if any (thrown once). */
  takeHeartbeatError(): Error | undefined {
    const e = this.heartbeatError
    this.heartbeatError = undefined
    return e
  }

  /** Committed offsets of the assigned partitions of `topic` (absent: nothing committed). */
  async committed(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return fetchCommittedOffsets(this.client, this.groupId, [
      { name: topic, partitionIndexes: [...partitions] },
    ]).then((m) => m.get(topic) ?? new Map<number, bigint>())
  }

  async commit(topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (offsets.size === 0) return
    const conn = await this.conn()
    const { body } = await conn.send('OffsetCommit', {
      groupId: this.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [
        {
          name: topic,
          partitions: [...offsets].map(([p, o]) => ({
            partitionIndex: p,
            committedOffset: o,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          })),
        },
      ],
    })
    for (const t of body.topics)
      for (const p of t.partitions) {
        if (
          p.errorCode === ERRORS.REBALANCE_IN_PROGRESS.code ||
          p.errorCode === ERRORS.ILLEGAL_GENERATION.code
        ) {
          this.rejoinNeeded = true
          continue
        }
        check(p.errorCode, `committing ${topic}-${p.partitionIndex} for group '${this.groupId}'`)
      }
  }

  async leave(): Promise<void> {
    this.stopHeartbeats()
    if (this.memberId === '') return
    const conn = await this.conn()
    await conn.send('LeaveGroup', (v) =>
      v >= 3
        ? {
            groupId: this.groupId,
            members: [
              {
                memberId: this.memberId,
                groupInstanceId: null,
                ...(v >= 5 ? { reason: 'samsa consume exiting' } : {}),
              },
            ],
          }
        : { groupId: this.groupId, memberId: this.memberId },
    )
    this.memberId = ''
  }
}

/**
 * A group's committed offsets (OffsetFetch; `topics` null = all topics). v8+ carries groups in an
 * array; earlier versions one group at top level. Returns topic → partition → offset, leaving out
 * partitions with nothing committed (offset -1).
 */
export async function fetchCommittedOffsets(
  client: Client,
  groupId: string,
  topics: Array<{ name: string; partitionIndexes: number[] }> | null,
): Promise<Map<string, Map<number, bigint>>> {
  const conn = await client.coordinator(groupId)
  const { version, body } = await conn.send('OffsetFetch', (v) =>
    v >= 8
      ? { groups: [{ groupId, topics }], requireStable: v >= 7 ? false : undefined }
      : { groupId, topics, ...(v >= 7 ? { requireStable: false } : {}) },
  )
  const out = new Map<string, Map<number, bigint>>()
  const add = (
    topic: string,
    p: { partitionIndex: number; committedOffset: bigint; errorCode: number },
  ): void => {
    check(p.errorCode, `offsets of group '${groupId}' for ${topic}-${p.partitionIndex}`)
    if (p.committedOffset < 0n) return
    let m = out.get(topic)
    if (m === undefined) out.set(topic, (m = new Map<number, bigint>()))
    m.set(p.partitionIndex, p.committedOffset)
  }
  if (version >= 8) {
    for (const g of body.groups) {
      check(g.errorCode, `offsets of group '${groupId}'`)
      for (const t of g.topics) for (const p of t.partitions) add(t.name, p)
    }
  } else {
    check(body.errorCode, `offsets of group '${groupId}'`)
    for (const t of body.topics) for (const p of t.partitions) add(t.name, p)
  }
  return out
}
