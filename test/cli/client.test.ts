// The small protocol client under the tools: version negotiation (KIP-511 fallback), the
// partitioner, the range assignor and record-set decoding.

import { createServer, type Server } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { Connection } from '../../src/client/connection.ts'
import { ConnectionError } from '../../src/client/errors.ts'
import { decodeRecordSet } from '../../src/client/fetch.ts'
import { rangeAssign } from '../../src/client/group-member.ts'
import { murmur2, partitionForKey } from '../../src/client/partitioner.ts'
import { FrameDecoder } from '../../src/protocol/framing.ts'
import { decodeRequestFrame, encodeResponseFrame } from '../../src/protocol/request-frame.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { Compression } from '../../src/protocol/records/batch-header.ts'
import { buildTxnMarkerBatch } from '../../src/protocol/records/control-record.ts'

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  server = undefined
})

/** A fake broker that speaks ApiVersions up to v2 only and records the versions it was asked. */
async function oldBroker(asked: number[]): Promise<number> {
  server = createServer((sock) => {
    const dec = new FrameDecoder()
    sock.on('data', (chunk: Buffer) =>
      dec.push(chunk, (frame) => {
        const req = decodeRequestFrame(frame, {
          supported: (k) => (k === 18 ? { min: 0, max: 2 } : undefined),
        })
        if (req.kind === 'unknown-api' || req.kind === 'malformed') return sock.destroy()
        asked.push(req.apiVersion)
        const cid = req.header.correlationId
        const apiKeys = [
          { apiKey: 18, minVersion: 0, maxVersion: 2 },
          { apiKey: 3, minVersion: 0, maxVersion: 5 },
        ]
        // KIP-511: a too-new ApiVersions gets UNSUPPORTED_VERSION in the v0 layout.
        const body =
          req.kind === 'unsupported-version' ? { errorCode: 35, apiKeys } : { errorCode: 0, apiKeys }
        for (const c of encodeResponseFrame(
          18,
          req.kind === 'unsupported-version' ? 0 : req.apiVersion,
          cid,
          body,
        ))
          sock.write(c)
      }),
    )
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
  return (server.address() as { port: number }).port
}

test('ApiVersions falls back to the highest version the broker lists, then versions are capped by it', async () => {
  const asked: number[] = []
  const port = await oldBroker(asked)
  const conn = await Connection.open({ host: '127.0.0.1', port })
  expect(asked).toEqual([4, 2])
  expect(conn.versionFor('Metadata')).toBe(5)
  expect(conn.versionFor('Produce')).toBeUndefined()
  await expect(conn.send('Produce', {})).rejects.toThrow(/does not support Produce/)
  conn.close()
})

test('connecting to a closed port is a ConnectionError naming the address', async () => {
  await expect(Connection.open({ host: '127.0.0.1', port: 1 })).rejects.toThrow(ConnectionError)
  await expect(Connection.open({ host: '127.0.0.1', port: 1 })).rejects.toThrow('127.0.0.1:1')
})

test('murmur2 matches the Java client (Utils.murmur2 test vectors)', () => {
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ]
  for (const [s, h] of vectors) expect(murmur2(Buffer.from(s)), s).toBe(h)
  expect(partitionForKey(Buffer.from('foobar'), 3)).toBe((-790332482 & 0x7fffffff) % 3)
})

test('range assignor: sorted members get contiguous ranges, the first ones one extra', () => {
  const members = new Map([
    ['b', ['t1', 't2']],
    ['a', ['t1', 't2']],
    ['c', ['t1']],
  ])
  const out = rangeAssign(
    members,
    new Map([
      ['t1', 7],
      ['t2', 3],
    ]),
  )
  expect(out.get('a')).toEqual(
    new Map([
      ['t1', [0, 1, 2]],
      ['t2', [0, 1]],
    ]),
  )
  expect(out.get('b')).toEqual(
    new Map([
      ['t1', [3, 4]],
      ['t2', [2]],
    ]),
  )
  expect(out.get('c')).toEqual(new Map([['t1', [5, 6]]]))
})

test('record sets: a partial trailing batch is left for the next fetch; offsets below the position are dropped', () => {
  const b1 = buildRecordBatch({
    baseOffset: 10n,
    records: [0, 1, 2].map((i) => ({ value: Buffer.from(`v${i}`) })),
  })
  const b2 = buildRecordBatch({
    baseOffset: 13n,
    compression: Compression.Gzip,
    records: [
      { key: Buffer.from('k'), value: Buffer.from('v3'), headers: [{ key: 'h', value: Buffer.from('x') }] },
    ],
  })
  const set = Buffer.concat([b1, b2.subarray(0, b2.length - 5)])
  const { records, next } = decodeRecordSet('t', 0, set, 11n)
  expect(records.map((r) => [r.offset, r.value?.toString()])).toEqual([
    [11n, 'v1'],
    [12n, 'v2'],
  ])
  expect(next).toBe(13n)
  const whole = decodeRecordSet('t', 0, Buffer.concat([b1, b2]), 13n)
  expect(whole.records).toHaveLength(1)
  expect(whole.records[0]).toMatchObject({
    offset: 13n,
    key: Buffer.from('k'),
    headers: [{ key: 'h', value: Buffer.from('x') }],
  })
  expect(whole.next).toBe(14n)
})

test('record sets: read_committed skips aborted transactions up to their ABORT marker', () => {
  const txn = (baseOffset: bigint, producerId: bigint, value: string) =>
    buildRecordBatch({
      baseOffset,
      producerId,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: true,
      records: [{ value: Buffer.from(value) }],
    })
  const marker = (baseOffset: bigint, producerId: bigint, commit: boolean) =>
    buildTxnMarkerBatch({
      baseOffset,
      producerId,
      producerEpoch: 0,
      coordinatorEpoch: 0,
      commit,
      timestamp: 0n,
    })
  const set = Buffer.concat([
    txn(0n, 1n, 'aborted-1'),
    txn(1n, 2n, 'committed-2'),
    marker(2n, 1n, false),
    marker(3n, 2n, true),
    txn(4n, 1n, 'later-1'),
  ])
  const values = (aborted: Array<{ producerId: bigint; firstOffset: bigint }>) =>
    decodeRecordSet('t', 0, set, 0n, aborted).records.map((r) => r.value!.toString())
  expect(values([])).toEqual(['aborted-1', 'committed-2', 'later-1'])
  // Producer 1's next transaction (offset 4) starts after its ABORT: not skipped.
  expect(values([{ producerId: 1n, firstOffset: 0n }])).toEqual(['committed-2', 'later-1'])
})
