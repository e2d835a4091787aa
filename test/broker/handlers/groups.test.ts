// The group handlers at every version they advertise, through the generated codec both ways (a
// response that cannot be encoded at its version fails), against the real group component on
// in-memory stores: a classic group's full life cycle per JoinGroup version, offsets at every
// OffsetCommit/OffsetFetch version, the admin APIs, and the KIP-848 APIs.

import { beforeEach, describe, expect, it } from 'vitest'
import { groupComponent } from '../../../src/broker/group/component.ts'
import commitHandler from '../../../src/broker/handlers/08-offset-commit.ts'
import fetchHandler from '../../../src/broker/handlers/09-offset-fetch.ts'
import joinHandler from '../../../src/broker/handlers/11-join-group.ts'
import heartbeatHandler from '../../../src/broker/handlers/12-heartbeat.ts'
import leaveHandler from '../../../src/broker/handlers/13-leave-group.ts'
import syncHandler from '../../../src/broker/handlers/14-sync-group.ts'
import describeHandler from '../../../src/broker/handlers/15-describe-groups.ts'
import listHandler from '../../../src/broker/handlers/16-list-groups.ts'
import deleteHandler from '../../../src/broker/handlers/42-delete-groups.ts'
import offsetDeleteHandler from '../../../src/broker/handlers/47-offset-delete.ts'
import cgHeartbeatHandler from '../../../src/broker/handlers/68-consumer-group-heartbeat.ts'
import cgDescribeHandler from '../../../src/broker/handlers/69-consumer-group-describe.ts'
import { NO_RESPONSE } from '../../../src/broker/registry.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { harness, type Harness } from './data-path-harness.ts'

let h: Harness
let topicId: string

beforeEach(async () => {
  h = await harness({ 'group.min.session.timeout.ms': '1000' })
  h.services.groups = await groupComponent.start(h.services).then(() => h.services.groups)
  topicId = await h.createTopic('t', 2)
})

function defined<T>(v: T | typeof NO_RESPONSE): T {
  if (v === NO_RESPONSE) throw new Error('no response')
  return v
}

/** Joins (two-step from v4), syncs and heartbeats one member; returns its id and generation. */
async function lifeCycle(v: number, group: string): Promise<{ memberId: string; generation: number }> {
  const base = {
    groupId: group,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [
      { name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]) },
    ],
    reason: null,
  }
  let memberId = ''
  if (v >= 4) {
    const first = defined(await h.call(joinHandler, v, base))
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    memberId = first.memberId
  }
  const pending = h.start(joinHandler, v, { ...base, memberId })
  // An empty group's first join completes after group.initial.rebalance.delay.ms (the default).
  h.clock.advance(h.services.config.number('group.initial.rebalance.delay.ms'))
  const joined = defined(await pending)
  expect(joined.errorCode).toBe(0)
  expect(joined.generationId).toBe(1)
  expect(joined.protocolName).toBe('range')
  expect(joined.protocolType).toBe(v >= 7 ? 'consumer' : null)
  expect(joined.members).toHaveLength(1)
  memberId = joined.memberId
  expect(joined.leader).toBe(memberId)

  const syncV = Math.min(v, 5)
  const synced = defined(
    await h.call(syncHandler, syncV, {
      groupId: group,
      generationId: 1,
      memberId,
      groupInstanceId: null,
      protocolType: syncV >= 5 ? 'consumer' : null,
      protocolName: syncV >= 5 ? 'range' : null,
      assignments: [{ memberId, assignment: Buffer.from('A') }],
    }),
  )
  expect(synced).toMatchObject({
    errorCode: 0,
    assignment: Buffer.from('A'),
    protocolName: syncV >= 5 ? 'range' : null,
  })
  const hbV = Math.min(v, 4)
  expect(
    defined(
      await h.call(heartbeatHandler, hbV, {
        groupId: group,
        generationId: 1,
        memberId,
        groupInstanceId: null,
      }),
    ).errorCode,
  ).toBe(0)
  expect(
    defined(
      await h.call(heartbeatHandler, hbV, {
        groupId: group,
        generationId: 9,
        memberId,
        groupInstanceId: null,
      }),
    ).errorCode,
  ).toBe(ErrorCode.ILLEGAL_GENERATION)
  return { memberId, generation: 1 }
}

describe('classic group APIs at every version', () => {
  for (let v = 0; v <= 9; v++) {
    it(`JoinGroup v${v} with matching Sync/Heartbeat/Leave versions`, async () => {
      const group = `g${v}`
      const { memberId } = await lifeCycle(v, group)
      const leaveV = Math.min(v, 5)
      const leaveReq =
        leaveV >= 3
          ? { groupId: group, members: [{ memberId, groupInstanceId: null, reason: null }] }
          : { groupId: group, memberId }
      const left = defined(await h.call(leaveHandler, leaveV, leaveReq))
      expect(left.errorCode).toBe(0)
      if (leaveV >= 3) expect(left.members).toEqual([expect.objectContaining({ memberId, errorCode: 0 })])
      // An unknown member: top-level error before v3, per-member error after.
      const again = defined(await h.call(leaveHandler, leaveV, leaveReq))
      if (leaveV >= 3) expect(again.members[0]?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
      else expect(again.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    })
  }

  it('OffsetCommit v0-10 and OffsetFetch v0-10 round-trip committed offsets', async () => {
    const { memberId } = await lifeCycle(5, 'og')
    for (let v = 0; v <= 10; v++) {
      const gen = v >= 1 ? 1 : -1
      const r = defined(
        await h.call(commitHandler, v, {
          groupId: v === 0 ? 'og-simple' : 'og',
          ...(v >= 1 ? { generationIdOrMemberEpoch: gen, memberId } : {}),
          topics: [
            {
              ...(v >= 10 ? { topicId } : { name: 't' }),
              partitions: [
                {
                  partitionIndex: 0,
                  committedOffset: BigInt(100 + v),
                  ...(v >= 6 ? { committedLeaderEpoch: 0 } : {}),
                  committedMetadata: `v${v}`,
                },
              ],
            },
          ],
        }),
      )
      expect(r.topics[0]?.partitions[0]?.errorCode).toBe(0)
      if (v >= 10) expect(r.topics[0]?.topicId).toBe(topicId)
    }
    for (let v = 0; v <= 10; v++) {
      const req =
        v < 8
          ? { groupId: 'og', topics: [{ name: 't', partitionIndexes: [0, 1] }] }
          : {
              groups: [
                {
                  groupId: 'og',
                  topics: [{ ...(v >= 10 ? { topicId } : { name: 't' }), partitionIndexes: [0, 1] }],
                },
              ],
              requireStable: true,
            }
      const r = defined(await h.call(fetchHandler, v, req))
      const parts = v < 8 ? r.topics[0]?.partitions : r.groups[0]?.topics[0]?.partitions
      expect(parts?.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([
        [0, 110n, 'v10'],
        [1, -1n, ''],
      ])
      expect(parts?.[0]?.committedLeaderEpoch).toBe(v >= 5 ? 0 : -1)
      if (v >= 10) expect(r.groups[0]?.topics[0]?.topicId).toBe(topicId)
    }
    // v2+: all offsets of a group with null topics
    const all = defined(await h.call(fetchHandler, 2, { groupId: 'og-simple', topics: null }))
    expect(all.topics.map((t) => t.name)).toEqual(['t'])
    // v10: an unknown topic id fails its partitions only
    const bad = defined(
      await h.call(commitHandler, 10, {
        groupId: 'og-simple',
        generationIdOrMemberEpoch: -1,
        topics: [
          {
            topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
            partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }],
          },
        ],
      }),
    )
    expect(bad.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID)
    // An unknown topic name
    const unknown = defined(
      await h.call(commitHandler, 7, {
        groupId: 'og-simple',
        generationIdOrMemberEpoch: -1,
        topics: [
          { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] },
        ],
      }),
    )
    expect(unknown.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('DescribeGroups v0-6, ListGroups v0-5, OffsetDelete v0, DeleteGroups v0-2', async () => {
    await lifeCycle(5, 'dg')
    for (let v = 0; v <= 6; v++) {
      const r = defined(
        await h.call(describeHandler, v, {
          groups: ['dg', 'missing'],
          ...(v >= 3 ? { includeAuthorizedOperations: true } : {}),
        }),
      )
      expect(r.groups[0]).toMatchObject({
        errorCode: 0,
        groupState: 'Stable',
        protocolType: 'consumer',
        protocolData: 'range',
      })
      expect(r.groups[0]?.members[0]?.memberAssignment).toEqual(Buffer.from('A'))
      expect(r.groups[1]?.errorCode).toBe(v >= 6 ? ErrorCode.GROUP_ID_NOT_FOUND : 0)
      expect(r.groups[1]?.groupState).toBe('Dead')
      if (v >= 3) expect(r.groups[0]?.authorizedOperations).toBeGreaterThan(0)
    }
    for (let v = 0; v <= 5; v++) {
      const r = defined(
        await h.call(listHandler, v, {
          ...(v >= 4 ? { statesFilter: ['STABLE'] } : {}),
          ...(v >= 5 ? { typesFilter: ['classic'] } : {}),
        }),
      )
      expect(r.groups.map((g) => g.groupId)).toEqual(['dg'])
      if (v >= 4) expect(r.groups[0]?.groupState).toBe('Stable')
      if (v >= 5) expect(r.groups[0]?.groupType).toBe('classic')
    }
    const od = defined(
      await h.call(offsetDeleteHandler, 0, {
        groupId: 'dg',
        topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }],
      }),
    )
    expect(od.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC)
    for (let v = 0; v <= 2; v++) {
      const r = defined(await h.call(deleteHandler, v, { groupsNames: ['dg', 'missing'] }))
      expect(r.results.map((x) => x.errorCode)).toEqual([
        ErrorCode.NON_EMPTY_GROUP,
        ErrorCode.GROUP_ID_NOT_FOUND,
      ])
    }
  })
})

describe('KIP-848 APIs', () => {
  it('a classic member inside a consumer group: JoinGroup/SyncGroup answers, ConsumerGroupDescribe member types', async () => {
    const group = 'mixed'
    const hb = defined(
      await h.call(cgHeartbeatHandler, 1, {
        groupId: group,
        memberId: 'consumer-member-uuid-abc',
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: ['t'],
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: [],
      }),
    )
    expect(hb.errorCode).toBe(0)
    const joined = defined(
      await h.call(joinHandler, 7, {
        groupId: group,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 20_000,
        memberId: '',
        groupInstanceId: 'classic-instance',
        protocolType: 'consumer',
        protocols: [
          { name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]) },
        ],
        reason: null,
      }),
    )
    expect(joined).toMatchObject({
      errorCode: 0,
      generationId: 2,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: '',
      members: [],
    })
    const synced = defined(
      await h.call(syncHandler, 5, {
        groupId: group,
        generationId: 2,
        memberId: joined.memberId,
        groupInstanceId: 'classic-instance',
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [],
      }),
    )
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' })
    const d = defined(
      await h.call(cgDescribeHandler, 1, { groupIds: [group], includeAuthorizedOperations: false }),
    )
    const types = new Map(d.groups[0]?.members.map((m) => [m.memberId, m.memberType]))
    expect(types).toEqual(
      new Map([
        ['consumer-member-uuid-abc', 1],
        [joined.memberId, 0],
      ]),
    )
  })

  it('ConsumerGroupHeartbeat v0-1 and ConsumerGroupDescribe v0-1', async () => {
    for (const v of [0, 1]) {
      const group = `cg${v}`
      const r = defined(
        await h.call(cgHeartbeatHandler, v, {
          groupId: group,
          memberId: v === 0 ? '' : 'member-one-uuid-abcdefg',
          memberEpoch: 0,
          instanceId: null,
          rackId: null,
          rebalanceTimeoutMs: 30_000,
          subscribedTopicNames: v === 0 ? ['t'] : null,
          subscribedTopicRegex: v === 0 ? null : 't.*',
          serverAssignor: null,
          topicPartitions: [],
        }),
      )
      expect(r).toMatchObject({ errorCode: 0, memberEpoch: 1, heartbeatIntervalMs: 5000 })
      expect(r.assignment?.topicPartitions).toEqual([
        expect.objectContaining({ topicId, partitions: [0, 1] }),
      ])
      const d = defined(
        await h.call(cgDescribeHandler, v, { groupIds: [group, 'nope'], includeAuthorizedOperations: false }),
      )
      expect(d.groups[0]).toMatchObject({
        errorCode: 0,
        groupState: 'Stable',
        groupEpoch: 1,
        assignmentEpoch: 1,
        assignorName: 'uniform',
      })
      expect(d.groups[0]?.members[0]?.assignment.topicPartitions).toEqual([
        expect.objectContaining({ topicName: 't', partitions: [0, 1] }),
      ])
      expect(d.groups[0]?.members[0]?.memberType).toBe(v >= 1 ? 1 : -1)
      expect(d.groups[1]?.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
      // The classic view of the same group (kafka-consumer-groups --describe uses it).
      const classic = defined(
        await h.call(describeHandler, 5, { groups: [group], includeAuthorizedOperations: false }),
      )
      expect(classic.groups[0]).toMatchObject({ protocolType: 'consumer', groupState: 'Stable' })
      const list = defined(await h.call(listHandler, 5, { statesFilter: [], typesFilter: ['consumer'] }))
      expect(list.groups.map((g) => g.groupId)).toContain(group)
    }
  })
})
