import { describe, expect, it } from 'vitest'
import { sessionCache } from '../../../src/broker/fetch/fetch.ts'
import { EVICTION_MS, FetchSessionCache } from '../../../src/broker/fetch/session-cache.ts'
import fetch from '../../../src/broker/handlers/01-fetch.ts'
import produce from '../../../src/broker/handlers/00-produce.ts'
import { NO_RESPONSE } from '../../../src/broker/registry.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { FetchResponse } from '../../../src/protocol/generated/index.ts'
import { batch, harness, type Harness } from '../handlers/data-path-harness.ts'

async function produceTo(h: Harness, partition: number, value: string): Promise<void> {
  await h.call(produce, 9, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 't', partitionData: [{ index: partition, records: batch([value]) }] }],
  })
}

function req(
  sessionId: number,
  sessionEpoch: number,
  parts: Array<[number, bigint]>,
  forgotten: number[] = [],
) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch,
    topics:
      parts.length === 0
        ? []
        : [
            {
              topic: 't',
              partitions: parts.map(([partition, fetchOffset]) => ({
                partition,
                fetchOffset,
                partitionMaxBytes: 1 << 20,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
              })),
            },
          ],
    forgottenTopicsData: forgotten.length === 0 ? [] : [{ topic: 't', partitions: forgotten }],
    rackId: '',
  }
}

async function call(h: Harness, r: object, version = 12): Promise<FetchResponse> {
  const res = await h.call(fetch, version, r)
  if (res === NO_RESPONSE) throw new Error('no response')
  return res
}

const partitionsOf = (res: FetchResponse) =>
  res.responses.flatMap((t) => t.partitions.map((p) => p.partitionIndex))

describe('Fetch sessions (KIP-227)', () => {
  it('creates a session on a full fetch and answers incremental fetches with changed partitions only', async () => {
    const h = await harness()
    await h.createTopic('t', 3)
    await produceTo(h, 0, 'a')
    const full = await call(
      h,
      req(0, 0, [
        [0, 0n],
        [1, 0n],
        [2, 0n],
      ]),
    )
    expect(full.sessionId).toBeGreaterThan(0)
    expect(partitionsOf(full)).toEqual([0, 1, 2])
    const id = full.sessionId

    // Nothing changed and the client sends nothing new: an empty incremental response.
    const quiet = await call(h, req(id, 1, [[0, 1n]]))
    expect(quiet.errorCode).toBe(0)
    expect(quiet.sessionId).toBe(id)
    expect(partitionsOf(quiet)).toEqual([])

    // An append to partition 2 (high watermark moved, records available) brings only it back.
    await produceTo(h, 2, 'b')
    const news = await call(h, req(id, 2, []))
    expect(partitionsOf(news)).toEqual([2])
    expect(news.responses[0]!.partitions[0]!.highWatermark).toBe(1n)

    // Forgetting partition 2 and moving 1 along: the session keeps 0 and 1.
    const s = sessionCache(h.services).get(id)!
    await call(h, req(id, 3, [[2, 1n]], [2]))
    expect([...s.partitions.values()].map((p) => p.partition).sort()).toEqual([0, 1])
  })

  it('rejects unknown sessions and wrong epochs', async () => {
    const h = await harness()
    await h.createTopic('t', 1)
    const full = await call(h, req(0, 0, [[0, 0n]]))
    expect((await call(h, req(full.sessionId + 100, 1, []))).errorCode).toBe(
      ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
    )
    const wrong = await call(h, req(full.sessionId, 5, []))
    expect(wrong.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH)
    expect(wrong.sessionId).toBe(0)
    expect((await call(h, req(full.sessionId, 1, []))).errorCode).toBe(0)
    // Names vs ids across the v13 boundary.
    expect((await call(h, { ...req(full.sessionId, 2, []), topics: [] }, 13)).errorCode).toBe(
      ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR,
    )
  })

  it('closes a session with the final epoch and answers sessionless', async () => {
    const h = await harness()
    await h.createTopic('t', 1)
    const full = await call(h, req(0, 0, [[0, 0n]]))
    const closing = await call(h, req(full.sessionId, -1, [[0, 0n]]))
    expect(closing.sessionId).toBe(0)
    expect(partitionsOf(closing)).toEqual([0])
    expect(sessionCache(h.services).get(full.sessionId)).toBeUndefined()
    // Sessionless fetches (epoch -1, id 0) never create sessions.
    expect((await call(h, req(0, -1, [[0, 0n]]))).sessionId).toBe(0)
    // Fetch v4-6 has no sessions at all.
    expect(sessionCache(h.services).size).toBe(0)
  })

  it('re-sends an errored partition once the error clears', async () => {
    const h = await harness()
    await h.createTopic('t', 1)
    const full = await call(h, req(0, 0, [[0, 5n]]))
    expect(full.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    const again = await call(h, req(full.sessionId, 1, []))
    expect(again.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    const fixed = await call(h, req(full.sessionId, 2, [[0, 0n]]))
    expect(fixed.responses[0]!.partitions[0]!.errorCode).toBe(0)
    expect(partitionsOf(await call(h, req(full.sessionId, 3, [])))).toEqual([])
  })

  it('evicts idle sessions first, then smaller ones, when the cache is full', () => {
    const cache = new FetchSessionCache(() => 2)
    const a = cache.create(false, 5, 0)!
    const b = cache.create(false, 1, 10)!
    for (let i = 0; i < 5; i++) a.partitions.set(`${i}`, {} as never)
    b.partitions.set('0', {} as never)
    // Full, nothing idle, the new session is not larger than the smallest: no session.
    expect(cache.create(false, 1, 20)).toBeUndefined()
    // Larger than b: b goes.
    const c = cache.create(false, 3, 30)!
    expect(cache.get(b.id)).toBeUndefined()
    for (let i = 0; i < 3; i++) c.partitions.set(`${i}`, {} as never)
    // a has been idle for longer than the eviction time.
    const d = cache.create(false, 1, EVICTION_MS + 1)!
    expect(cache.get(a.id)).toBeUndefined()
    expect(cache.get(d.id)).toBe(d)
    expect(new FetchSessionCache(() => 0).create(false, 1, 0)).toBeUndefined()
  })
})
