// Random runs of KIP-848 members (join, heartbeat, leave, resubscribe) against the coordinator,
// with clients that behave as the protocol asks (own what they were last given, report it).
// Invariants: a partition is never held by two members at once (assigned or pending revocation),
// epochs never go backwards, and once everyone keeps heartbeating the group becomes Stable with
// every subscribed partition owned exactly once, by a subscriber, balanced when all subscribe alike.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { GroupTestContext, StaticTopics } from './context.ts'

const G = 'model'
const MEMBERS = ['m0', 'm1', 'm2', 'm3', 'm4']

type Op =
  | { kind: 'join'; member: number; topics: string[] }
  | { kind: 'heartbeat'; member: number }
  | { kind: 'leave'; member: number }
  | { kind: 'resubscribe'; member: number; topics: string[] }

const topicSet = fc.subarray(['t', 'u'], { minLength: 1 })
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), member: fc.integer({ min: 0, max: 4 }), topics: topicSet }),
  fc.record({ kind: fc.constant('heartbeat' as const), member: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('heartbeat' as const), member: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('leave' as const), member: fc.integer({ min: 0, max: 4 }) }),
  fc.record({
    kind: fc.constant('resubscribe' as const),
    member: fc.integer({ min: 0, max: 4 }),
    topics: topicSet,
  }),
)

interface Client {
  epoch: number
  owned: Map<string, number[]>
  topics: string[]
}

describe('KIP-848 reconciliation model', () => {
  it('never double-assigns and converges to a complete, balanced assignment', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(op, { maxLength: 40 }),
        async (tParts, uParts, ops) => {
          const topics = new StaticTopics()
          const t = topics.add('t', tParts)
          const u = topics.add('u', uParts)
          const ctx = await GroupTestContext.create({}, undefined, topics)
          const clients = new Map<string, Client>()

          const heartbeat = async (id: string, c: Client, topicsChanged: string[] | null): Promise<void> => {
            const r = await ctx.coordinator.consumerGroupHeartbeat(
              {
                groupId: G,
                memberId: id,
                memberEpoch: c.epoch,
                instanceId: null,
                rackId: null,
                rebalanceTimeoutMs: c.epoch === 0 ? 60_000 : -1,
                subscribedTopicNames: c.epoch === 0 || topicsChanged !== null ? c.topics : null,
                subscribedTopicRegex: null,
                serverAssignor: null,
                topicPartitions: [...c.owned].map(([topicId, partitions]) => ({ topicId, partitions })),
              },
              { apiVersion: 1, clientId: id, clientHost: 'h' },
            )
            expect(r.errorCode).toBe(ErrorCode.NONE)
            expect(r.memberEpoch).toBeGreaterThanOrEqual(c.epoch)
            c.epoch = r.memberEpoch
            // A client adopts the assignment it is given (revoking what is gone at once).
            if (r.assignment !== null)
              c.owned = new Map(r.assignment.map((a) => [a.topicId, [...a.partitions]]))
          }

          const checkExclusive = (): void => {
            const g = ctx.coordinator.consumerGroup(G)
            if (g === undefined) return
            const holder = new Map<string, string>()
            for (const m of g.members.values())
              for (const tp of [m.assigned, m.pendingRevocation])
                for (const [topicId, ps] of tp)
                  for (const p of ps) {
                    const key = `${topicId}:${p}`
                    expect(
                      holder.get(key),
                      `${key} held by ${holder.get(key)} and ${m.memberId}`,
                    ).toBeUndefined()
                    holder.set(key, m.memberId)
                  }
          }

          for (const o of ops) {
            const id = MEMBERS[o.member] as string
            const c = clients.get(id)
            if (o.kind === 'join' && c === undefined) {
              const nc: Client = { epoch: 0, owned: new Map(), topics: o.topics }
              clients.set(id, nc)
              await heartbeat(id, nc, null)
            } else if (o.kind === 'heartbeat' && c !== undefined) {
              await heartbeat(id, c, null)
            } else if (o.kind === 'resubscribe' && c !== undefined) {
              c.topics = o.topics
              await heartbeat(id, c, o.topics)
            } else if (o.kind === 'leave' && c !== undefined) {
              const r = await ctx.coordinator.consumerGroupHeartbeat(
                {
                  groupId: G,
                  memberId: id,
                  memberEpoch: -1,
                  instanceId: null,
                  rackId: null,
                  rebalanceTimeoutMs: -1,
                  subscribedTopicNames: null,
                  subscribedTopicRegex: null,
                  serverAssignor: null,
                  topicPartitions: null,
                },
                { apiVersion: 1, clientId: id, clientHost: 'h' },
              )
              expect(r.errorCode).toBe(0)
              clients.delete(id)
            }
            checkExclusive()
          }

          // Everyone keeps heartbeating: the group must settle.
          for (let round = 0; round < 10; round++) for (const [id, c] of clients) await heartbeat(id, c, null)
          checkExclusive()
          const g = ctx.coordinator.consumerGroup(G)
          if (clients.size === 0) return
          expect(g?.state).toBe('Stable')
          const byTopic = new Map([
            [t.topicId, { name: 't', n: tParts }],
            [u.topicId, { name: 'u', n: uParts }],
          ])
          const counts = new Map<string, number>()
          for (const [topicId, { name, n }] of byTopic) {
            const subscribers = [...clients].filter(([, c]) => c.topics.includes(name)).map(([id]) => id)
            for (let p = 0; p < n; p++) {
              const owners = [...clients]
                .filter(([, c]) => c.owned.get(topicId)?.includes(p) === true)
                .map(([id]) => id)
              if (subscribers.length === 0) expect(owners).toEqual([])
              else {
                expect(owners).toHaveLength(1)
                expect(subscribers).toContain(owners[0])
                counts.set(owners[0] as string, (counts.get(owners[0] as string) ?? 0) + 1)
              }
            }
          }
          // Replaying the log rebuilds exactly this group.
          const restarted = await GroupTestContext.create({}, { clock: ctx.clock, log: ctx.log }, topics)
          const snapshot = (x: ReturnType<typeof ctx.coordinator.consumerGroup>) => ({
            groupEpoch: x?.groupEpoch,
            assignmentEpoch: x?.assignmentEpoch,
            state: x?.state,
            members: [...(x?.members.values() ?? [])]
              .map((m) => ({
                id: m.memberId,
                epoch: m.memberEpoch,
                previous: m.previousMemberEpoch,
                state: m.state,
                topics: m.subscribedTopicNames,
                assigned: [...m.assigned].filter(([, ps]) => ps.length > 0).sort(),
                target: [...(x?.targetAssignment.get(m.memberId) ?? [])]
                  .filter(([, ps]) => ps.length > 0)
                  .sort(),
              }))
              .sort((a, b) => (a.id < b.id ? -1 : 1)),
          })
          expect(snapshot(restarted.coordinator.consumerGroup(G))).toEqual(snapshot(g))
          await restarted.coordinator.close()

          const homogeneous =
            new Set([...clients.values()].map((c) => [...c.topics].sort().join())).size === 1
          if (homogeneous) {
            const loads = [...clients.keys()].map((id) => counts.get(id) ?? 0)
            expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1)
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})
