// Connection behaviour with handlers written for the test: responses in request order whatever
// order handlers finish in, acks=0-style skipped responses, reading paused while a client does not
// read, refused oversize frames, malformed frames and unknown APIs closing only their connection,
// the UNSUPPORTED_VERSION fallback for ApiVersions, error responses from thrown KafkaErrors, and
// the idle timeout.

import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode, KafkaError } from '../../src/protocol/errors.ts'
import { ApiKey } from '../../src/protocol/generated/index.ts'
import { encodeRequestFrame } from '../../src/protocol/request-frame.ts'
import { decodeApiVersionsResponse } from '../../src/protocol/generated/18-api-versions.ts'
import { Reader } from '../../src/protocol/primitives/reader.ts'
import { Writable } from 'node:stream'
import { createLogger, silentLogger } from '../../src/broker/logger.ts'
import apiVersions from '../../src/broker/handlers/18-api-versions.ts'
import metadata from '../../src/broker/handlers/03-metadata.ts'
import { CloseConnection, defineHandler, NO_RESPONSE, type AnyHandler } from '../../src/broker/registry.ts'
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/broker/server.ts'
import { WireClient } from './wire-client.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

let broker: RunningBroker | undefined
const clients: WireClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await broker?.close()
  broker = undefined
})

async function start(handlers: readonly AnyHandler[], options: BrokerOptions = {}): Promise<RunningBroker> {
  broker = await startBroker({
    port: 0,
    memory: true,
    logger: silentLogger(),
    components: [],
    handlers: [apiVersions, metadata, ...handlers],
    ...options,
  })
  return broker
}

async function client(b: RunningBroker): Promise<WireClient> {
  const c = await WireClient.open(b.port)
  clients.push(c)
  return c
}

/** Heartbeat handler whose groupId says how long to wait ("delay:30") or to answer nothing ("silent"). */
function heartbeatHandler(finished: string[]): AnyHandler {
  return defineHandler(ApiKey.Heartbeat, {
    versions: [0, 4],
    async handle(_ctx, req) {
      const [kind, arg] = req.groupId.split(':')
      if (kind === 'silent') return NO_RESPONSE
      if (kind === 'close') return new CloseConnection('test')
      if (kind === 'fail') throw new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS)
      await sleep(Number(arg ?? 0))
      finished.push(req.groupId)
      return { throttleTimeMs: 0, errorCode: 0 }
    },
  })
}

describe('connection', () => {
  it('writes responses in request order while handlers finish out of order', async () => {
    const finished: string[] = []
    const b = await start([heartbeatHandler(finished)])
    const c = await client(b)
    const delays = [60, 5, 40, 0, 20, 10]
    const ids = delays.map((d) => c.send(ApiKey.Heartbeat, 3, { groupId: `delay:${d}`, memberId: 'm' }))
    await c.waitFor(ids.length)
    expect(c.arrivals).toEqual(ids)
    // The handlers really did finish in a different order from the requests.
    expect(finished).not.toEqual(delays.map((d) => `delay:${d}`))
    expect(finished[0]).toBe('delay:0')
  })

  it('consumes the place of a request that gets no response (acks=0) without writing anything', async () => {
    const b = await start([heartbeatHandler([])])
    const c = await client(b)
    const first = c.send(ApiKey.Heartbeat, 3, { groupId: 'delay:30' })
    c.send(ApiKey.Heartbeat, 3, { groupId: 'silent' })
    const third = c.send(ApiKey.Heartbeat, 3, { groupId: 'delay:0' })
    const fourth = c.send(ApiKey.ApiVersions, 3, { clientSoftwareName: 'wire', clientSoftwareVersion: '1' })
    await c.waitFor(3)
    await sleep(50)
    expect(c.arrivals).toEqual([first, third, fourth])
  })

  it('closes after writing every earlier response when a handler returns CloseConnection', async () => {
    const finished: string[] = []
    const b = await start([heartbeatHandler(finished)])
    const c = await client(b)
    const slow = c.send(ApiKey.Heartbeat, 3, { groupId: 'delay:80' })
    const fast = c.send(ApiKey.Heartbeat, 3, { groupId: 'delay:0' })
    c.send(ApiKey.Heartbeat, 3, { groupId: 'close' })
    c.send(ApiKey.Heartbeat, 3, { groupId: 'delay:0' })
    expect(await c.waitClosed()).toBe(true)
    // The earlier responses, though the first finished last, were written before the close; the
    // one after the closing request was not.
    expect(c.arrivals).toEqual([slow, fast])
  })

  it('answers a thrown KafkaError with the API error response', async () => {
    const b = await start([heartbeatHandler([])])
    const c = await client(b)
    c.send(ApiKey.Heartbeat, 4, { groupId: 'fail' })
    await c.waitFor(1)
    expect(c.response<{ errorCode: number }>(0).body.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
  })

  it('stops reading from a client that does not read its responses, and resumes when it does', async () => {
    let handled = 0
    const big = Buffer.alloc(1024 * 1024, 7)
    const syncGroup = defineHandler(ApiKey.SyncGroup, {
      versions: [0, 5],
      handle() {
        handled++
        return { throttleTimeMs: 0, errorCode: 0, protocolType: null, protocolName: null, assignment: big }
      },
    })
    const b = await start([syncGroup], { pendingBytesLimit: 256 * 1024 })
    const c = await client(b)
    c.socket.pause() // the client reads nothing
    const total = 150
    for (let i = 0; i < total; i++) c.send(ApiKey.SyncGroup, 3, { groupId: 'g', memberId: 'm' })
    await sleep(400)
    // Only what fits in the socket buffers plus the budget was handled: the rest waits unread.
    expect(handled).toBeGreaterThan(0)
    expect(handled).toBeLessThan(total / 2)
    c.socket.resume()
    await c.waitFor(total, 20_000)
    expect(handled).toBe(total)
    expect(c.arrivals).toEqual(Array.from({ length: total }, (_, i) => i + 1))
  })

  it('refuses a frame above socket.request.max.bytes before reading it, closing only that connection', async () => {
    const b = await start([], { config: { 'socket.request.max.bytes': 4096 } })
    const bad = await client(b)
    const good = await client(b)
    const header = Buffer.alloc(4)
    header.writeInt32BE(64 * 1024 * 1024)
    bad.writeRaw(header)
    expect(await bad.waitClosed()).toBe(true)
    good.send(ApiKey.ApiVersions, 2, {})
    await good.waitFor(1)
    expect(good.closed).toBe(false)
  })

  it('closes a connection that sends a malformed frame; other connections are unaffected', async () => {
    const b = await start([])
    const bad = await client(b)
    const good = await client(b)
    // Metadata v1 header, then a topic count of 1000 with no topics behind it.
    const body = Buffer.alloc(2 + 2 + 4 + 2 + 4 + 2)
    let o = body.writeInt16BE(ApiKey.Metadata, 0)
    o = body.writeInt16BE(1, o)
    o = body.writeInt32BE(7, o)
    o = body.writeInt16BE(-1, o)
    body.writeInt32BE(1000, o)
    const frame = Buffer.alloc(4 + body.length - 2)
    frame.writeInt32BE(body.length - 2)
    body.copy(frame, 4, 0, body.length - 2)
    bad.writeRaw(frame)
    expect(await bad.waitClosed()).toBe(true)
    expect(bad.responseCount).toBe(0)
    good.send(ApiKey.Metadata, 1, { topics: [] })
    await good.waitFor(1)
    expect(good.response<{ brokers: unknown[] }>(0).body.brokers).toHaveLength(1)
  })

  it('answers requests pipelined in one read in order, and those before a bad frame before closing', async () => {
    const b = await start([], { config: { 'socket.request.max.bytes': 4096 } })
    // One client write, so the broker reads every frame at once (its responses are corked).
    const many = await client(b)
    many.socket.cork()
    const ids: number[] = []
    for (let i = 0; i < 20; i++)
      ids.push(
        i % 2 === 0 ? many.send(ApiKey.ApiVersions, 2, {}) : many.send(ApiKey.Metadata, 1, { topics: [] }),
      )
    many.socket.uncork()
    await many.waitFor(20)
    expect(many.arrivals).toEqual(ids)
    expect(many.closed).toBe(false)

    // A malformed Metadata v1 frame (a topic count with no topics behind it) after a good request.
    const malformed = Buffer.alloc(4 + 2 + 2 + 4 + 2 + 4)
    malformed.writeInt32BE(malformed.length - 4)
    let o = malformed.writeInt16BE(ApiKey.Metadata, 4)
    o = malformed.writeInt16BE(1, o)
    o = malformed.writeInt32BE(99, o)
    o = malformed.writeInt16BE(-1, o)
    malformed.writeInt32BE(1000, o)
    const tooLarge = Buffer.alloc(4)
    tooLarge.writeInt32BE(64 * 1024 * 1024)
    for (const bad of [malformed, tooLarge]) {
      const c = await client(b)
      c.socket.cork()
      const id = c.send(ApiKey.ApiVersions, 2, {})
      c.writeRaw(bad)
      c.socket.uncork()
      expect(await c.waitClosed()).toBe(true)
      expect(c.arrivals).toEqual([id])
    }
  })

  it('closes on an API key it does not serve and on unsupported versions of other APIs', async () => {
    const b = await start([])
    const unknown = await client(b)
    const frame = Buffer.alloc(4 + 10)
    frame.writeInt32BE(10)
    frame.writeInt16BE(99, 4) // no such API
    frame.writeInt16BE(0, 6)
    frame.writeInt32BE(1, 8)
    frame.writeInt16BE(-1, 12)
    unknown.writeRaw(frame)
    expect(await unknown.waitClosed()).toBe(true)

    const tooNew = await client(b)
    const f2 = Buffer.from(frame)
    f2.writeInt16BE(ApiKey.Metadata, 4)
    f2.writeInt16BE(99, 6)
    tooNew.writeRaw(f2)
    expect(await tooNew.waitClosed()).toBe(true)
    expect(tooNew.responseCount).toBe(0)
  })

  it('answers an unsupported ApiVersions version with the v0-shaped UNSUPPORTED_VERSION reply', async () => {
    const b = await start([])
    const c = await client(b)
    // Header v2 (v9 would be flexible): key, version, correlation id, null client id, no tags.
    const frame = Buffer.alloc(4 + 11)
    frame.writeInt32BE(11)
    frame.writeInt16BE(ApiKey.ApiVersions, 4)
    frame.writeInt16BE(9, 6)
    frame.writeInt32BE(42, 8)
    frame.writeInt16BE(-1, 12)
    frame.writeUInt8(0, 14)
    c.writeRaw(frame)
    await c.waitFor(1)
    expect(c.closed).toBe(false)
    // Parse the raw frame: response header v0 (correlation id), ApiVersions v0 body.
    const raw = (c as unknown as { frames: Buffer[] }).frames[0]!
    expect(raw.readInt32BE(0)).toBe(42)
    const body = decodeApiVersionsResponse(new Reader(raw, 4), 0)
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION)
    expect(body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions)).toMatchObject({
      minVersion: 0,
      maxVersion: 4,
    })
  })

  it('closes connections idle for connections.max.idle.ms', async () => {
    const b = await start([], { config: { 'connections.max.idle.ms': 150 } })
    const c = await client(b)
    c.send(ApiKey.ApiVersions, 0, {})
    await c.waitFor(1)
    const t0 = Date.now()
    expect(await c.waitClosed(3000)).toBe(true)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100)
  })

  it('finishes in-flight requests on close() before shutting the connection', async () => {
    const b = await start([heartbeatHandler([])])
    const c = await client(b)
    const id = c.send(ApiKey.Heartbeat, 3, { groupId: 'delay:150' })
    await sleep(20)
    const closing = b.close()
    broker = undefined
    await c.waitFor(1)
    expect(c.arrivals).toEqual([id])
    await closing
    expect(await c.waitClosed()).toBe(true)
  })

  it('pauses every connection while the global in-flight budget is spent', async () => {
    let release: (() => void) | undefined
    const gate = new Promise<void>((r) => (release = r))
    let started = 0
    const slow = defineHandler(ApiKey.SyncGroup, {
      versions: [0, 5],
      async handle() {
        started++
        await gate
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          protocolType: null,
          protocolName: null,
          assignment: Buffer.alloc(0),
        }
      },
    })
    // Each request carries a 64 KiB assignment; the budget holds about two of them.
    const b = await start([slow], { config: { 'queued.max.request.bytes': 128 * 1024 } })
    const c1 = await client(b)
    const c2 = await client(b)
    const payload = {
      groupId: 'g',
      memberId: 'm',
      assignments: [{ memberId: 'm', assignment: Buffer.alloc(64 * 1024) }],
    }
    for (let i = 0; i < 5; i++) c1.send(ApiKey.SyncGroup, 3, payload)
    await sleep(100)
    for (let i = 0; i < 5; i++) c2.send(ApiKey.SyncGroup, 3, payload)
    await sleep(200)
    expect(started).toBeLessThan(10)
    release!()
    await c1.waitFor(5)
    await c2.waitFor(5)
    expect(started).toBe(10)
  })

  it('logs decoded requests and responses at trace level, with byte payloads elided', async () => {
    const lines: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((l) => l !== ''),
        )
        done()
      },
    })
    const syncGroup = defineHandler(ApiKey.SyncGroup, {
      versions: [0, 5],
      handle: () => ({
        throttleTimeMs: 0,
        errorCode: 0,
        protocolType: null,
        protocolName: null,
        assignment: Buffer.alloc(300),
      }),
    })
    const b = await start([syncGroup], { logger: createLogger({ level: 'trace', destination }) })
    const c = await client(b)
    c.send(ApiKey.SyncGroup, 3, {
      groupId: 'traced',
      memberId: 'm',
      assignments: [{ memberId: 'm', assignment: Buffer.alloc(5) }],
    })
    await c.waitFor(1)
    await sleep(20)
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const req = entries.find((e) => e.msg === 'request')
    const res = entries.find((e) => e.msg === 'response')
    expect(req).toMatchObject({
      api: 'SyncGroup',
      v: 3,
      corr: 1,
      clientId: 'wire-test',
      request: { groupId: 'traced' },
    })
    expect((req!.request as { assignments: Array<{ assignment: string }> }).assignments[0]!.assignment).toBe(
      '<5 bytes>',
    )
    expect(res).toMatchObject({ api: 'SyncGroup', response: { assignment: '<300 bytes>' } })
  })

  it('counts frames still being received against the global budget', async () => {
    let handled = 0
    const sync = defineHandler(ApiKey.SyncGroup, {
      versions: [0, 5],
      handle() {
        handled++
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          protocolType: null,
          protocolName: null,
          assignment: Buffer.alloc(0),
        }
      },
    })
    const b = await start([sync], { config: { 'queued.max.request.bytes': 256 * 1024 } })
    const slow = await client(b)
    // A 1 MiB SyncGroup request, of which only the first 600 KiB arrive for now.
    const big = Buffer.concat(
      encodeRequestFrame(
        { apiKey: ApiKey.SyncGroup, apiVersion: 3, correlationId: 1, clientId: 'slow' },
        {
          groupId: 'g',
          memberId: 'm',
          assignments: [{ memberId: 'm', assignment: Buffer.alloc(1024 * 1024) }],
        },
      ),
    )
    slow.writeRaw(big.subarray(0, 600 * 1024))
    await sleep(150)
    // A client arriving now is not read while the half-received frame holds the budget.
    const late = await client(b)
    late.send(ApiKey.SyncGroup, 3, { groupId: 'g', memberId: 'm' })
    await sleep(200)
    expect(handled).toBe(0)
    expect(late.responseCount).toBe(0)
    // The slow client may finish its frame; then the budget frees up and both are answered.
    slow.writeRaw(big.subarray(600 * 1024))
    await slow.waitFor(1)
    await late.waitFor(1)
    expect(handled).toBe(2)
  })

  it('gives the budget back when a connection closes mid-frame or after a malformed frame', async () => {
    const b = await start([], { config: { 'queued.max.request.bytes': 64 * 1024 } })
    const budget = (): number => b.stats().requestBytes
    // A partial 1 MiB frame, then a hang-up.
    const partial = await client(b)
    const header = Buffer.alloc(4 + 8)
    header.writeInt32BE(1024 * 1024)
    header.writeInt16BE(ApiKey.ApiVersions, 4)
    partial.writeRaw(Buffer.concat([header, Buffer.alloc(100 * 1024)]))
    await sleep(100)
    expect(budget()).toBeGreaterThan(0)
    partial.close()
    await sleep(100)
    expect(budget()).toBe(0)
    // A malformed frame followed, in the same write, by the start of another.
    const bad = await client(b)
    const junk = Buffer.alloc(4 + 10)
    junk.writeInt32BE(10)
    junk.writeInt16BE(ApiKey.Metadata, 4)
    junk.writeInt16BE(1, 6)
    junk.writeInt32BE(0x7fffffff, 10)
    const next = Buffer.alloc(4 + 100)
    next.writeInt32BE(200 * 1024)
    bad.writeRaw(Buffer.concat([junk, next]))
    expect(await bad.waitClosed()).toBe(true)
    await sleep(50)
    expect(budget()).toBe(0)
    // And the broker still reads new clients.
    const good = await client(b)
    good.send(ApiKey.ApiVersions, 2, {})
    await good.waitFor(1)
  })
})
