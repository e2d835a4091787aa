// Transactions v2 (KIP-890 part 2) end to end. No installed stock client speaks it (KafkaJS,
// librdkafka 2.0.2 and @platformatic/kafka 2.12 stop at EndTxn v4 / Produce v11; Java ≥ 4.0 and
// franz-go do, but neither runs here), so these flows run through our own protocol client
// (src/client) at the new versions: Produce v12 without AddPartitionsToTxn, TxnOffsetCommit v5
// without AddOffsetsToTxn, EndTxn v5 with its epoch bump. Every frame passes through a recording
// proxy and is decoded again with an independent reader driven by Kafka's JSON message specs
// (kafka-json-spec.ts), so what is on the wire is checked against Kafka's layouts, not our own.
// The specs are the 4.0 snapshot, which stops at Produce v11 and TxnOffsetCommit v4: Kafka 4.0 says
// "Version 12 is the same as version 11" and "Version 5 is the same as version 4", so those are
// read with the older layouts.

import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import { Client, type TopicInfo } from '../../src/client/client.ts'
import type { Connection } from '../../src/client/connection.ts'
import { fetchPartitions } from '../../src/client/fetch.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { readRecords } from '../../src/protocol/records/records.ts'
import { testBroker } from './helpers.ts'
import { decodeRequest, decodeResponse, specsPresent, type Decoded } from './kafka-json-spec.ts'

const PRODUCE = 0
const END_TXN = 26
const TXN_OFFSET_COMMIT = 28
const API_VERSIONS = 18

/** A TCP proxy that records every frame each way (size prefix stripped). */
class RecordingProxy {
  readonly requests: Buffer[] = []
  readonly responses: Buffer[] = []
  target = 0
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  async start(): Promise<number> {
    this.server = createServer((client) => this.pipe(client))
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    return (this.server.address() as { port: number }).port
  }

  private pipe(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.target })
    this.sockets.add(client).add(upstream)
    const tap = (into: Buffer[]) => {
      let pending = Buffer.alloc(0)
      return (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const size = pending.readInt32BE(0)
          into.push(Buffer.from(pending.subarray(4, 4 + size)))
          pending = pending.subarray(4 + size)
        }
      }
    }
    client.on('data', tap(this.requests))
    upstream.on('data', tap(this.responses))
    client.pipe(upstream)
    upstream.pipe(client)
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r())
  }

  /** Every request/response pair seen, decoded with Kafka's JSON specs. */
  exchanges(): Array<{ apiKey: number; apiVersion: number; request: Decoded; response: Decoded }> {
    // Produce 12 = 11 and TxnOffsetCommit 5 = 4 on the wire (Kafka 4.0's spec comments).
    const layout = (key: number, v: number) =>
      key === PRODUCE && v === 12 ? 11 : key === TXN_OFFSET_COMMIT && v === 5 ? 4 : v
    const byCorrelation = new Map<number, Buffer>()
    for (const f of this.responses) byCorrelation.set(f.readInt32BE(0), f)
    const out = []
    for (const frame of this.requests) {
      const req = decodeRequest(frame, layout)
      const res = byCorrelation.get(req.correlationId)
      if (res === undefined) continue
      const refused = req.apiKey === API_VERSIONS && res.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION
      const sv = refused ? 0 : layout(req.apiKey, req.apiVersion)
      out.push({
        apiKey: req.apiKey,
        apiVersion: req.apiVersion,
        request: req.body,
        response: decodeResponse(res, req.apiKey, req.apiVersion, sv).body,
      })
    }
    return out
  }
}

/** A transactions v2 producer, written against the protocol as Kafka 4's clients use it. */
class V2Producer {
  producerId = -1n
  epoch = -1
  private readonly sequences = new Map<string, number>()
  private coordinator: Connection | undefined

  private readonly client: Client
  readonly transactionalId: string

  constructor(client: Client, transactionalId: string) {
    this.client = client
    this.transactionalId = transactionalId
  }

  private async txnCoordinator(): Promise<Connection> {
    if (this.coordinator !== undefined && !this.coordinator.closed) return this.coordinator
    const conn = await this.client.any()
    const { body } = await conn.send('FindCoordinator', {
      keyType: 1,
      coordinatorKeys: [this.transactionalId],
    })
    const c = body.coordinators[0]!
    expect(c.errorCode).toBe(ErrorCode.NONE)
    this.coordinator = await this.client.node(c.nodeId)
    return this.coordinator
  }

  async init(): Promise<number> {
    const conn = await this.txnCoordinator()
    for (;;) {
      const { version, body } = await conn.send('InitProducerId', {
        transactionalId: this.transactionalId,
        transactionTimeoutMs: 60_000,
        producerId: this.producerId,
        producerEpoch: this.epoch,
      })
      expect(version).toBe(5)
      if (body.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) continue
      if (body.errorCode === ErrorCode.NONE) {
        this.producerId = body.producerId
        this.epoch = body.producerEpoch
        this.sequences.clear()
      }
      return body.errorCode
    }
  }

  /** One transactional batch per partition, in one Produce v12 request; the per-partition codes. */
  async send(topic: TopicInfo, values: ReadonlyMap<number, string[]>): Promise<number[]> {
    const conn = await this.client.leader(topic, [...values.keys()][0]!)
    const { version, body } = await conn.send('Produce', {
      transactionalId: this.transactionalId,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        {
          name: topic.name,
          partitionData: [...values].map(([index, vs]) => {
            const key = `${topic.name}-${index}`
            const seq = this.sequences.get(key) ?? 0
            this.sequences.set(key, seq + vs.length)
            return {
              index,
              records: buildRecordBatch({
                producerId: this.producerId,
                producerEpoch: this.epoch,
                baseSequence: seq,
                transactional: true,
                records: vs.map((v) => ({ value: Buffer.from(v) })),
              }),
            }
          }),
        },
      ],
    })
    expect(version).toBe(12)
    return body.responses.flatMap((t) => t.partitionResponses.map((p) => p.errorCode))
  }

  async sendOffsets(groupId: string, topic: string, partition: number, offset: bigint): Promise<number> {
    const conn = await this.client.coordinator(groupId)
    const { version, body } = await conn.send('TxnOffsetCommit', {
      transactionalId: this.transactionalId,
      groupId,
      producerId: this.producerId,
      producerEpoch: this.epoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: null }],
        },
      ],
    })
    expect(version).toBe(5)
    return body.topics[0]!.partitions[0]!.errorCode
  }

  /** EndTxn v5: the producer goes on with the id/epoch the answer carries (sequences restart). */
  async end(commit: boolean): Promise<number> {
    const conn = await this.txnCoordinator()
    const { version, body } = await conn.send('EndTxn', {
      transactionalId: this.transactionalId,
      producerId: this.producerId,
      producerEpoch: this.epoch,
      committed: commit,
    })
    expect(version).toBe(5)
    if (body.errorCode === ErrorCode.NONE) {
      this.producerId = body.producerId
      this.epoch = body.producerEpoch
      this.sequences.clear()
    }
    return body.errorCode
  }
}

async function readAll(client: Client, topic: TopicInfo, isolationLevel: 0 | 1): Promise<string[]> {
  const positions = new Map(topic.partitions.map((p) => [p.partition, 0n]))
  const parts = await fetchPartitions(client, topic, positions, { maxWaitMs: 0, isolationLevel })
  return parts.flatMap((p) => p.records.map((r) => r.value!.toString())).sort()
}

describe.skipIf(!specsPresent)(
  'transactions v2 through our protocol client, checked against Kafka JSON specs',
  () => {
    let dir: string
    let broker: RunningBroker
    let proxy: RecordingProxy
    let client: Client
    let port: number

    async function start(): Promise<void> {
      broker = await testBroker({
        memory: false,
        dataDir: dir,
        ...(port === undefined ? {} : { port }),
        config: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` },
      })
      port = broker.port
      proxy.target = port
      client = new Client({ bootstrap: `127.0.0.1:${proxyPort}`, clientId: 'samsa-tv2' })
    }
    let proxyPort: number

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'samsa-txn-v2-'))
      proxy = new RecordingProxy()
      proxyPort = await proxy.start()
      await start()
      const conn = await client.any()
      await conn.send('CreateTopics', {
        topics: ['v2-out', 'v2-in'].map((name) => ({
          name,
          numPartitions: 2,
          replicationFactor: 1,
          assignments: [],
          configs: [],
        })),
        timeoutMs: 5000,
      })
    })

    afterAll(async () => {
      await client?.close()
      await broker?.close()
      await proxy?.close()
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    })

    it('finalizes transaction.version 2 and advertises Produce 12, EndTxn 5, TxnOffsetCommit 5', async () => {
      const conn = await client.any()
      expect(conn.featureLevel('transaction.version')).toBe(2)
      expect(conn.brokerVersions.get(PRODUCE)!.max).toBe(12)
      expect(conn.brokerVersions.get(END_TXN)!.max).toBe(5)
      expect(conn.brokerVersions.get(TXN_OFFSET_COMMIT)!.max).toBe(5)
      const apiVersions = proxy.exchanges().filter((e) => e.apiKey === API_VERSIONS && e.apiVersion >= 3)
      const last = apiVersions.at(-1)!.response
      expect(last.FinalizedFeatures).toEqual([
        { Name: 'transaction.version', MaxVersionLevel: 2, MinVersionLevel: 2 },
      ])
      expect(last.FinalizedFeaturesEpoch as bigint).toBeGreaterThan(0n)
      // v4 lists transaction.version as supported from 0; v3 must not (KAFKA-17492).
      expect(last.SupportedFeatures ?? []).toEqual(
        apiVersions.at(-1)!.apiVersion >= 4
          ? [{ Name: 'transaction.version', MinVersion: 0, MaxVersion: 2 }]
          : [],
      )
    })

    it('commits and aborts with an epoch bump per transaction; read_committed sees the commits only', async () => {
      const out = await client.topic('v2-out')
      const p = new V2Producer(client, 'tv2-a')
      expect(await p.init()).toBe(ErrorCode.NONE)
      const e0 = p.epoch
      expect(
        await p.send(
          out,
          new Map([
            [0, ['c1', 'c2']],
            [1, ['c3']],
          ]),
        ),
      ).toEqual([ErrorCode.NONE, ErrorCode.NONE])
      expect(await p.end(true)).toBe(ErrorCode.NONE)
      expect(p.epoch).toBe(e0 + 1)
      expect(await p.send(out, new Map([[0, ['a1']]]))).toEqual([ErrorCode.NONE])
      expect(await readAll(client, out, 1)).toEqual(['c1', 'c2', 'c3'])
      expect(await p.end(false)).toBe(ErrorCode.NONE)
      expect(p.epoch).toBe(e0 + 2)
      expect(await readAll(client, out, 1)).toEqual(['c1', 'c2', 'c3'])
      expect(await readAll(client, out, 0)).toEqual(['a1', 'c1', 'c2', 'c3'])

      const wire = proxy.exchanges()
      expect(wire.some((e) => e.apiKey === 24 || e.apiKey === 25)).toBe(false) // no AddPartitions/AddOffsets
      const ends = wire.filter((e) => e.apiKey === END_TXN)
      expect(
        ends.map((e) => [e.request.Committed, e.request.ProducerEpoch, e.response.ProducerEpoch]),
      ).toEqual([
        [true, e0, e0 + 1],
        [false, e0 + 1, e0 + 2],
      ])
      expect(ends.every((e) => e.response.ProducerId === p.producerId && e.response.ErrorCode === 0)).toBe(
        true,
      )
      const produces = wire.filter((e) => e.apiKey === PRODUCE && e.request.TransactionalId === 'tv2-a')
      expect(produces.map((e) => e.apiVersion)).toEqual([12, 12])
    })

    it('fences zombies: the epoch before a commit, and a producer replaced by InitProducerId', async () => {
      const out = await client.topic('v2-out')
      const p = new V2Producer(client, 'tv2-zombie')
      await p.init()
      await p.send(out, new Map([[1, ['z1']]]))
      const zombie = Object.assign(new V2Producer(client, 'tv2-zombie'), {
        producerId: p.producerId,
        epoch: p.epoch,
      })
      expect(await p.end(true)).toBe(ErrorCode.NONE)
      // The epoch the commit retired: rejected at the partition and at the coordinator.
      expect(await zombie.send(out, new Map([[1, ['late']]]))).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH])
      expect(await zombie.send(out, new Map([[0, ['late']]]))).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH])

      // A new instance takes over while the old one has a transaction open: the old one's work is
      // aborted and its EndTxn fenced.
      await p.send(out, new Map([[0, ['open']]]))
      const successor = new V2Producer(client, 'tv2-zombie')
      expect(await successor.init()).toBe(ErrorCode.NONE)
      expect(successor.producerId).toBe(p.producerId)
      expect(successor.epoch).toBeGreaterThan(p.epoch)
      expect(await p.end(true)).toBe(ErrorCode.PRODUCER_FENCED)
      expect(await p.send(out, new Map([[0, ['after']]]))).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH])
      const committed = await readAll(client, out, 1)
      expect(committed).toContain('z1')
      expect(committed).not.toContain('open')
    })

    it('commits consumed offsets with TxnOffsetCommit v5 and no AddOffsetsToTxn', async () => {
      const out = await client.topic('v2-out')
      const p = new V2Producer(client, 'tv2-offsets')
      await p.init()
      await p.send(out, new Map([[0, ['o1']]]))
      expect(await p.sendOffsets('tv2-group', 'v2-in', 1, 42n)).toBe(ErrorCode.NONE)
      const fetchOffset = async () => {
        const conn = await client.coordinator('tv2-group')
        const { version, body } = await conn.send('OffsetFetch', (v) =>
          v >= 8
            ? {
                groups: [{ groupId: 'tv2-group', topics: [{ name: 'v2-in', partitionIndexes: [1] }] }],
                requireStable: true,
              }
            : {
                groupId: 'tv2-group',
                topics: [{ name: 'v2-in', partitionIndexes: [1] }],
                requireStable: true,
              },
        )
        const topics = version >= 8 ? body.groups[0]!.topics : body.topics
        return topics[0]?.partitions[0]?.committedOffset ?? -1n
      }
      expect(await p.end(true)).toBe(ErrorCode.NONE)
      expect(await fetchOffset()).toBe(42n)
      // An aborted transaction's offsets are dropped.
      await p.sendOffsets('tv2-group', 'v2-in', 1, 99n)
      expect(await p.end(false)).toBe(ErrorCode.NONE)
      expect(await fetchOffset()).toBe(42n)
      expect(proxy.exchanges().some((e) => e.apiKey === 25)).toBe(false)
    })

    it('survives a broker restart in the middle of a transaction', async () => {
      const out = await client.topic('v2-out')
      const p = new V2Producer(client, 'tv2-restart')
      await p.init()
      await p.send(out, new Map([[1, ['r1']]]))
      await client.close()
      await broker.close()
      await start()
      const again = Object.assign(new V2Producer(client, 'tv2-restart'), {
        producerId: p.producerId,
        epoch: p.epoch,
      })
      const restarted = await client.topic('v2-out')
      expect(await readAll(client, restarted, 1)).not.toContain('r1')
      expect(await again.send(restarted, new Map([[0, ['r2']]]))).toEqual([ErrorCode.NONE])
      expect(await again.end(true)).toBe(ErrorCode.NONE)
      expect(again.epoch).toBe(p.epoch + 1)
      expect(await readAll(client, restarted, 1)).toEqual(expect.arrayContaining(['r1', 'r2']))
    })
  },
)

describe('transaction.version is configurable', () => {
  it.each([
    [0, [], 0],
    [1, [{ name: 'transaction.version', minVersionLevel: 1, maxVersionLevel: 1 }], 1],
  ])(
    'at %i clients see it finalized as %j; __transaction_state values are written at v%i',
    async (level, finalized, valueVersion) => {
      const broker = await testBroker({ config: { 'transaction.version': String(level) } })
      const client = new Client({ bootstrap: broker.bootstrap })
      try {
        const conn = await client.any()
        expect(conn.featureLevel('transaction.version')).toBe(level)
        const { body } = await conn.send('ApiVersions', {
          clientSoftwareName: 'samsa-cli',
          clientSoftwareVersion: '0.1.0',
        })
        expect(body.finalizedFeatures).toEqual(finalized)
        // The versions stay the same: Kafka advertises them whatever the level.
        expect(conn.brokerVersions.get(END_TXN)!.max).toBe(5)
        const p = new V2Producer(client, `level-${level}`)
        expect(await p.init()).toBe(ErrorCode.NONE)
        const log = broker.services.topics.partition('__transaction_state', 0)!
        const read = await log.read(0n, 1 << 20)
        const value = readRecords(read.records[0]!, 0)[0]!.value!
        expect(value.readInt16BE(0)).toBe(valueVersion)
      } finally {
        await client.close()
        await broker.close()
      }
    },
  )

  it('refuses a level the broker does not implement', async () => {
    await expect(testBroker({ config: { 'transaction.version': '3' } })).rejects.toThrow(
      /transaction.version/,
    )
  })
})
