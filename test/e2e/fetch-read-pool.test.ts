// Fetch on the disk log reads into pooled buffers (src/storage/read-buffer-pool.ts) that go back to
// the pool once the response is written. With poisoning on, a buffer given back while a response
// still refers to it turns that response's bytes into 0xdb: this test runs a real broker on disk
// with several consumers at once — different byte limits, a client that stops reading in the middle
// of a large response, clients that close mid-response, long polls whose first read is dropped —
// and checks every fetched byte (batch CRC and each record's value) against what was produced.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKey, type FetchResponse, type ProduceResponse } from '../../src/protocol/generated/index.ts'
import { fetchReadBuffers } from '../../src/storage/read-buffer-pool.ts'
import { WireClient } from '../broker/wire-client.ts'
import { startWithAdmin, type AdminHarness } from './helpers.ts'
import { fetchBody, patternedBatch, verifyPatterned } from './patterned-records.ts'

const TOPIC = 'pooled'
const PARTITIONS = 4
const RECORDS_PER_BATCH = 40
const VALUE_BYTES = 2000
/** Batches per partition produced before the consumers start (~2.4 MiB per partition). */
const INITIAL_BATCHES = 30
/** Batches appended to partition 0 while the long-poll consumer waits. */
const TAIL_BATCHES = 12

function batchAt(partition: number, firstOffset: number): Buffer {
  return patternedBatch(partition, firstOffset, RECORDS_PER_BATCH, VALUE_BYTES)
}

let h: AdminHarness
let dir: string
const wasPoisoned = fetchReadBuffers.poison
const produced = new Array<number>(PARTITIONS).fill(0)

async function produce(c: WireClient, partition: number, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const before = c.responseCount
    c.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        {
          name: TOPIC,
          partitionData: [{ index: partition, records: batchAt(partition, produced[partition]!) }],
        },
      ],
    })
    await c.waitFor(before + 1)
    const res = c.response<ProduceResponse>(before).body
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0)
    expect(res.responses[0]!.partitionResponses[0]!.baseOffset).toBe(BigInt(produced[partition]!))
    produced[partition]! += RECORDS_PER_BATCH
  }
}

function verify(partition: number, records: Buffer | null, next: number): number {
  return verifyPatterned(partition, records, next, VALUE_BYTES)
}

/** Fetches (one request at a time) until every partition reached `until`, verifying everything. */
async function consume(
  c: WireClient,
  until: readonly number[],
  o: { partitionMaxBytes: number; maxBytes: number; maxWaitMs?: number; minBytes?: number },
  beforeEach?: (i: number) => Promise<void>,
): Promise<number> {
  const next = new Array<number>(PARTITIONS).fill(0)
  let requests = 0
  while (next.some((n, p) => n < until[p]!)) {
    await beforeEach?.(requests)
    const i = c.responseCount
    c.send(ApiKey.Fetch, 12, fetchBody(TOPIC, next, o))
    await c.waitFor(i + 1, 20_000)
    const res = c.response<FetchResponse>(i).body
    expect(res.errorCode).toBe(0)
    for (const p of res.responses[0]!.partitions) {
      expect(p.errorCode).toBe(0)
      next[p.partitionIndex] = verify(p.partitionIndex, p.records, next[p.partitionIndex]!)
    }
    requests++
  }
  return requests
}

beforeAll(async () => {
  fetchReadBuffers.clear()
  fetchReadBuffers.poison = true
  dir = await mkdtemp(join(tmpdir(), 'samsa-readpool-e2e-'))
  h = await startWithAdmin({ memory: false, dataDir: dir })
  await h.admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] })
  const c = await WireClient.open(h.broker.port)
  try {
    for (let p = 0; p < PARTITIONS; p++) await produce(c, p, INITIAL_BATCHES)
  } finally {
    c.close()
  }
}, 60_000)

afterAll(async () => {
  await h?.close()
  fetchReadBuffers.poison = wasPoisoned
  fetchReadBuffers.clear()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('Fetch from pooled read buffers (poisoned on release)', () => {
  it('serves every byte intact to concurrent consumers, stalled, closing and long-polling ones', async () => {
    const stats0 = fetchReadBuffers.stats
    const opened: WireClient[] = []
    const open = async (): Promise<WireClient> => {
      const c = await WireClient.open(h.broker.port)
      opened.push(c)
      return c
    }
    try {
      const initial = produced.slice()
      const final = produced.slice()
      final[0] = initial[0]! + TAIL_BATCHES * RECORDS_PER_BATCH

      // A client that stops reading in the middle of a response far larger than the socket
      // buffers: its pooled buffers stay referenced by queued chunks while the others fetch.
      const stalled = await open()
      const stalledRun = (async () => {
        stalled.socket.pause()
        const i = stalled.responseCount
        stalled.send(
          ApiKey.Fetch,
          12,
          fetchBody(TOPIC, [0, 0, 0, 0], { partitionMaxBytes: 16 << 20, maxBytes: 64 << 20 }),
        )
        await new Promise((r) => setTimeout(r, 600))
        expect(stalled.responseCount).toBe(i)
        stalled.socket.resume()
        await stalled.waitFor(i + 1, 20_000)
        const res = stalled.response<FetchResponse>(i).body
        for (const p of res.responses[0]!.partitions) {
          const end = verify(p.partitionIndex, p.records, 0)
          expect(end).toBe(initial[p.partitionIndex])
        }
      })()

      // Clients that close while their (large) response is being written.
      const closingRun = (async () => {
        for (let k = 0; k < 4; k++) {
          const c = await open()
          c.socket.pause()
          c.send(
            ApiKey.Fetch,
            12,
            fetchBody(TOPIC, [0, 0, 0, 0], { partitionMaxBytes: 4 << 20, maxBytes: 64 << 20 }),
          )
          await new Promise((r) => setTimeout(r, 40 + 30 * k))
          c.close()
        }
      })()

      // A long-poll consumer on every partition, asking for more than is there: its first read of
      // partition 0 is dropped while it waits, and the answer is read again after the appends.
      const poller = await open()
      const producer = await open()
      const pollRun = consume(poller, final, {
        partitionMaxBytes: 1 << 20,
        maxBytes: 4 << 20,
        maxWaitMs: 1000,
        minBytes: 3 << 20,
      })
      const tailRun = (async () => {
        for (let b = 0; b < TAIL_BATCHES; b++) {
          await produce(producer, 0, 1)
          await new Promise((r) => setTimeout(r, 15))
        }
      })()

      const consumers = [
        { partitionMaxBytes: 1 << 20, maxBytes: 1 << 20 },
        { partitionMaxBytes: 64 << 10, maxBytes: 256 << 10 },
        { partitionMaxBytes: 300_001, maxBytes: 1 << 20 },
        { partitionMaxBytes: 16 << 20, maxBytes: 64 << 20 },
      ]
      const runs = await Promise.all(consumers.map(async (o) => consume(await open(), initial, o)))
      await Promise.all([stalledRun, closingRun, tailRun])
      const polls = await pollRun
      expect(runs.every((n) => n > 0)).toBe(true)
      expect(polls).toBeGreaterThan(0)
      // After everything, a fresh consumer still reads the whole log intact.
      await consume(await open(), final, { partitionMaxBytes: 1 << 20, maxBytes: 8 << 20 })

      // The pool really served these reads.
      const stats = fetchReadBuffers.stats
      expect(stats.reused).toBeGreaterThan(stats0.reused)
      expect(stats.idleBytes).toBeGreaterThan(0)
    } finally {
      for (const c of opened) c.close()
    }
  }, 60_000)
})
