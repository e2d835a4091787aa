// A client with a broken record encoder, end to end: @platformatic/kafka's Connection sends a
// Produce v11 whose batch bytes are hand-made (valid CRC, malformed records or timestamps), and
// the broker answers as Kafka does; nothing is appended. A well-formed batch with a wrong
// maxTimestamp is accepted and stored with the true one (KafkaJS's ListOffsets by timestamp sees it).

import { Connection, createAPI, produceV11, ResponseError, Writer } from '@platformatic/kafka'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { bytes, ATTR0, rawBatch, rawRecord, record } from '../protocol/records/raw-batch.ts'
import { startWithAdmin, type AdminHarness } from './helpers.ts'

interface PartitionResult {
  errorCode: number
  errorMessage: string | null
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[]
}

/** Produce v11 with `records` sent byte for byte (the library's record encoder is bypassed). */
const rawProduce = createAPI(
  0,
  11,
  (topic: string, records: Buffer) =>
    Writer.create()
      .appendString(null)
      .appendInt16(-1)
      .appendInt32(10_000)
      .appendArray([topic], (w, t) => {
        w.appendString(t).appendArray([records], (w, r) => {
          w.appendInt32(0)
            .appendUnsignedVarInt(r.length + 1)
            .append(r)
        })
      })
      .appendTaggedFields(),
  produceV11.parseResponse,
)

let h: AdminHarness
let conn: Connection

beforeAll(async () => {
  h = await startWithAdmin()
  await h.admin.createTopics({ topics: [{ topic: 'raw', numPartitions: 1 }], waitForLeaders: true })
  conn = new Connection('samsa-raw-produce-e2e')
  await conn.connect(h.broker.host, h.broker.port)
})

afterAll(async () => {
  await conn?.close()
  await h?.close()
})

async function produce(records: Buffer): Promise<PartitionResult> {
  try {
    const r = await rawProduce.async(conn, 'raw', records)
    return r.responses[0]!.partitionResponses[0]! as PartitionResult
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err
    const response = (err as ResponseError & { response: produceV11.ProduceResponse }).response
    return response.responses[0]!.partitionResponses[0]! as PartitionResult
  }
}

async function endOffset(): Promise<string> {
  const [p] = await h.admin.fetchTopicOffsets('raw')
  return p!.high
}

describe('Produce from a client with a broken record encoder', () => {
  it('refuses a record whose length disagrees with its fields (INVALID_RECORD)', async () => {
    const now = Date.now()
    // Declares 4 body bytes but its fields take 6: Kafka's "Invalid record size".
    const broken = rawRecord(bytes(ATTR0, 0, 0, -1, 1, 'v', 0), 4)
    const padded = Buffer.concat([broken, Buffer.alloc(2)])
    const r = await produce(rawBatch(padded, 1, { baseTs: now, maxTs: now }))
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD)
    expect(r.recordErrors).toEqual([])
    // A batch claiming more records than it holds.
    const short = await produce(rawBatch(record(), 2, { baseTs: now, maxTs: now }))
    expect(short.errorCode).toBe(ErrorCode.INVALID_RECORD)
    expect(await endOffset()).toBe('0')
  })

  it('refuses a record timestamp beyond the header maxTimestamp and after.max.ms (INVALID_TIMESTAMP)', async () => {
    const now = Date.now()
    const region = Buffer.concat([record(), record({ offset: 1, ts: 2 * 3_600_000 })])
    const r = await produce(rawBatch(region, 2, { baseTs: now, maxTs: now }))
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(r.recordErrors.map((e) => e.batchIndex)).toEqual([1])
    expect(await endOffset()).toBe('0')
  })

  it('accepts a well-formed batch with a wrong maxTimestamp and stores the true one', async () => {
    const now = Date.now()
    const region = Buffer.concat([record({ value: 'a', ts: 5 }), record({ value: 'b', offset: 1, ts: 1 })])
    // The header claims now+1; the records reach now+5.
    const r = await produce(rawBatch(region, 2, { baseTs: now, maxTs: now + 1 }))
    expect(r.errorCode).toBe(ErrorCode.NONE)
    expect(await endOffset()).toBe('2')
    // ListOffsets by timestamp follows the stored maxTimestamp: with the sent one the batch would
    // seem to end before now+3 and no offset would be found.
    const offsets = await h.admin.fetchTopicOffsetsByTimestamp('raw', now + 3)
    expect(offsets[0]!.offset).toBe('0')
  })
})
