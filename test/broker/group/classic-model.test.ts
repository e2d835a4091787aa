// Random interleavings of classic-protocol clients (two-step joins, rejoins, syncs, heartbeats,
// leaves) and time passing, against the coordinator on a ManualClock. Invariants: no illegal state
// transition or timer failure ever happens, generations seen by a member never go backwards, a
// leader is always a member, only the leader gets the member list, and no request stays parked
// forever once enough time has passed (every join and sync is eventually answered).

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { JoinResult, SyncResult } from '../../../src/broker/group/classic-group.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { GroupTestContext, peek } from './context.ts'

const G = 'classic-model'

type Op =
  | { kind: 'join' | 'rejoin' | 'sync' | 'heartbeat' | 'leave' | 'commit'; client: number }
  | { kind: 'sleep'; ms: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom(
      'join' as const,
      'rejoin' as const,
      'sync' as const,
      'heartbeat' as const,
      'leave' as const,
      'commit' as const,
    ),
    client: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 12_000 }) }),
)

interface Client {
  memberId: string
  generation: number
  leader: boolean
  members: string[]
  pending: Array<Promise<unknown>>
}

describe('classic group model', () => {
  it('keeps its invariants under random interleavings and answers every parked request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const ctx = await GroupTestContext.create()
        const clients: Client[] = [0, 1, 2, 3].map(() => ({
          memberId: '',
          generation: -1,
          leader: false,
          members: [],
          pending: [],
        }))
        const onJoin = (c: Client) => (r: JoinResult) => {
          if (r.errorCode === ErrorCode.NONE) {
            expect(r.generationId).toBeGreaterThanOrEqual(c.generation)
            c.memberId = r.memberId
            c.generation = r.generationId
            c.leader = r.leader === r.memberId
            // Only the leader learns the members.
            if (!c.leader) expect(r.members).toEqual([])
            else expect(r.members.map((m) => m.memberId)).toContain(r.memberId)
            c.members = r.members.map((m) => m.memberId)
          } else if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) c.memberId = ''
          else if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) c.memberId = r.memberId
        }
        const track = (c: Client, p: Promise<unknown>): void => {
          c.pending.push(p)
        }

        for (const o of ops) {
          if (o.kind === 'sleep') {
            await ctx.sleep(o.ms)
          } else {
            const c = clients[o.client] as Client
            const id = `client-${o.client}`
            switch (o.kind) {
              case 'join':
                if (c.memberId === '') {
                  const first = await ctx.join(G, {
                    clientId: id,
                    sessionTimeoutMs: 10_000,
                    rebalanceTimeoutMs: 15_000,
                  })
                  onJoin(c)(first)
                  if (first.errorCode === ErrorCode.MEMBER_ID_REQUIRED)
                    track(
                      c,
                      ctx
                        .join(G, {
                          clientId: id,
                          memberId: first.memberId,
                          sessionTimeoutMs: 10_000,
                          rebalanceTimeoutMs: 15_000,
                        })
                        .then(onJoin(c)),
                    )
                }
                break
              case 'rejoin':
                if (c.memberId !== '')
                  track(
                    c,
                    ctx
                      .join(G, {
                        clientId: id,
                        memberId: c.memberId,
                        sessionTimeoutMs: 10_000,
                        rebalanceTimeoutMs: 15_000,
                      })
                      .then(onJoin(c)),
                  )
                break
              case 'sync':
                if (c.memberId !== '' && c.generation >= 0)
                  track(
                    c,
                    ctx
                      .sync(
                        G,
                        c.memberId,
                        c.generation,
                        c.leader ? c.members.map((m) => ({ memberId: m, assignment: Buffer.from(m) })) : [],
                      )
                      .then((r: SyncResult) => {
                        if (r.errorCode === ErrorCode.NONE && r.assignment.length > 0)
                          expect(r.assignment.toString()).toBe(c.memberId)
                      }),
                  )
                break
              case 'heartbeat':
                if (c.memberId !== '') {
                  const code = await ctx.heartbeat(G, c.memberId, c.generation)
                  if (code === ErrorCode.UNKNOWN_MEMBER_ID) c.memberId = ''
                }
                break
              case 'leave':
                if (c.memberId !== '') {
                  await ctx.coordinator.leaveGroup(G, [{ memberId: c.memberId, groupInstanceId: null }])
                  c.memberId = ''
                  c.generation = -1
                }
                break
              case 'commit':
                if (c.memberId !== '') await ctx.commit(G, c.memberId, c.generation, { 't:0': 1n })
                break
            }
          }
          await ctx.sleep(0)
          expect(ctx.errors).toEqual([])
          const d = (await ctx.coordinator.describeGroups([G]))[0]
          const g = ctx.coordinator.classicGroup(G)
          if (g !== undefined && g.leaderId !== null) expect(g.members.has(g.leaderId)).toBe(true)
          if (d !== undefined && d.errorCode === 0)
            expect(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable']).toContain(d.groupState)
        }

        // Liveness: after long enough, nothing is still parked.
        for (let i = 0; i < 4; i++) await ctx.sleep(60_000)
        for (const c of clients) for (const p of c.pending) expect((await peek(p)).done).toBe(true)
        expect(ctx.errors).toEqual([])
      }),
      { numRuns: 300 },
    )
  })
})
