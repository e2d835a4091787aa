import { describe, expect, it } from 'vitest'
import { waiterCount } from '../../../src/broker/fetch/append-signal.ts'
import fetch from '../../../src/broker/handlers/01-fetch.ts'
import produce from '../../../src/broker/handlers/00-produce.ts'
import { NO_RESPONSE } from '../../../src/broker/registry.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { FetchResponse } from '../../../src/protocol/generated/index.ts'
import { readBatchHeader, scanBatches } from '../../../src/protocol/records/batch-header.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import { batch, harness, settle, type Harness } from '../handlers/data-path-harness.ts'

async function produceTo(h: Harness, topic: string, partition: number, values: string[]): Promise<void> {
  const res = await h.call(produce, 9, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch(values) }] }],
  })
  if (res === NO_RESPONSE || res.responses[0]!.partitionResponses[0]!.errorCode !== 0)
    throw new Error('produce failed')
}

interface Wanted {
  topic: string
  partition: number
  offset: bigint
  maxBytes?: number
  leaderEpoch?: number
  lastFetchedEpoch?: number
}

function fetchReq(parts: Wanted[], extra: Record<string, unknown> = {}) {
  const topics: Array<{ topic: string; topicId?: string; partitions: object[] }> = []
  for (const p of parts) {
    let t = topics.find((x) => x.topic === p.topic)
    if (t === undefined) {
      t = { topic: p.topic, topicId: p.topic, partitions: [] }
      topics.push(t)
    }
    t.partitions.push({
      partition: p.partition,
      fetchOffset: p.offset,
      partitionMaxBytes: p.maxBytes ?? 1 << 20,
      currentLeaderEpoch: p.leaderEpoch ?? -1,
      lastFetchedEpoch: p.lastFetchedEpoch ?? -1,
      logStartOffset: -1n,
    })
  }
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics,
    forgottenTopicsData: [],
    rackId: '',
    ...extra,
  }
}

async function doFetch(h: Harness, version: number, req: object): Promise<FetchResponse> {
  const res = await h.call(fetch, version, req)
  if (res === NO_RESPONSE) throw new Error('no response')
  return res
}

function values(records: Buffer | null): string[] {
  if (records === null) return []
  const out: string[] = []
  scanBatches(records, 0, records.length, true, (pos) => {
    for (const r of readRecords(records, pos)) out.push(r.value!.toString())
  })
  return out
}

describe('Fetch', () => {
  it('returns stored batches with high watermark, log start and last stable offsets (v4-v18)', async () => {
    const h = await harness()
    const id = await h.createTopic('t', 2)
    await produceTo(h, 't', 0, ['a', 'b'])
    await produceTo(h, 't', 0, ['c'])
    for (const v of [4, 7, 11, 12, 13, 16, 17, 18]) {
      const req = fetchReq([{ topic: v >= 13 ? id : 't', partition: 0, offset: 1n }])
      const res = await doFetch(h, v, req)
      const p = res.responses[0]!.partitions[0]!
      expect(p.errorCode).toBe(ErrorCode.NONE)
      expect(p.highWatermark).toBe(3n)
      expect(p.lastStableOffset).toBe(3n)
      if (v >= 5) expect(p.logStartOffset).toBe(0n)
      expect(p.abortedTransactions).toBeNull()
      // The batch holding offset 1 starts at 0: the consumer skips what it did not ask for.
      expect(values(p.records)).toEqual(['a', 'b', 'c'])
      if (v >= 13) expect(res.responses[0]!.topicId).toBe(id)
      else expect(res.responses[0]!.topic).toBe('t')
    }
  })

  it('answers errors per partition: unknown topic, unknown id, out of range, leader epochs', async () => {
    const h = await harness()
    await h.createTopic('t')
    await produceTo(h, 't', 0, ['a'])
    const res = await doFetch(
      h,
      12,
      fetchReq([
        { topic: 'missing', partition: 0, offset: 0n },
        { topic: 't', partition: 3, offset: 0n },
        { topic: 't', partition: 0, offset: 5n },
      ]),
    )
    expect(res.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(res.responses[1]!.partitions.map((p) => p.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.OFFSET_OUT_OF_RANGE,
    ])
    const ids = await doFetch(
      h,
      13,
      fetchReq([{ topic: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: 0, offset: 0n }]),
    )
    expect(ids.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID)
    const epochs = await doFetch(
      h,
      12,
      fetchReq([
        { topic: 't', partition: 0, offset: 0n, leaderEpoch: 0 },
        { topic: 't', partition: 0, offset: 0n, leaderEpoch: 3 },
      ]),
    )
    expect(epochs.responses[0]!.partitions.map((p) => p.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_LEADER_EPOCH,
    ])
  })

  it('refuses Fetch v4-9 on a zstd topic (those consumers cannot read zstd)', async () => {
    const h = await harness()
    await h.createTopic('z', 1, { 'compression.type': 'zstd' })
    const old = await doFetch(h, 9, fetchReq([{ topic: 'z', partition: 0, offset: 0n }]))
    expect(old.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE)
    const modern = await doFetch(h, 10, fetchReq([{ topic: 'z', partition: 0, offset: 0n }]))
    expect(modern.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE)
  })

  it('reports a diverging epoch when the fetch offset lies past the end of the last fetched epoch', async () => {
    const h = await harness()
    await h.createTopic('t')
    await produceTo(h, 't', 0, ['a'])
    const res = await doFetch(
      h,
      12,
      fetchReq([{ topic: 't', partition: 0, offset: 4n, lastFetchedEpoch: 0 }]),
    )
    const p = res.responses[0]!.partitions[0]!
    expect(p.errorCode).toBe(ErrorCode.NONE)
    expect(p.divergingEpoch).toEqual({ epoch: 0, endOffset: 1n })
    expect(p.records?.length ?? 0).toBe(0)
  })

  it('honours per-partition and request byte limits, always returning one batch first (KIP-74)', async () => {
    const h = await harness()
    await h.createTopic('t', 2)
    for (let i = 0; i < 5; i++) await produceTo(h, 't', 0, ['x'.repeat(100)])
    for (let i = 0; i < 5; i++) await produceTo(h, 't', 1, ['y'.repeat(100)])
    const one = batch(['x'.repeat(100)]).length
    // maxBytes 1: the first partition still gets one whole batch, the second nothing.
    const res = await doFetch(
      h,
      11,
      fetchReq(
        [
          { topic: 't', partition: 0, offset: 0n, maxBytes: 1 },
          { topic: 't', partition: 1, offset: 0n },
        ],
        { maxBytes: 1 },
      ),
    )
    const [p0, p1] = res.responses[0]!.partitions
    expect(p0!.records!.length).toBe(one)
    expect(p1!.records?.length ?? 0).toBe(0)
    expect(p1!.highWatermark).toBe(5n)
    // Partition limit 2.5 batches → 2 batches; request limit covers the rest for partition 1.
    const res2 = await doFetch(
      h,
      11,
      fetchReq(
        [
          { topic: 't', partition: 0, offset: 0n, maxBytes: Math.floor(one * 2.5) },
          { topic: 't', partition: 1, offset: 0n },
        ],
        { maxBytes: one * 3 },
      ),
    )
    expect(res2.responses[0]!.partitions[0]!.records!.length).toBe(one * 2)
    expect(res2.responses[0]!.partitions[1]!.records!.length).toBe(one)
  })

  it('long-polls until an append brings minBytes, without timers per wake', async () => {
    const h = await harness()
    await h.createTopic('t')
    const log = h.services.topics.partition('t', 0)!
    const pending = h.start(
      fetch,
      11,
      fetchReq([{ topic: 't', partition: 0, offset: 0n }], { maxWaitMs: 10_000, minBytes: 1 }),
    )
    let done = false
    void pending.then(() => (done = true))
    await settle()
    expect(done).toBe(false)
    expect(waiterCount(log)).toBe(1)
    await produceTo(h, 't', 0, ['wake'])
    await settle()
    expect(done).toBe(true)
    expect(waiterCount(log)).toBe(0)
    const res = (await pending) as FetchResponse
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['wake'])
  })

  it('answers an empty long poll after maxWaitMs', async () => {
    const h = await harness()
    await h.createTopic('t')
    const pending = h.start(
      fetch,
      11,
      fetchReq([{ topic: 't', partition: 0, offset: 0n }], { maxWaitMs: 500, minBytes: 1 }),
    )
    let done = false
    void pending.then(() => (done = true))
    await settle()
    h.clock.advance(499)
    await settle()
    expect(done).toBe(false)
    h.clock.advance(1)
    await settle()
    expect(done).toBe(true)
    const res = (await pending) as FetchResponse
    expect(res.responses[0]!.partitions[0]!.records?.length ?? 0).toBe(0)
    expect(waiterCount(h.services.topics.partition('t', 0)!)).toBe(0)
  })

  it('ends a long poll when a fetched topic is deleted', async () => {
    const h = await harness()
    await h.createTopic('gone')
    const pending = h.start(
      fetch,
      11,
      fetchReq([{ topic: 'gone', partition: 0, offset: 0n }], { maxWaitMs: 10_000 }),
    )
    let done = false
    void pending.then(() => (done = true))
    await settle()
    expect(done).toBe(false)
    await h.services.topics.delete('gone')
    await settle()
    expect(done).toBe(true)
    const res = (await pending) as FetchResponse
    expect(res.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('keeps waiting while appends stay below minBytes', async () => {
    const h = await harness()
    await h.createTopic('t')
    const size = batch(['x'.repeat(50)]).length
    const pending = h.start(
      fetch,
      11,
      fetchReq([{ topic: 't', partition: 0, offset: 0n }], { maxWaitMs: 10_000, minBytes: size * 2 + 1 }),
    )
    let done = false
    void pending.then(() => (done = true))
    await settle()
    await produceTo(h, 't', 0, ['x'.repeat(50)])
    await produceTo(h, 't', 0, ['x'.repeat(50)])
    await settle()
    expect(done).toBe(false)
    await produceTo(h, 't', 0, ['x'.repeat(50)])
    await settle()
    expect(done).toBe(true)
    expect(values(((await pending) as FetchResponse).responses[0]!.partitions[0]!.records)).toHaveLength(3)
  })

  it('read_committed stops at the last stable offset and lists aborted transactions', async () => {
    const h = await harness()
    await h.createTopic('t')
    await produceTo(h, 't', 0, ['a', 'b'])
    const log = h.services.topics.partition('t', 0)!
    await produceTo(h, 't', 0, ['c'])
    log.setFirstUnstableOffset(2n)
    await log.addAbortedTransaction({ producerId: 9n, firstOffset: 0n, lastOffset: 1n, lastStableOffset: 2n })
    const committed = await doFetch(
      h,
      11,
      fetchReq([{ topic: 't', partition: 0, offset: 0n }], { isolationLevel: 1 }),
    )
    const p = committed.responses[0]!.partitions[0]!
    expect(p.lastStableOffset).toBe(2n)
    expect(values(p.records)).toEqual(['a', 'b'])
    expect(p.abortedTransactions).toEqual([{ producerId: 9n, firstOffset: 0n }])
    const uncommitted = await doFetch(h, 11, fetchReq([{ topic: 't', partition: 0, offset: 0n }]))
    expect(values(uncommitted.responses[0]!.partitions[0]!.records)).toEqual(['a', 'b', 'c'])
  })

  it('answers at once when data arrived between the first read and the wait', async () => {
    const h = await harness()
    await h.createTopic('t')
    const pending = h.start(
      fetch,
      11,
      fetchReq([{ topic: 't', partition: 0, offset: 0n }], { maxWaitMs: 10_000, minBytes: 1 << 20 }),
    )
    // Appended before the first read's continuation ran: not in it, and never signalled to the wait.
    await produceTo(h, 't', 0, ['racing'])
    let done = false
    void pending.then(() => (done = true))
    await settle()
    expect(done).toBe(true)
    expect(values(((await pending) as FetchResponse).responses[0]!.partitions[0]!.records)).toEqual([
      'racing',
    ])
  })

  it('writes partition data for the base offsets the log assigned', async () => {
    const h = await harness()
    await h.createTopic('t')
    await produceTo(h, 't', 0, ['a'])
    await produceTo(h, 't', 0, ['b'])
    const res = await doFetch(h, 11, fetchReq([{ topic: 't', partition: 0, offset: 1n }]))
    expect(readBatchHeader(res.responses[0]!.partitions[0]!.records!).baseOffset).toBe(1n)
  })
})
