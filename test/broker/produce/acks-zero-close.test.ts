// acks=0 Produce over a real socket: a request whose partitions all succeed is answered by nothing
// and the connection stays usable; one with a failing partition (or a whole-request error) closes
// the connection after the responses to earlier requests, as Kafka's KafkaApis does, so the
// producer learns of the failure by the disconnect.

import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/broker/logger.ts'
import { startBroker, type RunningBroker } from '../../../src/broker/server.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ApiKey } from '../../../src/protocol/generated/index.ts'
import { batch } from '../handlers/data-path-harness.ts'
import { WireClient } from '../wire-client.ts'

let broker: RunningBroker | undefined
const clients: WireClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await broker?.close()
  broker = undefined
})

async function setup(): Promise<{ b: RunningBroker; c: WireClient }> {
  broker = await startBroker({ port: 0, memory: true, logger: silentLogger(), components: [] })
  const c = await WireClient.open(broker.port)
  clients.push(c)
  c.send(ApiKey.CreateTopics, 7, {
    topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  })
  await c.waitFor(1)
  expect(c.response<{ topics: Array<{ errorCode: number }> }>(0).body.topics[0]!.errorCode).toBe(0)
  return { b: broker, c }
}

function produce(topic: string, partition: number, records: Buffer, acks = 0) {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  }
}

const metadataV12 = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }

describe('acks=0 Produce over the wire', () => {
  it('answers nothing on success and keeps the connection', async () => {
    const { b, c } = await setup()
    c.send(ApiKey.Produce, 9, produce('t', 0, batch(['a'])))
    const meta = c.send(ApiKey.Metadata, 12, metadataV12)
    await c.waitFor(2)
    expect(c.arrivals.slice(1)).toEqual([meta])
    expect(c.closed).toBe(false)
    expect(b.services.topics.partition('t', 0)!.logEndOffset()).toBe(1n)
  })

  it('closes the connection after the earlier responses when a partition fails', async () => {
    const { b, c } = await setup()
    const before = c.send(ApiKey.Metadata, 12, metadataV12)
    c.send(ApiKey.Produce, 9, produce('t', 7, batch(['x']))) // no partition 7
    const after = c.send(ApiKey.Metadata, 12, metadataV12)
    expect(await c.waitClosed()).toBe(true)
    // The response before the failed produce was written; the one after it was not.
    expect(c.arrivals.slice(1)).toEqual([before])
    expect(c.arrivals).not.toContain(after)

    // Other connections are unaffected, and a new one works.
    const d = await WireClient.open(b.port)
    clients.push(d)
    d.send(ApiKey.Produce, 9, produce('t', 0, batch(['ok'])))
    const acked = d.send(ApiKey.Produce, 9, produce('t', 0, batch(['acked']), 1))
    await d.waitFor(1)
    expect(d.arrivals).toEqual([acked])
    const res = d.response<{
      responses: Array<{ partitionResponses: Array<{ errorCode: number; baseOffset: bigint }> }>
    }>(0)
    expect(res.body.responses[0]!.partitionResponses[0]).toMatchObject({
      errorCode: ErrorCode.NONE,
      baseOffset: 1n,
    })
  })

  it('closes the connection on a whole-request error (transactional batch without transactional id)', async () => {
    const { c } = await setup()
    const txn = batch(['a'], { transactional: true, producerId: 1n, producerEpoch: 0, baseSequence: 0 })
    c.send(ApiKey.Produce, 9, produce('t', 0, txn))
    expect(await c.waitClosed()).toBe(true)
    expect(c.responseCount).toBe(1) // only CreateTopics
  })

  it('closes the connection when a batch is rejected by validation', async () => {
    const { c } = await setup()
    const bad = batch(['a'])
    bad[bad.length - 1]! ^= 0xff // CRC no longer matches: CORRUPT_MESSAGE
    c.send(ApiKey.Produce, 9, produce('t', 0, bad))
    expect(await c.waitClosed()).toBe(true)
  })
})
