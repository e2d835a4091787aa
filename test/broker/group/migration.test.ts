// KIP-848 online migration (group.consumer.migration.policy): a consumer-protocol member joining a
// live classic group converts it (upgrade), classic members keep working through JoinGroup /
// SyncGroup / Heartbeat / OffsetCommit on the consumer group's epochs, and the group goes back to
// classic when its last consumer-protocol member leaves (downgrade). ManualClock only.

import { describe, expect, it } from 'vitest'
import type { GroupCoordinatorConfig } from '../../../src/broker/group/config.ts'
import type { HeartbeatRequest, HeartbeatResult } from '../../../src/broker/group/consumer-coordinator.ts'
import { decodeAssignment, encodeAssignment } from '../../../src/broker/group/consumer-protocol.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { GroupTestContext, StaticTopics, subscription } from './context.ts'

const G = 'mig'

async function setup(
  config: Partial<GroupCoordinatorConfig> = {},
): Promise<{ ctx: GroupTestContext; topics: StaticTopics; tId: string }> {
  const topics = new StaticTopics()
  const t = topics.add('t', 6)
  const ctx = await GroupTestContext.create(config, undefined, topics)
  return { ctx, topics, tId: t.topicId }
}

function hb(
  ctx: GroupTestContext,
  r: Partial<HeartbeatRequest> & { memberId: string; memberEpoch: number },
): Promise<HeartbeatResult> {
  return ctx.consumerHeartbeat(G, r)
}

const parts = (r: HeartbeatResult): number[] =>
  (r.assignment ?? []).flatMap((t) => t.partitions).sort((a, b) => a - b)

const assigned = (buf: Buffer): number[] =>
  (decodeAssignment(buf) ?? []).flatMap((t) => t.partitions).sort((a, b) => a - b)

/** `n` classic members (JoinGroup v5, "range"), the leader giving each a slice of t's 6 partitions. */
async function classicGroup(
  ctx: GroupTestContext,
  n: number,
  protocolType = 'consumer',
): Promise<{ members: string[]; generation: number }> {
  const pending = []
  for (let i = 0; i < n; i++) pending.push(await ctx.joinWithId(G, { clientId: `k${i}`, protocolType }))
  await ctx.sleep(0)
  const joined = await Promise.all(pending.map((p) => p.result))
  const members = joined.map((j) => j.memberId)
  const generation = joined[0]?.generationId ?? -1
  const leader = joined[0]?.leader ?? ''
  const per = Math.ceil(6 / n)
  const assignments = members.map((memberId, i) => ({
    memberId,
    assignment: encodeAssignment(
      [{ topic: 't', partitions: [0, 1, 2, 3, 4, 5].slice(i * per, (i + 1) * per) }],
      0,
    ),
  }))
  const syncs = members.map((m) => ctx.sync(G, m, generation, m === leader ? assignments : []))
  for (const s of await Promise.all(syncs)) expect(s.errorCode).toBe(ErrorCode.NONE)
  return { members, generation }
}

/** A classic member's rejoin and sync inside a consumer group: its generation and partitions. */
async function rejoin(
  ctx: GroupTestContext,
  memberId: string,
): Promise<{ generation: number; partitions: number[] }> {
  const j = await ctx.join(G, { memberId })
  expect(j).toMatchObject({
    errorCode: 0,
    memberId,
    protocolType: 'consumer',
    protocolName: 'range',
    leader: '',
  })
  expect(j.members).toEqual([])
  const s = await ctx.sync(G, memberId, j.generationId)
  expect(s.errorCode).toBe(ErrorCode.NONE)
  return { generation: j.generationId, partitions: assigned(s.assignment) }
}

async function groupType(ctx: GroupTestContext): Promise<string | undefined> {
  const listed = await ctx.coordinator.listGroups([], [])
  return listed.find((g) => g.groupId === G)?.groupType
}

describe('KIP-848 online upgrade (classic → consumer)', () => {
  it('converts a live classic group; classic members keep their partitions and rejoin on REBALANCE_IN_PROGRESS', async () => {
    const { ctx, tId } = await setup()
    const { members, generation } = await classicGroup(ctx, 2)
    const [a, b] = members as [string, string]
    expect(generation).toBe(1)
    expect((await ctx.commit(G, a, 1, { 't:0': 10n }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NONE)

    const c1 = await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    expect(c1).toMatchObject({ errorCode: 0, memberId: 'C', memberEpoch: 2 })
    expect(parts(c1)).toEqual([]) // its target partitions are still the classic members'
    expect(await groupType(ctx)).toBe('consumer')
    const [d] = await ctx.coordinator.consumerGroupDescribe([G])
    expect(d?.group?.members.size).toBe(3)

    // The conversion is in the log: the classic group's tombstone, then the consumer group with
    // its classic members' JoinGroup protocols.
    const tomb = ctx.log.records.findIndex((r) => r.type === 'group-metadata' && r.value === null)
    expect(tomb).toBeGreaterThan(-1)
    const classicMeta = ctx.log.records.filter(
      (r) => r.type === 'consumer-member' && r.value?.classicMemberMetadata != null,
    )
    expect(classicMeta.length).toBeGreaterThanOrEqual(2)

    // Classic members still commit at their generation (= member epoch 1) until they rejoin.
    expect((await ctx.commit(G, a, 1, { 't:1': 11n }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NONE)
    expect((await ctx.commit(G, a, 7, { 't:1': 11n }))[0]?.partitions[0]?.errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    )
    expect(await ctx.heartbeat(G, a, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    expect(await ctx.heartbeat(G, a, 5)).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect((await ctx.sync(G, a, 1)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)

    const ra = await rejoin(ctx, a)
    const rb = await rejoin(ctx, b)
    expect(ra.generation).toBe(2)
    expect(rb.generation).toBe(2)
    expect(ra.partitions).toHaveLength(2)
    expect(rb.partitions).toHaveLength(2)
    expect(await ctx.heartbeat(G, a, 2)).toBe(ErrorCode.NONE)

    const c2 = await hb(ctx, { memberId: 'C', memberEpoch: 2, topicPartitions: [] })
    expect(parts(c2)).toHaveLength(2)
    expect([...ra.partitions, ...rb.partitions, ...parts(c2)].sort()).toEqual([0, 1, 2, 3, 4, 5])
    const [stable] = await ctx.coordinator.consumerGroupDescribe([G])
    expect(stable?.group?.state).toBe('Stable')
    expect(await ctx.committed(G, 't', 0)).toBe(10n)

    // Classic members in a consumer group: DescribeGroups still shows them; OffsetCommit v7 works.
    expect((await ctx.commit(G, a, 2, { 't:0': 12n }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NONE)
    expect(tId).toBeDefined()
  })

  it('a classic member that leaves with LeaveGroup goes; one that stops heartbeating is fenced', async () => {
    const { ctx } = await setup()
    const { members } = await classicGroup(ctx, 2)
    const [a, b] = members as [string, string]
    await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    const left = await ctx.coordinator.leaveGroup(G, [
      { memberId: a, groupInstanceId: null },
      { memberId: 'C', groupInstanceId: null }, // a consumer-protocol member cannot leave this way
    ])
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID])
    let [d] = await ctx.coordinator.consumerGroupDescribe([G])
    expect([...(d?.group?.members.keys() ?? [])].sort()).toEqual(['C', b].sort())

    // b's session timeout is its classic one (10 s); C keeps heartbeating.
    const epochOfC = async (): Promise<number> =>
      (await ctx.coordinator.consumerGroupDescribe([G]))[0]?.group?.members.get('C')?.memberEpoch ?? 0
    for (let i = 0; i < 3; i++) {
      await ctx.sleep(4_000)
      expect((await hb(ctx, { memberId: 'C', memberEpoch: await epochOfC() })).errorCode).toBe(ErrorCode.NONE)
    }
    ;[d] = await ctx.coordinator.consumerGroupDescribe([G])
    expect([...(d?.group?.members.keys() ?? [])]).toEqual(['C'])
    expect(await groupType(ctx)).toBe('consumer')
  })

  it('survives a restart: the converted group and its classic members replay from the log', async () => {
    const { ctx, topics } = await setup()
    const { members } = await classicGroup(ctx, 2)
    const [a] = members as [string, string]
    await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    await rejoin(ctx, a)

    const again = await GroupTestContext.create({}, { clock: ctx.clock, log: ctx.log }, topics)
    const [d] = await again.coordinator.consumerGroupDescribe([G])
    expect(d?.group?.members.size).toBe(3)
    const ma = d?.group?.members.get(a)
    expect(ma?.classic?.sessionTimeoutMs).toBe(10_000)
    expect(ma?.classic?.supportedProtocols.map((p) => p.name)).toEqual(['range'])
    expect(ma?.memberEpoch).toBe(2)
    expect(await again.heartbeat(G, a, 2)).toBe(ErrorCode.NONE)
    const s = await again.sync(G, a, 2)
    expect(s.errorCode).toBe(ErrorCode.NONE)
  })

  it('refuses a group that does not use the consumer embedded protocol, or whose subscriptions do not decode', async () => {
    const { ctx } = await setup()
    await classicGroup(ctx, 1, 'connect')
    expect((await hb(ctx, { memberId: 'C', memberEpoch: 0 })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)

    const other = await setup()
    const first = await other.ctx.joinWithId(G, {
      protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 9]) }],
    })
    await other.ctx.sleep(0)
    await first.result
    const r = await hb(other.ctx, { memberId: 'C', memberEpoch: 0 })
    expect(r).toMatchObject({
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: `Group ${G} is not a consumer group.`,
    })
    expect(await groupType(other.ctx)).toBe('classic')
  })
})

describe('KIP-848 online downgrade (consumer → classic)', () => {
  it('the last consumer-protocol member leaving converts the group back; the classic members rebalance', async () => {
    const { ctx, topics } = await setup()
    const { members } = await classicGroup(ctx, 2)
    const [a, b] = members as [string, string]
    await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    await rejoin(ctx, a)
    await rejoin(ctx, b)
    const c = await hb(ctx, { memberId: 'C', memberEpoch: 2, topicPartitions: [] })

    const left = await hb(ctx, { memberId: 'C', memberEpoch: -1 })
    expect(left.errorCode).toBe(ErrorCode.NONE)
    expect(await groupType(ctx)).toBe('classic')
    const [desc] = await ctx.coordinator.describeGroups([G])
    expect(desc).toMatchObject({ groupState: 'PreparingRebalance', protocolType: 'consumer' })
    expect(desc?.members.map((m) => m.memberId).sort()).toEqual([a, b].sort())

    // One GroupMetadata record with both members, generation = group epoch, their target
    // assignments (everything but what the leaving member had).
    const last = ctx.log.records.filter((r) => r.type === 'group-metadata').at(-1)
    expect(last?.type === 'group-metadata' && last.value?.generation).toBe(2)
    const stored = last?.type === 'group-metadata' ? (last.value?.members ?? []) : []
    expect(parts(c)).toHaveLength(2)
    expect(stored.flatMap((m) => assigned(m.assignment)).sort()).toEqual(
      [0, 1, 2, 3, 4, 5].filter((p) => !parts(c).includes(p)),
    )

    // The classic members are told to rejoin, and a normal classic rebalance follows.
    expect(await ctx.heartbeat(G, a, 2)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    const ja = ctx.join(G, { memberId: a })
    const jb = ctx.join(G, { memberId: b })
    const [ra, rb] = await Promise.all([ja, jb])
    expect(ra?.generationId).toBe(3)
    expect(rb?.generationId).toBe(3)
    expect(ra?.leader).toBe(rb?.leader)
    expect([a, b]).toContain(ra?.leader)

    const again = await GroupTestContext.create({}, { clock: ctx.clock, log: ctx.log }, topics)
    const [d2] = await again.coordinator.describeGroups([G])
    expect(d2?.protocolType).toBe('consumer')
    expect(await groupType(again)).toBe('classic')
  })

  it('the last consumer-protocol member being fenced (session timeout) converts the group back too', async () => {
    const { ctx } = await setup()
    const { members } = await classicGroup(ctx, 1)
    const [a] = members as [string]
    await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    const { generation } = await rejoin(ctx, a)
    // a heartbeats every 4 s; C never again (session 45 s).
    for (let t = 0; t < 44_000; t += 4_000) {
      await ctx.sleep(4_000)
      expect(await ctx.heartbeat(G, a, generation)).toBe(ErrorCode.NONE)
    }
    expect(await groupType(ctx)).toBe('consumer')
    await ctx.sleep(4_000)
    expect(await groupType(ctx)).toBe('classic')
    expect(await ctx.heartbeat(G, a, generation)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
  })

  it('a classic member joining a live consumer group is refused when its protocols do not match', async () => {
    const { ctx } = await setup()
    await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    const bad = await ctx.join(G, { protocolType: 'connect', version: 3 })
    expect(bad.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    const first = await ctx.join(G, {
      version: 3,
      protocols: [{ name: 'range', metadata: subscription(['t']) }],
    })
    expect(first.errorCode).toBe(ErrorCode.NONE)
    const mismatch = await ctx.join(G, {
      version: 3,
      protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }],
    })
    expect(mismatch.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  })
})

describe('group.consumer.migration.policy and the size limits', () => {
  /** A consumer group (member C) that classic member(s) then join. */
  async function mixedGroup(ctx: GroupTestContext, classicMembers: number): Promise<string[]> {
    await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    const ids: string[] = []
    for (let i = 0; i < classicMembers; i++) {
      const j = await ctx.join(G, { version: 3, clientId: `k${i}` })
      expect(j.errorCode).toBe(ErrorCode.NONE)
      ids.push(j.memberId)
    }
    return ids
  }

  it('upgrade: converts classic groups but never back', async () => {
    const { ctx } = await setup({ consumerMigrationPolicy: 'upgrade' })
    await classicGroup(ctx, 1)
    expect((await hb(ctx, { memberId: 'C', memberEpoch: 0 })).errorCode).toBe(ErrorCode.NONE)
    await hb(ctx, { memberId: 'C', memberEpoch: -1 })
    expect(await groupType(ctx)).toBe('consumer')
    const [d] = await ctx.coordinator.consumerGroupDescribe([G])
    expect(d?.group?.members.size).toBe(1)
  })

  it('downgrade: converts back but refuses upgrades', async () => {
    const { ctx } = await setup({ consumerMigrationPolicy: 'downgrade' })
    await classicGroup(ctx, 1)
    expect((await hb(ctx, { memberId: 'C', memberEpoch: 0 })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)

    const other = await setup({ consumerMigrationPolicy: 'downgrade' })
    await mixedGroup(other.ctx, 1)
    await hb(other.ctx, { memberId: 'C', memberEpoch: -1 })
    expect(await groupType(other.ctx)).toBe('classic')
  })

  it('disabled: neither direction', async () => {
    const { ctx } = await setup({ consumerMigrationPolicy: 'disabled' })
    await classicGroup(ctx, 1)
    expect((await hb(ctx, { memberId: 'C', memberEpoch: 0 })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)

    const other = await setup({ consumerMigrationPolicy: 'disabled' })
    await mixedGroup(other.ctx, 1)
    await hb(other.ctx, { memberId: 'C', memberEpoch: -1 })
    expect(await groupType(other.ctx)).toBe('consumer')
  })

  it('bidirectional is the default', async () => {
    const { ctx } = await setup()
    expect(ctx.coordinator.config.consumerMigrationPolicy).toBe('bidirectional')
  })

  it('group.consumer.max.size: a larger classic group is not converted; one at the limit leaves no room', async () => {
    const { ctx } = await setup({ consumerGroupMaxSize: 2 })
    await classicGroup(ctx, 3)
    expect((await hb(ctx, { memberId: 'C', memberEpoch: 0 })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)

    const atLimit = await setup({ consumerGroupMaxSize: 2 })
    await classicGroup(atLimit.ctx, 2)
    const r = await hb(atLimit.ctx, { memberId: 'C', memberEpoch: 0 })
    expect(r.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED)
    expect(await groupType(atLimit.ctx)).toBe('classic') // nothing converted

    const roomy = await setup({ consumerGroupMaxSize: 3 })
    await classicGroup(roomy.ctx, 2)
    expect((await hb(roomy.ctx, { memberId: 'C', memberEpoch: 0 })).errorCode).toBe(ErrorCode.NONE)
    // A further classic member no longer fits.
    expect((await roomy.ctx.join(G, { version: 3 })).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED)
  })

  it('group.max.size: more classic members than a classic group may hold keep the consumer group', async () => {
    const { ctx } = await setup({ classicGroupMaxSize: 1 })
    await mixedGroup(ctx, 2)
    await hb(ctx, { memberId: 'C', memberEpoch: -1 })
    expect(await groupType(ctx)).toBe('consumer')

    const fits = await setup({ classicGroupMaxSize: 2 })
    await mixedGroup(fits.ctx, 2)
    await hb(fits.ctx, { memberId: 'C', memberEpoch: -1 })
    expect(await groupType(fits.ctx)).toBe('classic')
  })
})

describe('static members across protocols', () => {
  it('a classic static member replacing the last consumer-protocol static member converts the group without a rebalance', async () => {
    const { ctx, topics } = await setup()
    await hb(ctx, { memberId: 'S', memberEpoch: 0, instanceId: 'inst-s' })
    const a = await ctx.join(G, { version: 3, clientId: 'a' })
    expect(a.errorCode).toBe(ErrorCode.NONE)
    // Let both settle: S revokes what a is to get, a collects it.
    const s1 = await hb(ctx, { memberId: 'S', memberEpoch: 1, topicPartitions: [] })
    const sEpoch = s1.memberEpoch
    const s2 = await hb(ctx, {
      memberId: 'S',
      memberEpoch: sEpoch,
      topicPartitions: [{ topicId: topics.byName('t')?.topicId ?? '', partitions: parts(s1) }],
    })
    expect(parts(s2)).toHaveLength(3)
    const sPartitions = parts(s2)

    // S restarts with the classic protocol under the same instance id.
    const j = await ctx.join(G, { version: 5, instanceId: 'inst-s', clientId: 's-classic' })
    expect(j.errorCode).toBe(ErrorCode.NONE)
    expect(await groupType(ctx)).toBe('classic')
    const [desc] = await ctx.coordinator.describeGroups([G])
    expect(desc?.groupState).toBe('Stable') // no rebalance
    const s = await ctx.sync(G, j.memberId, j.generationId, [], 'inst-s')
    expect(s.errorCode).toBe(ErrorCode.NONE)
    expect(assigned(s.assignment)).toEqual(sPartitions)
  })

  it('a consumer-protocol static member takes over a classic static member’s slot at once', async () => {
    const { ctx } = await setup()
    await hb(ctx, { memberId: 'C', memberEpoch: 0 })
    const a = await ctx.join(G, { version: 3, instanceId: 'inst-a' })
    expect(a.errorCode).toBe(ErrorCode.NONE)
    const r = await hb(ctx, { memberId: 'A2', memberEpoch: 0, instanceId: 'inst-a' })
    expect(r.errorCode).toBe(ErrorCode.NONE)
    const [d] = await ctx.coordinator.consumerGroupDescribe([G])
    expect([...(d?.group?.members.keys() ?? [])].sort()).toEqual(['A2', 'C'])
    expect(d?.group?.members.get('A2')?.classic).toBeNull()
  })
})
