// Test harness for the group coordinator (after Kafka's GroupMetadataManagerTestContext): a
// ManualClock drives every timer, `sleep(ms)` advances it and lets released responses settle, and
// the MemoryGroupLog keeps every record so a second coordinator can replay it. No real sleeps.

import { ManualClock } from '../../../src/broker/clock.ts'
import type { JoinResult, SyncResult } from '../../../src/broker/group/classic-group.ts'
import type { GroupCoordinatorConfig } from '../../../src/broker/group/config.ts'
import type { HeartbeatRequest, HeartbeatResult } from '../../../src/broker/group/consumer-coordinator.ts'
import {
  GroupCoordinator,
  type TopicInfo,
  type TopicResolver,
} from '../../../src/broker/group/coordinator.ts'
import { MemoryGroupLog } from '../../../src/broker/group/group-log.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'

/** Lets promise continuations run (no time passes on any clock). */
export async function tick(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}

/** A promise's outcome so far, without waiting for it. */
export async function peek<T>(p: Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  let out: { done: true; value: T } | { done: false } = { done: false }
  void p.then((value) => (out = { done: true, value }))
  await tick()
  return out
}

export const subscription = (topics: string[]): Buffer => {
  // ConsumerProtocolSubscription v0: int16 version, [string] topics, nullable bytes userData
  const parts: Buffer[] = [Buffer.from([0, 0])]
  const n = Buffer.alloc(4)
  n.writeInt32BE(topics.length)
  parts.push(n)
  for (const t of topics) {
    const l = Buffer.alloc(2)
    l.writeInt16BE(Buffer.byteLength(t))
    parts.push(l, Buffer.from(t))
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]))
  return Buffer.concat(parts)
}

export interface JoinOptions {
  memberId?: string
  instanceId?: string | null
  protocols?: Array<{ name: string; metadata: Buffer }>
  protocolType?: string
  sessionTimeoutMs?: number
  rebalanceTimeoutMs?: number
  version?: number
  clientId?: string
}

export class StaticTopics implements TopicResolver {
  readonly topics = new Map<string, TopicInfo>()
  add(
    name: string,
    partitions: number,
    topicId = Buffer.from(name.padEnd(16, '_').slice(0, 16)).toString('base64url'),
  ): TopicInfo {
    const t = { name, topicId, partitions }
    this.topics.set(name, t)
    return t
  }
  byName(name: string): TopicInfo | undefined {
    return this.topics.get(name)
  }
  byId(id: string): TopicInfo | undefined {
    for (const t of this.topics.values()) if (t.topicId === id) return t
    return undefined
  }
  all(): Iterable<TopicInfo> {
    return this.topics.values()
  }
}

export class GroupTestContext {
  readonly clock: ManualClock
  readonly log: MemoryGroupLog
  readonly coordinator: GroupCoordinator
  readonly errors: unknown[] = []

  private constructor(
    clock: ManualClock,
    log: MemoryGroupLog,
    config: Partial<GroupCoordinatorConfig>,
    topics?: TopicResolver,
  ) {
    this.clock = clock
    this.log = log
    const options = { clock, log, config, onError: (e: unknown) => this.errors.push(e) }
    this.coordinator = new GroupCoordinator(topics === undefined ? options : { ...options, topics })
  }

  static async create(
    config: Partial<GroupCoordinatorConfig> = {},
    from?: { clock: ManualClock; log: MemoryGroupLog },
    topics?: TopicResolver,
  ): Promise<GroupTestContext> {
    const ctx = new GroupTestContext(
      from?.clock ?? new ManualClock(),
      from?.log ?? new MemoryGroupLog(),
      config,
      topics,
    )
    await ctx.coordinator.load()
    return ctx
  }

  /** Advances the clock by `ms`, firing due timers, then lets responses settle. */
  async sleep(ms: number): Promise<void> {
    this.clock.advance(ms)
    await tick()
  }

  /**
   * A ConsumerGroupHeartbeat (v1 by default) with a first heartbeat's defaults when the epoch is 0
   * (subscribed to 't', rebalance timeout 30 s, owning nothing), "unchanged" fields otherwise.
   */
  consumerHeartbeat(
    groupId: string,
    r: Partial<HeartbeatRequest> & { memberId: string; memberEpoch: number },
    version = 1,
  ): Promise<HeartbeatResult> {
    return this.coordinator.consumerGroupHeartbeat(
      {
        groupId,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: r.memberEpoch === 0 ? 30_000 : -1,
        subscribedTopicNames: r.memberEpoch === 0 ? ['t'] : null,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: r.memberEpoch === 0 ? [] : null,
        ...r,
      },
      { apiVersion: version, clientId: 'c', clientHost: '/127.0.0.1' },
    )
  }

  join(groupId: string, o: JoinOptions = {}): Promise<JoinResult> {
    return this.coordinator.joinGroup(
      {
        groupId,
        memberId: o.memberId ?? '',
        groupInstanceId: o.instanceId ?? null,
        protocolType: o.protocolType ?? 'consumer',
        protocols: o.protocols ?? [{ name: 'range', metadata: subscription(['t']) }],
        sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 30_000,
      },
      { apiVersion: o.version ?? 5, clientId: o.clientId ?? 'client', clientHost: '/127.0.0.1' },
    )
  }

  /** The v4+ two-step join: MEMBER_ID_REQUIRED, then the real join (still parked). */
  async joinWithId(
    groupId: string,
    o: JoinOptions = {},
  ): Promise<{ memberId: string; result: Promise<JoinResult> }> {
    const first = await this.join(groupId, o)
    if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED)
      throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`)
    return { memberId: first.memberId, result: this.join(groupId, { ...o, memberId: first.memberId }) }
  }

  sync(
    groupId: string,
    memberId: string,
    generationId: number,
    assignments: Array<{ memberId: string; assignment: Buffer }> = [],
    instanceId: string | null = null,
  ): Promise<SyncResult> {
    return this.coordinator.syncGroup({
      groupId,
      memberId,
      generationId,
      groupInstanceId: instanceId,
      protocolType: null,
      protocolName: null,
      assignments,
    })
  }

  heartbeat(
    groupId: string,
    memberId: string,
    generationId: number,
    instanceId: string | null = null,
  ): Promise<number> {
    return this.coordinator.heartbeat({ groupId, memberId, generationId, groupInstanceId: instanceId })
  }

  commit(
    groupId: string,
    memberId: string,
    generation: number,
    offsets: Record<string, bigint>,
    version = 7,
  ): Promise<Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>> {
    const byTopic = new Map<
      string,
      Array<{
        partitionIndex: number
        committedOffset: bigint
        committedLeaderEpoch: number
        commitTimestamp: bigint
        committedMetadata: string | null
      }>
    >()
    for (const [tp, offset] of Object.entries(offsets)) {
      const [topic, p] = tp.split(':') as [string, string]
      const list = byTopic.get(topic) ?? []
      list.push({
        partitionIndex: Number(p),
        committedOffset: offset,
        committedLeaderEpoch: 3,
        commitTimestamp: -1n,
        committedMetadata: 'm',
      })
      byTopic.set(topic, list)
    }
    return this.coordinator.commitOffsets(
      {
        groupId,
        generationIdOrMemberEpoch: generation,
        memberId,
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      },
      version,
    )
  }

  async committed(groupId: string, topic: string, partition: number): Promise<bigint> {
    const [g] = await this.coordinator.fetchOffsets(
      [
        {
          groupId,
          memberId: null,
          memberEpoch: -1,
          topics: [{ name: topic, partitionIndexes: [partition] }],
        },
      ],
      false,
    )
    return g?.topics[0]?.partitions[0]?.committedOffset ?? -2n
  }
}
