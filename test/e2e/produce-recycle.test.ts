// Produce gives its request frames' receive buffers back for the next frames
// (src/protocol/receive-buffers.ts), and the memory log reuses the blocks retention dropped and
// adopts large batches in their receive buffers, which go back to the pool only once retention
// dropped them (src/storage/memory/block-pool.ts). With poisoning on, a buffer or block given
// back while anything still reads it turns those bytes into 0xdb: this test runs a real broker —
// in memory with a small retention.bytes, and on disk — produces pipelined requests larger than a
// slab (some acks=0, some with a failing partition, some one partition's batch filling most of
// the frame, the others three partitions' batches sharing one buffer, small ones in between)
// while a consumer fetches behind, and checks every fetched byte (batch CRC and each record's
// value) against what was produced.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  ApiKey,
  type FetchResponse,
  type ListOffsetsResponse,
  type ProduceResponse,
} from '../../src/protocol/generated/index.ts'
import { receiveBuffers } from '../../src/protocol/receive-buffers.ts'
import { BlockPool } from '../../src/storage/memory/block-pool.ts'
import { WireClient } from '../broker/wire-client.ts'
import { startWithAdmin, type AdminHarness } from './helpers.ts'
import { fetchBody, patternedBatch, verifyPatterned } from './patterned-records.ts'

const TOPIC = 'recycled'
const PARTITIONS = 3
const VALUE_BYTES = 1500
/**
 * Records per batch of a large request (3 partitions × ~30 KiB: a frame beyond a 64 KiB slab, in
 * a 128 KiB receive buffer the three adopt together in memory).
 */
const BIG = 20
/** Records of a one-partition request (~75 KB of a 128 KiB receive buffer: adopted in memory). */
const WHOLE = 50
const REQUESTS = 90
/** Requests sent before waiting for their answers. */
const WINDOW = 6

function batchAt(partition: number, firstOffset: number, count: number): Buffer {
  return patternedBatch(partition, firstOffset, count, VALUE_BYTES)
}

function verify(partition: number, records: Buffer | null, next: number): number {
  return verifyPatterned(partition, records, next, VALUE_BYTES)
}

async function fetchFrom(c: WireClient, offsets: readonly number[]): Promise<FetchResponse> {
  const i = c.responseCount
  c.send(ApiKey.Fetch, 12, fetchBody(TOPIC, offsets, { partitionMaxBytes: 16 << 20, maxBytes: 64 << 20 }))
  await c.waitFor(i + 1, 20_000)
  return c.response<FetchResponse>(i).body
}

/** Each partition's log start offset (ListOffsets, earliest). */
async function logStarts(c: WireClient): Promise<number[]> {
  const i = c.responseCount
  c.send(ApiKey.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [
      {
        name: TOPIC,
        partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
          partitionIndex: p,
          currentLeaderEpoch: -1,
          timestamp: -2n,
        })),
      },
    ],
  })
  await c.waitFor(i + 1, 20_000)
  const res = c.response<ListOffsetsResponse>(i).body
  const out = new Array<number>(PARTITIONS).fill(0)
  for (const p of res.topics[0]!.partitions) {
    expect(p.errorCode).toBe(0)
    out[p.partitionIndex] = Number(p.offset)
  }
  return out
}

const poisonEnv = process.env['SAMSA_POISON_RELEASED']
const wasPoisoned = receiveBuffers.poison

beforeAll(() => {
  // Read by every BlockPool the memory log store creates, and set on the shared receive pool.
  process.env['SAMSA_POISON_RELEASED'] = '1'
  receiveBuffers.poison = true
})

afterAll(() => {
  if (poisonEnv === undefined) delete process.env['SAMSA_POISON_RELEASED']
  else process.env['SAMSA_POISON_RELEASED'] = poisonEnv
  receiveBuffers.poison = wasPoisoned
})

describe.each([
  { mode: 'memory', retention: true },
  { mode: 'disk', retention: false },
])('Produce with recycled receive buffers ($mode, poisoned on release)', ({ mode, retention }) => {
  let h: AdminHarness
  let dir: string | undefined

  beforeAll(async () => {
    if (mode === 'disk') dir = await mkdtemp(join(tmpdir(), 'samsa-recycle-e2e-'))
    h = await startWithAdmin(dir === undefined ? { memory: true } : { memory: false, dataDir: dir })
    await h.admin.createTopics({
      topics: [
        {
          topic: TOPIC,
          numPartitions: PARTITIONS,
          configEntries: retention
            ? [
                { name: 'segment.bytes', value: String(256 * 1024) },
                { name: 'retention.bytes', value: String(768 * 1024) },
              ]
            : [],
        },
      ],
    })
  }, 30_000)

  afterAll(async () => {
    await h?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('stores and serves every produced byte intact', async () => {
    const producer = await WireClient.open(h.broker.port)
    const consumer = await WireClient.open(h.broker.port)
    const reused0 = receiveBuffers.reused
    const adopt = vi.spyOn(BlockPool.prototype, 'adopt')
    const produced = new Array<number>(PARTITIONS).fill(0)
    const next = new Array<number>(PARTITIONS).fill(0)
    let logStart = new Array<number>(PARTITIONS).fill(0)
    let verified = 0
    const consume = async (): Promise<void> => {
      // Retention may have dropped what was not read yet: start at the log start then.
      logStart = await logStarts(consumer)
      const from = next.map((n, p) => Math.max(n, logStart[p]!))
      const res = await fetchFrom(consumer, from)
      for (const p of res.responses[0]!.partitions) {
        expect(p.errorCode).toBe(0)
        const i = p.partitionIndex
        next[i] = verify(i, p.records, from[i]!)
        verified += next[i] - from[i]!
      }
    }
    try {
      for (let r = 0; r < REQUESTS; r += WINDOW) {
        const answers: Array<{ at: number; expect: number[] }> = []
        const base = producer.responseCount
        for (let k = r; k < r + WINDOW; k++) {
          const small = k % 5 === 4
          const whole = k % 5 === 2
          // The window's last request is answered, so every append before it is done.
          const acks = k % 7 === 3 && k % WINDOW !== WINDOW - 1 ? 0 : -1
          const count = small ? 1 : whole ? WHOLE : BIG
          const partitions = small || whole ? [k % PARTITIONS] : [0, 1, 2]
          const expected = partitions.map((p) => produced[p]!)
          const partitionData = partitions.map((p) => ({
            index: p,
            records: batchAt(p, produced[p]!, count),
          }))
          // A partition that does not exist fails on its own; the others append.
          // (Not in acks=0 requests: a failure there closes the connection, as in Kafka.)
          if (k % 6 === 1 && acks !== 0)
            partitionData.push({ index: PARTITIONS + 1, records: batchAt(0, 0, 2) })
          for (const p of partitions) produced[p]! += count
          const at = base + answers.length
          producer.send(ApiKey.Produce, 9, {
            transactionalId: null,
            acks,
            timeoutMs: 5000,
            topicData: [{ name: TOPIC, partitionData }],
          })
          if (acks !== 0) answers.push({ at, expect: expected })
        }
        await producer.waitFor(answers.at(-1)!.at + 1, 20_000)
        for (const a of answers) {
          const res = producer.response<ProduceResponse>(a.at).body
          const parts = res.responses[0]!.partitionResponses
          a.expect.forEach((base, j) => {
            expect(parts[j]!.errorCode).toBe(0)
            expect(parts[j]!.baseOffset).toBe(BigInt(base))
          })
          for (const p of parts.slice(a.expect.length)) expect(p.errorCode).not.toBe(0)
        }
        // The consumer reads every other window: what it skips, retention drops unread (memory).
        if ((r / WINDOW) % 2 === 1) await consume()
      }
      // acks=0 appends are done before the next request on the connection is answered.
      await consume()
      for (let p = 0; p < PARTITIONS; p++) expect(next[p]).toBe(produced[p])
      if (!retention) expect(verified).toBe(produced.reduce((a, b) => a + b, 0))
      else expect(Math.min(...logStart)).toBeGreaterThan(0)
      // Frames really were carried in given-back buffers (in memory, those the log adopted come
      // back only as retention drops them).
      expect(receiveBuffers.reused - reused0).toBeGreaterThan(REQUESTS / 5)
      // The memory log adopted every batch of the one-partition and three-partition requests.
      if (mode === 'memory')
        expect(adopt.mock.results.filter((r) => r.value !== undefined).length).toBe(
          REQUESTS / 5 + ((REQUESTS * 3) / 5) * PARTITIONS,
        )
    } finally {
      adopt.mockRestore()
      producer.close()
      consumer.close()
    }
  }, 60_000)
})
