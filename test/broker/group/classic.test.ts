import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { GroupTestContext, peek, subscription } from './context.ts'

const G = 'g1'

/** Two-step join of a first member and a completed generation 1 with it as leader. */
async function stableSingle(ctx: GroupTestContext): Promise<string> {
  const { memberId, result } = await ctx.joinWithId(G)
  await ctx.sleep(0) // initial rebalance delay (0 here) fires
  const joined = await result
  expect(joined).toMatchObject({
    errorCode: 0,
    generationId: 1,
    leader: memberId,
    memberId,
    protocolName: 'range',
  })
  const sync = await ctx.sync(G, memberId, 1, [{ memberId, assignment: Buffer.from('a1') }])
  expect(sync).toMatchObject({
    errorCode: 0,
    assignment: Buffer.from('a1'),
    protocolType: 'consumer',
    protocolName: 'range',
  })
  return memberId
}

describe('classic group: join and sync', () => {
  it('v4+ joins need a member id first (MEMBER_ID_REQUIRED), then form generation 1', async () => {
    const ctx = await GroupTestContext.create()
    const first = await ctx.join(G)
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    expect(first.memberId).toMatch(/^client-/)
    const joined = ctx.join(G, { memberId: first.memberId })
    expect((await peek(joined)).done).toBe(false) // parked until the initial delay timer fires
    await ctx.sleep(0)
    const r = await joined
    expect(r.members.map((m) => m.memberId)).toEqual([first.memberId])
    expect(r.members[0]?.metadata).toEqual(subscription(['t']))
  })

  it('v0-v3 joins get a member id at once; v0 uses the session timeout as rebalance timeout', async () => {
    const ctx = await GroupTestContext.create()
    const p = ctx.join(G, { version: 0, sessionTimeoutMs: 7000, rebalanceTimeoutMs: -1 })
    await ctx.sleep(0)
    const r = await p
    expect(r.errorCode).toBe(0)
    expect(r.generationId).toBe(1)
    // A second member forces a rebalance the first does not join: it is dropped after the
    // rebalance timeout, which for v0 is its 7 s session timeout.
    await ctx.sync(G, r.memberId, 1, [])
    const p2 = ctx.join(G, { version: 3, rebalanceTimeoutMs: 60_000 })
    await ctx.sleep(6999)
    expect((await peek(p2)).done).toBe(false)
    await ctx.sleep(1)
    // The first member's session also ended at 7 s (no heartbeat), so gen 2 has the newcomer only.
    const r2 = await p2
    expect(r2).toMatchObject({ errorCode: 0, generationId: 2 })
    expect(r2.members).toHaveLength(1)
  })

  it('a second member triggers a rebalance; the leader gets all members, followers wait for its sync', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    const { memberId: m2, result: j2 } = await ctx.joinWithId(G, { clientId: 'c2' })
    expect(await ctx.heartbeat(G, m1, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    expect(await ctx.sync(G, m1, 1)).toMatchObject({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS })
    const j1 = ctx.join(G, { memberId: m1 })
    const [r1, r2] = await Promise.all([j1, j2])
    expect(r1).toMatchObject({ generationId: 2, leader: m1 })
    expect(r1.members.map((m) => m.memberId).sort()).toEqual([m1, m2].sort())
    expect(r2).toMatchObject({ generationId: 2, leader: m1, members: [] })
    expect(await ctx.heartbeat(G, m2, 2)).toBe(0) // CompletingRebalance answers heartbeats normally

    const s2 = ctx.sync(G, m2, 2)
    expect((await peek(s2)).done).toBe(false)
    const s1 = await ctx.sync(G, m1, 2, [
      { memberId: m1, assignment: Buffer.from('x') },
      { memberId: m2, assignment: Buffer.from('y') },
    ])
    expect(s1.assignment).toEqual(Buffer.from('x'))
    expect((await s2).assignment).toEqual(Buffer.from('y'))
    // A sync after Stable just returns the stored assignment.
    expect((await ctx.sync(G, m2, 2)).assignment).toEqual(Buffer.from('y'))
  })

  it('selects the protocol every member supports, by preference votes', async () => {
    const ctx = await GroupTestContext.create()
    const md = Buffer.from('m')
    const a = ctx.join(G, {
      version: 3,
      protocols: [
        { name: 'range', metadata: md },
        { name: 'roundrobin', metadata: md },
      ],
    })
    const b = ctx.join(G, {
      version: 3,
      protocols: [
        { name: 'roundrobin', metadata: md },
        { name: 'range', metadata: md },
      ],
    })
    const c = ctx.join(G, { version: 3, protocols: [{ name: 'roundrobin', metadata: md }] })
    await ctx.sleep(0)
    for (const r of await Promise.all([a, b, c])) expect(r.protocolName).toBe('roundrobin')
    // A member without any common protocol is refused.
    const d = await ctx.join(G, { version: 3, protocols: [{ name: 'sticky', metadata: md }] })
    expect(d.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    const e = await ctx.join(G, { version: 3, protocolType: 'connect' })
    expect(e.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  })

  it('validates group id, session timeout and member ids as Kafka does', async () => {
    const ctx = await GroupTestContext.create()
    expect((await ctx.join('')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID)
    expect((await ctx.join(G, { sessionTimeoutMs: 5999 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT)
    expect((await ctx.join(G, { sessionTimeoutMs: 1_800_001 })).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    )
    expect((await ctx.join('nope', { memberId: 'ghost' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(await ctx.heartbeat('nope', 'ghost', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect((await ctx.sync('nope', 'ghost', 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const m1 = await stableSingle(ctx)
    expect(await ctx.heartbeat(G, m1, 7)).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect(await ctx.heartbeat(G, 'ghost', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect((await ctx.sync(G, m1, 9)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect(await ctx.heartbeat(G, m1, 1)).toBe(ErrorCode.NONE)
  })

  it('enforces group.max.size', async () => {
    const ctx = await GroupTestContext.create({ classicGroupMaxSize: 1 })
    await stableSingle(ctx)
    // Refused before a member id is even handed out.
    expect((await ctx.join(G)).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED)
    expect((await ctx.join(G, { version: 3 })).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED)
  })

  it('group.initial.rebalance.delay.ms gathers members joining an empty group into one generation', async () => {
    const ctx = await GroupTestContext.create({ initialRebalanceDelayMs: 3000 })
    const a = ctx.join(G, { version: 3 })
    await ctx.sleep(2000)
    const b = ctx.join(G, { version: 3 })
    await ctx.sleep(2000) // the first delay ended with a newcomer: it extends by another delay
    expect((await peek(a)).done).toBe(false)
    await ctx.sleep(1999)
    expect((await peek(a)).done).toBe(false)
    await ctx.sleep(1)
    const [ra, rb] = await Promise.all([a, b])
    expect(ra.generationId).toBe(1)
    expect(rb.generationId).toBe(1)
  })
})

describe('classic group: timeouts and leaving', () => {
  it('evicts a member whose session times out and rebalances the rest', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    const { memberId: m2, result: j2 } = await ctx.joinWithId(G)
    const j1 = ctx.join(G, { memberId: m1 })
    await Promise.all([j1, j2])
    await ctx.sync(G, m1, 2, [])
    await ctx.sync(G, m2, 2)
    // m1 keeps heartbeating, m2 goes silent.
    for (let t = 0; t < 3; t++) {
      await ctx.sleep(3000)
      expect(await ctx.heartbeat(G, m1, 2)).toBe(0)
    }
    await ctx.sleep(1000) // 10 s since m2's last sign of life
    expect(await ctx.heartbeat(G, m1, 2)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    const r = await ctx.join(G, { memberId: m1 })
    expect(r).toMatchObject({ generationId: 3, leader: m1 })
    expect(r.members.map((m) => m.memberId)).toEqual([m1])
    expect(await ctx.heartbeat(G, m2, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('drops members that do not rejoin within the rebalance timeout and elects a new leader', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    const { memberId: m2, result: j2 } = await ctx.joinWithId(G, {
      rebalanceTimeoutMs: 20_000,
      sessionTimeoutMs: 60_000,
    })
    // m1 (the leader) never rejoins; its session (10 s) ends first and it is removed.
    await ctx.sleep(10_000)
    const r2 = await j2
    expect(r2).toMatchObject({ errorCode: 0, generationId: 2, leader: m2 })
    expect(await ctx.heartbeat(G, m1, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('a member that never syncs is removed after the rebalance timeout', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    const { memberId: m2, result: j2 } = await ctx.joinWithId(G)
    await Promise.all([ctx.join(G, { memberId: m1 }), j2])
    await ctx.sync(G, m1, 2, [])
    // m2 heartbeats but never syncs; after rebalance.timeout.ms (30 s) it is dropped.
    for (let i = 0; i < 10; i++) {
      await ctx.sleep(3000)
      await ctx.heartbeat(G, m2, 2)
      await ctx.heartbeat(G, m1, 2)
    }
    expect(await ctx.heartbeat(G, m2, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(await ctx.heartbeat(G, m1, 2)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
  })

  it('a member that never completes the two-step join expires as a pending member', async () => {
    const ctx = await GroupTestContext.create()
    const first = await ctx.join(G)
    await ctx.sleep(10_000)
    const again = await ctx.join(G, { memberId: first.memberId })
    expect(again.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('LeaveGroup removes members (by id or by static instance id) and rebalances', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    const { memberId: m2, result: j2 } = await ctx.joinWithId(G)
    await Promise.all([ctx.join(G, { memberId: m1 }), j2])
    await ctx.sync(G, m1, 2, [])
    const left = await ctx.coordinator.leaveGroup(G, [
      { memberId: m2, groupInstanceId: null },
      { memberId: 'ghost', groupInstanceId: null },
      { memberId: '', groupInstanceId: 'nobody' },
    ])
    expect(left.errorCode).toBe(0)
    expect(left.members.map((m) => m.errorCode)).toEqual([
      0,
      ErrorCode.UNKNOWN_MEMBER_ID,
      ErrorCode.UNKNOWN_MEMBER_ID,
    ])
    expect(await ctx.heartbeat(G, m1, 2)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    const r = await ctx.join(G, { memberId: m1 })
    expect(r.members).toHaveLength(1)
    expect(
      (await ctx.coordinator.leaveGroup('nope', [{ memberId: 'x', groupInstanceId: null }])).errorCode,
    ).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    // The last member leaving empties the group.
    await ctx.coordinator.leaveGroup(G, [{ memberId: m1, groupInstanceId: null }])
    const [d] = await ctx.coordinator.describeGroups([G])
    expect(d?.groupState).toBe('Empty')
  })
})

describe('classic group: static membership (KIP-345)', () => {
  it('a restarted static member gets its assignment back without a rebalance, and fences the old id', async () => {
    const ctx = await GroupTestContext.create()
    const j = ctx.join(G, { instanceId: 'i-1', version: 5 })
    await ctx.sleep(0)
    const r = await j
    expect(r.errorCode).toBe(0) // static members skip MEMBER_ID_REQUIRED
    expect(r.memberId).toMatch(/^i-1-/)
    await ctx.sync(G, r.memberId, 1, [{ memberId: r.memberId, assignment: Buffer.from('A') }], 'i-1')

    const again = await ctx.join(G, { instanceId: 'i-1', version: 5 })
    expect(again.errorCode).toBe(0)
    expect(again.generationId).toBe(1)
    expect(again.memberId).not.toBe(r.memberId)
    const s = await ctx.sync(G, again.memberId, 1, [], 'i-1')
    expect(s.assignment).toEqual(Buffer.from('A'))
    expect(await ctx.heartbeat(G, r.memberId, 1, 'i-1')).toBe(ErrorCode.FENCED_INSTANCE_ID)
    expect(await ctx.heartbeat(G, again.memberId, 1, 'i-1')).toBe(0)
    const [d] = await ctx.coordinator.describeGroups([G])
    expect(d?.groupState).toBe('Stable')
  })

  it('v9 tells a returning static leader it leads but may skip the assignment', async () => {
    const ctx = await GroupTestContext.create()
    const j = ctx.join(G, { instanceId: 'i-1', version: 9 })
    await ctx.sleep(0)
    const r = await j
    await ctx.sync(G, r.memberId, 1, [], 'i-1')
    const again = await ctx.join(G, { instanceId: 'i-1', version: 9 })
    expect(again).toMatchObject({ skipAssignment: true, leader: again.memberId })
    expect(again.members).toHaveLength(1)
  })
})

describe('classic group: offsets', () => {
  it('commits and fetches with generation checks', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    expect((await ctx.commit(G, m1, 1, { 't:0': 5n }))[0]?.partitions[0]?.errorCode).toBe(0)
    expect(await ctx.committed(G, 't', 0)).toBe(5n)
    expect(await ctx.committed(G, 't', 1)).toBe(-1n)
    expect((await ctx.commit(G, m1, 0, { 't:0': 6n }))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    )
    expect((await ctx.commit(G, 'ghost', 1, { 't:0': 6n }))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    )
    expect((await ctx.commit(G, '', -1, { 't:0': 6n }))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    )
    expect((await ctx.commit('nogroup', 'x', 3, { 't:0': 6n }))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    )
    expect((await ctx.commit('nogroup', 'x', 3, { 't:0': 6n }, 9))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.GROUP_ID_NOT_FOUND,
    )

    // During CompletingRebalance commits are refused; in PreparingRebalance the old generation may commit.
    const { result: j2 } = await ctx.joinWithId(G)
    expect((await ctx.commit(G, m1, 1, { 't:0': 7n }))[0]?.partitions[0]?.errorCode).toBe(0)
    await Promise.all([ctx.join(G, { memberId: m1 }), j2])
    expect((await ctx.commit(G, m1, 2, { 't:0': 8n }))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    )
    expect(await ctx.committed(G, 't', 0)).toBe(7n)
  })

  it('simple groups commit with generation -1; metadata is size-checked; fetch-all lists everything', async () => {
    const ctx = await GroupTestContext.create({ offsetMetadataMaxBytes: 3 })
    expect((await ctx.commit('simple', '', -1, { 'a:0': 1n, 'b:2': 2n }))[0]?.partitions[0]?.errorCode).toBe(
      0,
    )
    const [all] = await ctx.coordinator.fetchOffsets(
      [{ groupId: 'simple', memberId: null, memberEpoch: -1, topics: null }],
      false,
    )
    expect(
      all?.topics.map((t) => [
        t.name,
        t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata]),
      ]),
    ).toEqual([
      ['a', [[0, 1n, 3, 'm']]],
      ['b', [[2, 2n, 3, 'm']]],
    ])
    const big = await ctx.coordinator.commitOffsets(
      {
        groupId: 'simple',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [
          {
            name: 'a',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 9n,
                committedLeaderEpoch: -1,
                commitTimestamp: -1n,
                committedMetadata: 'toolong',
              },
            ],
          },
        ],
      },
      7,
    )
    expect(big[0]?.partitions[0]?.errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE)
    const [none] = await ctx.coordinator.fetchOffsets(
      [{ groupId: 'unknown', memberId: null, memberEpoch: -1, topics: null }],
      false,
    )
    expect(none?.topics).toEqual([])
  })

  it('expires offsets of empty groups after offsets.retention, then deletes the group', async () => {
    const ctx = await GroupTestContext.create({
      offsetsRetentionMs: 60_000,
      offsetsRetentionCheckIntervalMs: 10_000,
    })
    const m1 = await stableSingle(ctx)
    await ctx.commit(G, m1, 1, { 't:0': 5n })
    for (let i = 0; i < 20; i++) {
      await ctx.sleep(5000)
      expect(await ctx.heartbeat(G, m1, 1)).toBe(0)
    }
    expect(await ctx.committed(G, 't', 0)).toBe(5n) // subscribed topic of a stable group: kept
    await ctx.coordinator.leaveGroup(G, [{ memberId: m1, groupInstanceId: null }])
    await ctx.sleep(50_000)
    expect(await ctx.committed(G, 't', 0)).toBe(5n)
    await ctx.sleep(20_000)
    expect(await ctx.committed(G, 't', 0)).toBe(-1n)
    const [d] = await ctx.coordinator.describeGroups([G])
    expect(d?.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
  })

  it('OffsetDelete refuses subscribed topics of live consumer groups and deletes the rest', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    await ctx.commit(G, m1, 1, { 't:0': 5n, 'other:0': 9n })
    const r = await ctx.coordinator.deleteOffsets(G, [
      { name: 't', partitions: [0] },
      { name: 'other', partitions: [0] },
    ])
    expect(r.errorCode).toBe(0)
    expect(r.topics.map((t) => t.partitions[0]?.errorCode)).toEqual([ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 0])
    expect(await ctx.committed(G, 'other', 0)).toBe(-1n)
    expect((await ctx.coordinator.deleteOffsets('nope', [])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
  })
})

describe('classic group: persistence and admin', () => {
  it('replaying the log rebuilds groups, assignments and offsets; unheartbeated members then expire', async () => {
    const ctx = await GroupTestContext.create()
    const m1 = await stableSingle(ctx)
    await ctx.commit(G, m1, 1, { 't:0': 42n })
    await ctx.commit('simple', '', -1, { 'u:1': 7n })

    const restarted = await GroupTestContext.create({}, { clock: ctx.clock, log: ctx.log })
    expect(await restarted.committed(G, 't', 0)).toBe(42n)
    expect(await restarted.committed('simple', 'u', 1)).toBe(7n)
    const [d] = await restarted.coordinator.describeGroups([G])
    expect(d).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' })
    expect(d?.members[0]?.memberAssignment).toEqual(Buffer.from('a1'))
    expect(await restarted.heartbeat(G, m1, 1)).toBe(0)
    await restarted.sleep(10_001)
    expect(await restarted.heartbeat(G, m1, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('ListGroups filters by state and type; DeleteGroups refuses live groups', async () => {
    const ctx = await GroupTestContext.create()
    await stableSingle(ctx)
    await ctx.commit('simple', '', -1, { 'u:0': 1n })
    expect((await ctx.coordinator.listGroups([], [])).map((g) => g.groupId).sort()).toEqual([G, 'simple'])
    expect((await ctx.coordinator.listGroups(['stable'], [])).map((g) => g.groupId)).toEqual([G])
    expect((await ctx.coordinator.listGroups([], ['Consumer'])).map((g) => g.groupId)).toEqual([])
    expect((await ctx.coordinator.listGroups([], ['classic'])).length).toBe(2)
    const del = await ctx.coordinator.deleteGroups([G, 'simple', 'missing', ''])
    expect(del.map((d) => d.errorCode)).toEqual([
      ErrorCode.NON_EMPTY_GROUP,
      0,
      ErrorCode.GROUP_ID_NOT_FOUND,
      ErrorCode.INVALID_GROUP_ID,
    ])
    expect(await ctx.committed('simple', 'u', 0)).toBe(-1n)
    const restarted = await GroupTestContext.create({}, { clock: ctx.clock, log: ctx.log })
    expect((await restarted.coordinator.listGroups([], [])).map((g) => g.groupId)).toEqual([G])
  })

  it('a failed append answers COORDINATOR_NOT_AVAILABLE', async () => {
    const ctx = await GroupTestContext.create()
    ctx.log.failAppends = new Error('disk full')
    await expect(ctx.commit('simple', '', -1, { 'u:0': 1n })).rejects.toMatchObject({
      code: ErrorCode.COORDINATOR_NOT_AVAILABLE,
    })
  })
})
