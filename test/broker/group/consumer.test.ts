import { describe, expect, it } from 'vitest'
import { rangeAssignor, uniformAssignor } from '../../../src/broker/group/assignors.ts'
import type { HeartbeatRequest, HeartbeatResult } from '../../../src/broker/group/consumer-coordinator.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { GroupTestContext, StaticTopics } from './context.ts'

const G = 'cg'

async function setup(config = {}): Promise<{ ctx: GroupTestContext; topics: StaticTopics; tId: string }> {
  const topics = new StaticTopics()
  const t = topics.add('t', 6)
  topics.add('other', 2)
  topics.add('__consumer_offsets', 1)
  const ctx = await GroupTestContext.create(config, undefined, topics)
  return { ctx, topics, tId: t.topicId }
}

function hb(
  ctx: GroupTestContext,
  r: Partial<HeartbeatRequest> & { memberId: string; memberEpoch: number },
  version = 1,
): Promise<HeartbeatResult> {
  return ctx.consumerHeartbeat(G, r, version)
}

const parts = (r: HeartbeatResult): number[] =>
  (r.assignment ?? []).flatMap((t) => t.partitions).sort((a, b) => a - b)

describe('KIP-848 consumer groups', () => {
  it('assigns everything to a first member, then rebalances with revoke-before-assign', async () => {
    const { ctx, tId } = await setup()
    const a1 = await hb(ctx, { memberId: 'A', memberEpoch: 0 })
    expect(a1).toMatchObject({ errorCode: 0, memberId: 'A', memberEpoch: 1, heartbeatIntervalMs: 5000 })
    expect(parts(a1)).toEqual([0, 1, 2, 3, 4, 5])

    const b1 = await hb(ctx, { memberId: 'B', memberEpoch: 0 })
    expect(b1.memberEpoch).toBe(2)
    expect(parts(b1)).toEqual([]) // its target partitions still belong to A

    const a2 = await hb(ctx, { memberId: 'A', memberEpoch: 1 })
    expect(a2.memberEpoch).toBe(1) // revoking first, same epoch
    const kept = parts(a2)
    expect(kept).toHaveLength(3)

    // A has not confirmed yet: B still gets nothing.
    expect(parts(await hb(ctx, { memberId: 'B', memberEpoch: 2, topicPartitions: [] }))).toEqual([])

    const a3 = await hb(ctx, {
      memberId: 'A',
      memberEpoch: 1,
      topicPartitions: [{ topicId: tId, partitions: kept }],
    })
    expect(a3.memberEpoch).toBe(2)
    const b2 = await hb(ctx, { memberId: 'B', memberEpoch: 2, topicPartitions: [] })
    expect(parts(b2)).toHaveLength(3)
    expect([...kept, ...parts(b2)].sort()).toEqual([0, 1, 2, 3, 4, 5])

    const [d] = await ctx.coordinator.consumerGroupDescribe([G])
    expect(d?.group?.state).toBe('Stable')
    expect(d?.group?.groupEpoch).toBe(2)
  })

  it('evicts a member after the session timeout; a leave (-1) rebalances at once', async () => {
    const { ctx } = await setup()
    await hb(ctx, { memberId: 'A', memberEpoch: 0 })
    await hb(ctx, { memberId: 'B', memberEpoch: 0 })
    for (let i = 0; i < 9; i++) {
      await ctx.sleep(5000)
      await hb(ctx, {
        memberId: 'A',
        memberEpoch:
          (await ctx.coordinator.consumerGroupDescribe([G]))[0]?.group?.members.get('A')?.memberEpoch ?? 0,
      })
    }
    const g = (await ctx.coordinator.consumerGroupDescribe([G]))[0]?.group
    expect([...(g?.members.keys() ?? [])]).toEqual(['A'])
    expect((await hb(ctx, { memberId: 'B', memberEpoch: 2 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const left = await hb(ctx, { memberId: 'A', memberEpoch: -1 })
    expect(left).toMatchObject({ errorCode: 0, memberEpoch: -1 })
    expect((await ctx.coordinator.listGroups([], ['consumer']))[0]).toMatchObject({
      groupId: G,
      groupState: 'Empty',
      groupType: 'consumer',
    })
  })

  it('fences a member that does not revoke within its rebalance timeout', async () => {
    const { ctx } = await setup()
    await hb(ctx, { memberId: 'A', memberEpoch: 0, rebalanceTimeoutMs: 10_000 })
    await hb(ctx, { memberId: 'B', memberEpoch: 0 })
    await hb(ctx, { memberId: 'A', memberEpoch: 1 }) // told to revoke
    await ctx.sleep(5000)
    expect((await hb(ctx, { memberId: 'B', memberEpoch: 2 })).errorCode).toBe(0)
    await ctx.sleep(5000)
    expect((await hb(ctx, { memberId: 'A', memberEpoch: 1 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const b = await hb(ctx, { memberId: 'B', memberEpoch: 2, topicPartitions: [] })
    expect(b.memberEpoch).toBe(3)
    expect(parts(b)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('rejects bad requests and stale or future epochs with Kafka’s errors', async () => {
    const { ctx } = await setup()
    expect((await hb(ctx, { memberId: '', memberEpoch: 0 })).errorCode).toBe(ErrorCode.INVALID_REQUEST)
    expect((await hb(ctx, { memberId: 'A', memberEpoch: 0, rebalanceTimeoutMs: -1 })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    )
    expect((await hb(ctx, { memberId: 'A', memberEpoch: 0, subscribedTopicNames: null })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    )
    expect((await hb(ctx, { memberId: 'A', memberEpoch: 0, serverAssignor: 'sticky' })).errorCode).toBe(
      ErrorCode.UNSUPPORTED_ASSIGNOR,
    )
    expect(
      (
        await hb(ctx, {
          memberId: 'A',
          memberEpoch: 0,
          subscribedTopicNames: null,
          subscribedTopicRegex: '(',
        })
      ).errorCode,
    ).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
    // RE2 has no lookaround (JavaScript's RegExp would accept this one).
    const lookahead = await hb(ctx, {
      memberId: 'A',
      memberEpoch: 0,
      subscribedTopicNames: null,
      subscribedTopicRegex: 't(?!2)',
    })
    expect(lookahead.errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
    expect(lookahead.errorMessage).toMatch(/lookaround/)
    expect((await hb(ctx, { memberId: 'A', memberEpoch: 5 })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    await hb(ctx, { memberId: 'A', memberEpoch: 0 })
    expect((await hb(ctx, { memberId: 'A', memberEpoch: 7 })).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH)
    expect((await hb(ctx, { memberId: 'Z', memberEpoch: 1 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    // v0: the broker may choose the member id.
    const v0 = await hb(ctx, { memberId: '', memberEpoch: 0 }, 0)
    expect(v0.errorCode).toBe(0)
    expect(v0.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('subscribes by regex (never to internal topics) and follows new topics', async () => {
    const { ctx, topics } = await setup()
    const r = await hb(ctx, {
      memberId: 'A',
      memberEpoch: 0,
      subscribedTopicNames: null,
      subscribedTopicRegex: '.*',
    })
    expect(r.assignment?.map((t) => topics.byId(t.topicId)?.name).sort()).toEqual(['other', 't'])
    topics.add('t2', 1)
    const r2 = await hb(ctx, { memberId: 'A', memberEpoch: r.memberEpoch })
    expect(r2.memberEpoch).toBe(r.memberEpoch + 1)
    expect(r2.assignment?.map((t) => topics.byId(t.topicId)?.name).sort()).toEqual(['other', 't', 't2'])
  })

  it('reads the regex as RE2 (flag groups, \\Q…\\E), as Kafka does', async () => {
    const { ctx, topics } = await setup()
    const r = await hb(ctx, {
      memberId: 'A',
      memberEpoch: 0,
      subscribedTopicNames: null,
      subscribedTopicRegex: '(?i)OTHER|\\Qt\\E',
    })
    expect(r.errorCode).toBe(0)
    expect(r.assignment?.map((t) => topics.byId(t.topicId)?.name).sort()).toEqual(['other', 't'])
  })

  it('with migration disabled, a consumer member cannot join a live classic group', async () => {
    const { ctx } = await setup({ consumerMigrationPolicy: 'disabled' })
    await hb(ctx, { memberId: 'A', memberEpoch: 0 })
    // Classic members may join a live consumer group under any policy (as in Kafka)…
    expect((await ctx.join(G, { version: 5 })).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    // …but A speaks the consumer protocol: classic requests about it are refused.
    expect(await ctx.heartbeat(G, 'A', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect((await ctx.sync(G, 'A', 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const left = await ctx.coordinator.leaveGroup(G, [{ memberId: 'A', groupInstanceId: null }])
    expect(left).toEqual({
      errorCode: 0,
      members: [{ memberId: 'A', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }],
    })
    const j = ctx.join('classic', { version: 3 })
    await ctx.sleep(0)
    await j
    const r = await ctx.coordinator.consumerGroupHeartbeat(
      {
        groupId: 'classic',
        memberId: 'X',
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 1000,
        subscribedTopicNames: ['t'],
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: [],
      },
      { apiVersion: 1, clientId: 'c', clientHost: 'h' },
    )
    expect(r.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    const [d] = await ctx.coordinator.consumerGroupDescribe(['classic'])
    expect(d?.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
  })

  it('checks member epochs on OffsetCommit v9+ and OffsetFetch v9+', async () => {
    const { ctx } = await setup()
    const a = await hb(ctx, { memberId: 'A', memberEpoch: 0 })
    expect((await ctx.commit(G, 'A', a.memberEpoch, { 't:0': 3n }, 9))[0]?.partitions[0]?.errorCode).toBe(0)
    expect((await ctx.commit(G, 'A', a.memberEpoch - 1, { 't:0': 3n }, 9))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.STALE_MEMBER_EPOCH,
    )
    expect((await ctx.commit(G, 'A', a.memberEpoch, { 't:0': 3n }, 8))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.UNSUPPORTED_VERSION,
    )
    expect((await ctx.commit(G, 'nobody', 1, { 't:0': 3n }, 9))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    )
    const [f] = await ctx.coordinator.fetchOffsets(
      [{ groupId: G, memberId: 'A', memberEpoch: 0, topics: null }],
      false,
    )
    expect(f?.errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH)
    expect(await ctx.committed(G, 't', 0)).toBe(3n)
  })

  it('a static member that leaves with -2 gets its partitions back without a rebalance', async () => {
    const { ctx } = await setup()
    const a = await hb(ctx, { memberId: 'A', memberEpoch: 0, instanceId: 'i1' })
    expect((await hb(ctx, { memberId: 'A2', memberEpoch: 0, instanceId: 'i1' })).errorCode).toBe(
      ErrorCode.UNRELEASED_INSTANCE_ID,
    )
    await hb(ctx, { memberId: 'A', memberEpoch: -2, instanceId: 'i1' })
    const back = await hb(ctx, { memberId: 'A2', memberEpoch: 0, instanceId: 'i1' })
    expect(back.errorCode).toBe(0)
    expect(back.memberEpoch).toBe(a.memberEpoch)
    expect(parts(back)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('replays the group from its records', async () => {
    const { ctx, topics, tId } = await setup()
    await hb(ctx, { memberId: 'A', memberEpoch: 0 })
    await hb(ctx, { memberId: 'B', memberEpoch: 0 })
    const a = await hb(ctx, { memberId: 'A', memberEpoch: 1 })
    await hb(ctx, {
      memberId: 'A',
      memberEpoch: 1,
      topicPartitions: [{ topicId: tId, partitions: parts(a) }],
    })
    const restarted = await GroupTestContext.create({}, { clock: ctx.clock, log: ctx.log }, topics)
    const before = (await ctx.coordinator.consumerGroupDescribe([G]))[0]?.group
    const after = (await restarted.coordinator.consumerGroupDescribe([G]))[0]?.group
    expect(after?.groupEpoch).toBe(before?.groupEpoch)
    expect(after?.assignmentEpoch).toBe(before?.assignmentEpoch)
    expect(
      [...(after?.members.values() ?? [])].map((m) => [m.memberId, m.memberEpoch, m.state, [...m.assigned]]),
    ).toEqual(
      [...(before?.members.values() ?? [])].map((m) => [m.memberId, m.memberEpoch, m.state, [...m.assigned]]),
    )
    // And it keeps working: B heartbeats on.
    expect((await hb(restarted, { memberId: 'B', memberEpoch: 2, topicPartitions: [] })).errorCode).toBe(0)
  })
})

describe('server-side assignors', () => {
  const topics = new Map([
    ['T1', { topicId: 'T1', name: 'a', partitions: 5 }],
    ['T2', { topicId: 'T2', name: 'b', partitions: 3 }],
  ])
  const member = (memberId: string, ts: string[], current = new Map<string, number[]>()) => ({
    memberId,
    topics: new Set(ts),
    current,
  })

  it('uniform spreads evenly and keeps partitions where it can', () => {
    const r = uniformAssignor(
      [member('m1', ['T1', 'T2']), member('m2', ['T1', 'T2']), member('m3', ['T1', 'T2'])],
      topics,
    )
    const counts = [...r.values()].map((tp) => [...tp.values()].flat().length).sort()
    expect(counts).toEqual([2, 3, 3])
    const prev = r.get('m1') ?? new Map()
    const r2 = uniformAssignor([member('m1', ['T1', 'T2'], prev), member('m2', ['T1', 'T2'])], topics)
    for (const [t, ps] of prev) for (const p of ps) expect(r2.get('m1')?.get(t)).toContain(p)
    expect([...r2.values()].map((tp) => [...tp.values()].flat().length).sort()).toEqual([4, 4])
  })

  it('uniform respects heterogeneous subscriptions', () => {
    const r = uniformAssignor([member('m1', ['T1']), member('m2', ['T1', 'T2'])], topics)
    expect(r.get('m1')?.get('T2')).toBeUndefined()
    expect([...(r.get('m2')?.get('T2') ?? [])]).toEqual([0, 1, 2])
    const total = [...r.values()].map((tp) => [...tp.values()].flat().length)
    expect(Math.abs((total[0] ?? 0) - (total[1] ?? 0))).toBeLessThanOrEqual(1)
  })

  it('range gives contiguous ranges per topic in member order', () => {
    const r = rangeAssignor([member('m2', ['T1']), member('m1', ['T1'])], topics)
    expect(r.get('m1')?.get('T1')).toEqual([0, 1, 2])
    expect(r.get('m2')?.get('T1')).toEqual([3, 4])
  })
})
