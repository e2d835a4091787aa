// Protocol codec throughput: request/response frames as the broker handles them.
//
//  - decode a 1 MiB Produce request (16 partitions × 64 KiB record sets), from one chunk and from
//    64 KiB socket chunks through FrameDecoder;
//  - encode a 1 MiB Fetch response (16 × 64 KiB record sets) as Writer chunks (record sets kept by
//    reference), and, for contrast, joined into one Buffer;
//  - encode and decode a Metadata response of 1,000 topics × 10 partitions;
//  - CRC-32C over 1 MiB (the RecordBatch v2 checksum).
// Each row is the median of several timed samples after a warm-up. On a shared 2-vCPU VM the
// absolute figures are orders of magnitude; compare rows of one run.

import { fileURLToPath } from 'node:url'
import { FrameDecoder } from '../src/protocol/framing.ts'
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
} from '../src/protocol/request-frame.ts'
import { Writer } from '../src/protocol/primitives/writer.ts'
import { crc32c } from '../src/protocol/records/crc32c.ts'
import type { MetadataResponseInit } from '../src/protocol/generated/index.ts'

export interface ProtocolBenchRow {
  name: string
  /** Operations per second. */
  opsPerSec: number
  /** Payload throughput: bytes handled per operation × ops/s, in MB/s (10^6 bytes). */
  mbPerSec: number
  /** Bytes handled per operation. */
  bytesPerOp: number
  /** Marks rows whose payload is referenced, not copied (MB/s is then bytes handled, not moved). */
  zeroCopy: boolean
}

const KiB = 1024
const MiB = 1024 * KiB

/** Median seconds per call over `samples` runs of at least `sampleMs` each, after a warm-up. */
function secondsPerCall(fn: () => void, samples = 5, sampleMs = 150): number {
  const warmUntil = performance.now() + 100
  while (performance.now() < warmUntil) fn()
  const results: number[] = []
  for (let s = 0; s < samples; s++) {
    let calls = 0
    const start = performance.now()
    let elapsed: number
    do {
      fn()
      calls++
      elapsed = performance.now() - start
    } while (elapsed < sampleMs)
    results.push(elapsed / 1000 / calls)
  }
  results.sort((a, b) => a - b)
  return results[Math.floor(results.length / 2)]!
}

/** Deterministic filler (record sets are opaque to the codec; only their length matters here). */
function filler(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size)
  let x = seed | 1
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    b.writeInt32LE(x | 0, Math.min(i, size - 4))
  }
  return b
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export async function runProtocolBench(): Promise<ProtocolBenchRow[]> {
  const rows: ProtocolBenchRow[] = []
  let sink = 0
  const row = (name: string, bytesPerOp: number, fn: () => void, zeroCopy = false): void => {
    const sec = secondsPerCall(fn)
    rows.push({
      name,
      opsPerSec: Math.round(1 / sec),
      mbPerSec: Math.round((bytesPerOp / sec / 1e6) * 10) / 10,
      bytesPerOp,
      zeroCopy,
    })
  }

  // --- Produce request, 1 MiB of record sets.
  const recordSets = Array.from({ length: 16 }, (_, i) => filler(64 * KiB, i + 1))
  for (const version of [7, 9]) {
    const produce = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [
        { name: 'bench-topic', partitionData: recordSets.map((records, index) => ({ index, records })) },
      ],
    }
    const frameWithSize = Buffer.concat(
      encodeRequestFrame({ apiKey: 0, apiVersion: version, correlationId: 1, clientId: 'bench' }, produce),
    )
    const frame = frameWithSize.subarray(4)
    row(
      `decode Produce v${version} request, 1 MiB (16 × 64 KiB)`,
      frame.length,
      () => {
        const d = decodeRequestFrame(frame)
        if (d.kind !== 'ok') throw new Error(`bench frame did not decode: ${d.kind}`)
        sink += (d.body as { topicData: unknown[] }).topicData.length
      },
      true,
    )
    if (version === 9) {
      const chunks: Buffer[] = []
      for (let pos = 0; pos < frameWithSize.length; pos += 64 * KiB)
        chunks.push(frameWithSize.subarray(pos, pos + 64 * KiB))
      row('frame + decode Produce v9, 1 MiB arriving in 64 KiB chunks', frame.length, () => {
        const decoder = new FrameDecoder()
        for (const c of chunks)
          decoder.push(c, (f) => {
            const d = decodeRequestFrame(f)
            if (d.kind === 'ok') sink++
          })
      })
    }
  }
  await tick()

  // --- Fetch response, 1 MiB of record sets.
  for (const version of [11, 12]) {
    const fetch = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'bench-topic',
          partitions: recordSets.map((records, partitionIndex) => ({
            partitionIndex,
            errorCode: 0,
            highWatermark: 1_000_000n,
            lastStableOffset: 1_000_000n,
            logStartOffset: 0n,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records,
          })),
        },
      ],
    }
    const size = Buffer.concat(encodeResponseFrame(1, version, 1, fetch)).length
    row(
      `encode Fetch v${version} response, 1 MiB, Writer chunks (zero copy)`,
      size,
      () => {
        sink += encodeResponseFrame(1, version, 1, fetch).length
      },
      true,
    )
    if (version === 12)
      row('encode Fetch v12 response, 1 MiB, joined into one Buffer (copy)', size, () => {
        sink += Buffer.concat(encodeResponseFrame(1, version, 1, fetch)).length
      })
  }
  await tick()

  // --- Metadata response, 1,000 topics × 10 partitions, 3 brokers.
  const metadata: MetadataResponseInit = {
    throttleTimeMs: 0,
    brokers: [0, 1, 2].map((nodeId) => ({ nodeId, host: `broker-${nodeId}.local`, port: 9092, rack: null })),
    clusterId: 'samsa-bench-cluster-0000',
    controllerId: 0,
    topics: Array.from({ length: 1000 }, (_, t) => ({
      errorCode: 0,
      name: `topic-${String(t).padStart(4, '0')}`,
      topicId: Buffer.from(filler(16, t + 7)).toString('base64url'),
      isInternal: false,
      partitions: Array.from({ length: 10 }, (_, p) => ({
        errorCode: 0,
        partitionIndex: p,
        leaderId: p % 3,
        leaderEpoch: 5,
        replicaNodes: [p % 3, (p + 1) % 3, (p + 2) % 3],
        isrNodes: [p % 3, (p + 1) % 3, (p + 2) % 3],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: -2147483648,
    })),
  }
  for (const version of [1, 12]) {
    const encoded = Buffer.concat(encodeResponseFrame(3, version, 1, metadata, new Writer(512 * KiB)))
    const frame = encoded.subarray(4)
    row(`encode Metadata v${version} response, 1,000 topics × 10 partitions`, encoded.length, () => {
      sink += encodeResponseFrame(3, version, 1, metadata, new Writer(512 * KiB)).length
    })
    row(`decode Metadata v${version} response, 1,000 topics × 10 partitions`, frame.length, () => {
      sink += decodeResponseFrame(3, version, frame).correlationId
    })
  }
  await tick()

  // --- CRC-32C.
  const oneMiB = filler(MiB, 99)
  row('CRC-32C, 1 MiB', MiB, () => {
    sink += crc32c(oneMiB)
  })

  if (sink === 0) throw new Error('unreachable: keeps the measured work observable')
  return rows
}

export function formatProtocolRows(rows: readonly ProtocolBenchRow[]): string {
  const name = Math.max(...rows.map((r) => r.name.length + 2))
  const head = `${'benchmark'.padEnd(name)}  ${'ops/s'.padStart(9)}  ${'MB/s'.padStart(9)}  ${'GB/s'.padStart(6)}  ${'bytes/op'.padStart(10)}`
  const lines = rows.map(
    (r) =>
      `${(r.zeroCopy ? `${r.name} *` : r.name).padEnd(name)}  ${r.opsPerSec.toLocaleString('en-US').padStart(9)}  ${r.mbPerSec
        .toLocaleString('en-US')
        .padStart(
          9,
        )}  ${(r.mbPerSec / 1000).toFixed(2).padStart(6)}  ${r.bytesPerOp.toLocaleString('en-US').padStart(10)}`,
  )
  const foot = rows.some((r) => r.zeroCopy)
    ? ['* record sets are referenced, not copied: MB/s counts bytes handled, not bytes moved']
    : []
  return [head, '-'.repeat(head.length), ...lines, ...foot].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatProtocolRows(await runProtocolBench()))
}
