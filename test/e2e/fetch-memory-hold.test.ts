// Fetch in memory mode returns views of the log's blocks and adopted receive buffers, and holds
// them from reuse only until the response is written (src/storage/memory/block-pool.ts). With
// poisoning on, a block or buffer reused while a response still refers to it turns that
// response's bytes into 0xdb: this test runs a real broker in memory with the bench's retention
// (4 MiB, 1 MiB segments), lets a consumer ask for the whole log and stop reading its socket,
// produces several times the retention meanwhile (retention drops every fetched batch and the
// memory is reused for new ones, as other consumers keep fetching), then reads the stalled response
// and checks every byte (batch CRC and each record's value) against what was produced.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ApiKey, type FetchResponse, type ProduceResponse } from '../../src/protocol/generated/index.ts'
import { receiveBuffers } from '../../src/protocol/receive-buffers.ts'
import { BlockPool, type Block } from '../../src/storage/memory/block-pool.ts'
import { WireClient } from '../broker/wire-client.ts'
import { startWithAdmin, type AdminHarness } from './helpers.ts'
import { fetchBody, patternedBatch, verifyPatterned } from './patterned-records.ts'

const TOPIC = 'held'
const VALUE_BYTES = 1500
/** Records per request, in turn: adopted (~75 KB of a 128 KiB buffer), packed, a block of its own. */
const COUNTS = [50, 1, 12]
const WINDOW = 6
/** Fetches of the whole log (~3.8 MB each) the stalled consumer sends: more than socket buffers hold. */
const STALLED_FETCHES = 4

const poisonEnv = process.env['SAMSA_POISON_RELEASED']
const wasPoisoned = receiveBuffers.poison
let h: AdminHarness
let produced = 0

/** Produces `requests` one-partition requests, WINDOW at a time, checking their offsets. */
async function produce(c: WireClient, requests: number): Promise<void> {
  for (let r = 0; r < requests; r += WINDOW) {
    const base = c.responseCount
    const expected: number[] = []
    for (let k = r; k < Math.min(requests, r + WINDOW); k++) {
      const count = COUNTS[k % COUNTS.length]!
      expected.push(produced)
      c.send(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          {
            name: TOPIC,
            partitionData: [{ index: 0, records: patternedBatch(0, produced, count, VALUE_BYTES) }],
          },
        ],
      })
      produced += count
    }
    await c.waitFor(base + expected.length, 20_000)
    expected.forEach((offset, j) => {
      const p = c.response<ProduceResponse>(base + j).body.responses[0]!.partitionResponses[0]!
      expect(p.errorCode).toBe(0)
      expect(p.baseOffset).toBe(BigInt(offset))
    })
  }
}

/** Sends a Fetch of the whole log from `offset` (a response of several MiB). */
function sendFetch(c: WireClient, offset: number): number {
  const i = c.responseCount
  c.send(ApiKey.Fetch, 12, fetchBody(TOPIC, [offset], { partitionMaxBytes: 64 << 20, maxBytes: 64 << 20 }))
  return i
}

beforeAll(async () => {
  // Read by every BlockPool the memory log store creates, and set on the shared receive pool.
  process.env['SAMSA_POISON_RELEASED'] = '1'
  receiveBuffers.poison = true
  h = await startWithAdmin({ memory: true })
  await h.admin.createTopics({
    topics: [
      {
        topic: TOPIC,
        numPartitions: 1,
        configEntries: [
          { name: 'segment.bytes', value: String(1 << 20) },
          { name: 'retention.bytes', value: String(4 << 20) },
        ],
      },
    ],
  })
}, 30_000)

afterAll(async () => {
  await h?.close()
  if (poisonEnv === undefined) delete process.env['SAMSA_POISON_RELEASED']
  else process.env['SAMSA_POISON_RELEASED'] = poisonEnv
  receiveBuffers.poison = wasPoisoned
})

describe('Fetch holds memory-log blocks until its response is written (poisoned on reuse)', () => {
  it('serves a stalled response intact while retention and new appends recycle memory', async () => {
    const producer = await WireClient.open(h.broker.port)
    const stalled = await WireClient.open(h.broker.port)
    const reader = await WireClient.open(h.broker.port)
    // Pooled blocks handed out again (the same buffer taken twice).
    const take = vi.spyOn(BlockPool.prototype, 'take')
    const reusedBlocks = (): number => {
      const bufs = take.mock.results.map((r) => (r.value as Block).buf)
      return bufs.length - new Set(bufs).size
    }
    try {
      await produce(producer, 120) // ~3.8 MB: just under the retention, all still in the log
      const reused0 = receiveBuffers.reused
      const blocks0 = reusedBlocks()

      // A consumer that asks for the whole log several times and does not read: the kernel's
      // socket buffers take a few MiB, the rest of the responses stays queued in the broker as
      // views of the log's memory.
      stalled.socket.pause()
      const at = stalled.responseCount
      for (let k = 0; k < STALLED_FETCHES; k++) sendFetch(stalled, 0)
      const end = produced
      await new Promise((r) => setTimeout(r, 200))

      // Several times the retention more: every batch the stalled response holds is dropped, and
      // a reading consumer's views are released and reused all along.
      let next = 0
      for (let round = 0; round < 6; round++) {
        await produce(producer, 60)
        const i = sendFetch(reader, next)
        await reader.waitFor(i + 1, 20_000)
        const p = reader.response<FetchResponse>(i).body.responses[0]!.partitions[0]!
        if (p.errorCode === 0) {
          next = verifyPatterned(0, p.records, next, VALUE_BYTES)
        } else {
          // Retention passed the reader by (OFFSET_OUT_OF_RANGE): start at the log start.
          expect(p.errorCode).toBe(1)
          next = Number(p.logStartOffset)
        }
      }
      expect(stalled.responseCount).toBe(at)
      // Memory really was recycled while the stalled response was pending.
      expect(receiveBuffers.reused - reused0).toBeGreaterThan(20)
      expect(reusedBlocks() - blocks0).toBeGreaterThan(5)

      stalled.socket.resume()
      await stalled.waitFor(at + STALLED_FETCHES, 20_000)
      for (let k = 0; k < STALLED_FETCHES; k++) {
        const p = stalled.response<FetchResponse>(at + k).body.responses[0]!.partitions[0]!
        expect(p.errorCode).toBe(0)
        expect(verifyPatterned(0, p.records, 0, VALUE_BYTES)).toBe(end)
      }
    } finally {
      take.mockRestore()
      producer.close()
      stalled.close()
      reader.close()
    }
  }, 60_000)
})
