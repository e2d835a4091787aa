// The write-completion signal (RequestContext.afterResponseWritten → DispatchOutcome.onWritten):
// it runs only once the socket has handed the whole response to the kernel — not while a client
// that does not read leaves most of it queued — and it runs exactly once whatever happens instead:
// the client closing mid-response, a response queued behind a slower one when the connection
// closes, an error response, no response at all.

import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/broker/logger.ts'
import apiVersions from '../../src/broker/handlers/18-api-versions.ts'
import { defineHandler, NO_RESPONSE, type AnyHandler } from '../../src/broker/registry.ts'
import { startBroker, type RunningBroker } from '../../src/broker/server.ts'
import { ErrorCode, KafkaError } from '../../src/protocol/errors.ts'
import { ApiKey, type FetchResponse } from '../../src/protocol/generated/index.ts'
import { ZERO_UUID } from '../../src/protocol/primitives/uuid.ts'
import { WireClient } from './wire-client.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
/** Far more than loopback's socket buffers hold, so a client that does not read stalls the write. */
const BIG = 24 << 20

let broker: RunningBroker | undefined
const clients: WireClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await broker?.close()
  broker = undefined
})

/** Per request (by fetch sessionId): how often its callback ran, and what to answer. */
interface Probe {
  calls: number
}

/**
 * A Fetch handler whose sessionId picks the behaviour: 1 answers BIG bytes of records, 2 throws,
 * 3 answers nothing, 4 waits 200 ms and answers small. Each request registers a callback.
 */
function probeHandler(probes: Probe[]): AnyHandler {
  return defineHandler(ApiKey.Fetch, {
    versions: [4, 18],
    async handle(ctx, req) {
      const probe: Probe = { calls: 0 }
      probes.push(probe)
      ctx.afterResponseWritten?.(() => probe.calls++)
      if (req.sessionId === 2) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER)
      if (req.sessionId === 3) return NO_RESPONSE
      if (req.sessionId === 4) await sleep(200)
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: 't',
            topicId: ZERO_UUID,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                highWatermark: 1n,
                lastStableOffset: 1n,
                logStartOffset: 0n,
                abortedTransactions: null,
                preferredReadReplica: -1,
                records: Buffer.alloc(req.sessionId === 1 ? BIG : 10, 0x5a),
              },
            ],
          },
        ],
        nodeEndpoints: [],
      }
    },
  })
}

function fetchBody(sessionId: number): object {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 30,
    isolationLevel: 0,
    sessionId,
    sessionEpoch: -1,
    topics: [],
    forgottenTopicsData: [],
    rackId: '',
  }
}

async function setUp(): Promise<{ probes: Probe[]; c: WireClient }> {
  const probes: Probe[] = []
  broker = await startBroker({
    port: 0,
    memory: true,
    logger: silentLogger(),
    components: [],
    handlers: [apiVersions, probeHandler(probes)],
  })
  const c = await WireClient.open(broker.port)
  clients.push(c)
  return { probes, c }
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

describe('response written signal', () => {
  it('runs only after a stalled response has been handed to the kernel in full', async () => {
    const { probes, c } = await setUp()
    c.socket.pause()
    c.send(ApiKey.Fetch, 12, fetchBody(1))
    await until(() => probes.length === 1, 'the request')
    await sleep(300)
    // The client reads nothing: most of the response is still queued in the broker.
    expect(probes[0]!.calls).toBe(0)
    c.socket.resume()
    await c.waitFor(1, 10_000)
    await until(() => probes[0]!.calls === 1, 'the callback')
    const body = c.response<FetchResponse>(0).body
    expect(body.responses[0]!.partitions[0]!.records!.length).toBe(BIG)
    await sleep(50)
    expect(probes[0]!.calls).toBe(1)
  })

  it('runs once when the client closes mid-response, and for a response queued behind it', async () => {
    const { probes, c } = await setUp()
    c.socket.pause()
    c.send(ApiKey.Fetch, 12, fetchBody(1))
    c.send(ApiKey.Fetch, 12, fetchBody(4))
    await until(() => probes.length === 2, 'both requests')
    await sleep(300)
    expect(probes.map((p) => p.calls)).toEqual([0, 0])
    c.close()
    await until(() => probes.every((p) => p.calls === 1), 'the callbacks')
    await sleep(50)
    expect(probes.map((p) => p.calls)).toEqual([1, 1])
  })

  it('runs once for an error response and for a request answered with nothing', async () => {
    const { probes, c } = await setUp()
    c.send(ApiKey.Fetch, 12, fetchBody(2))
    c.send(ApiKey.Fetch, 12, fetchBody(3))
    c.send(ApiKey.Fetch, 12, fetchBody(0))
    await c.waitFor(2)
    expect(c.response<FetchResponse>(0).body.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    await until(() => probes.length === 3 && probes.every((p) => p.calls === 1), 'the callbacks')
    await sleep(50)
    expect(probes.map((p) => p.calls)).toEqual([1, 1, 1])
  })
})
