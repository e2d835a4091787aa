// Record batch and codec throughput: CRC-32C, batch header scan, record iteration, and each
// compression codec both ways. Numbers from a shared 2-vCPU VM are orders of magnitude; compare
// ratios within one run. Run alone with `node bench/records.ts`.

import { fileURLToPath } from 'node:url'
import { decompressFrameSync } from 'lz4-napi'
import { compress, decompress, CODEC_NAMES } from '../src/protocol/compression/codecs.ts'
import { buildRecordBatch, type RecordInput } from '../src/protocol/records/batch-builder.ts'
import { scanBatches } from '../src/protocol/records/batch-header.ts'
import { snappyCompressRaw } from '../src/protocol/compression/snappy.ts'
import { crc32c } from '../src/protocol/records/crc32c.ts'
import { openBatch } from '../src/protocol/records/records.ts'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const MiB = 1024 * 1024

/** Runs fn repeatedly for at least minMs after a warm-up; returns seconds per call. */
function timePerCall(fn: () => void, minMs = 400): number {
  for (let i = 0; i < 3; i++) fn()
  let calls = 0
  const start = process.hrtime.bigint()
  let elapsed: number
  do {
    fn()
    calls++
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  } while (elapsed < minMs)
  return elapsed / 1000 / calls
}

/** JSON-ish record values from a seeded PRNG: every record differs, compressing roughly like
 * real event payloads (ratios ~0.2-0.5, cf. shared/design/ecosystem.md §1.7). */
let seed = 0x9e3779b9
function rand(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 2 ** 32
}
const WORDS = ['click', 'view', 'purchase', 'scroll', 'login', 'logout', 'search', 'cart', 'share']
function recordValue(i: number, size: number): Buffer {
  const parts: string[] = []
  let len = 0
  while (len < size) {
    const s = JSON.stringify({
      id: i,
      user: `user-${Math.floor(rand() * 100_000)}`,
      event: WORDS[Math.floor(rand() * WORDS.length)],
      ts: 1_700_000_000_000 + Math.floor(rand() * 1e9),
      amount: Math.round(rand() * 1e6) / 100,
      token: Math.floor(rand() * 2 ** 52).toString(36),
    })
    parts.push(s)
    len += s.length
  }
  return Buffer.from(parts.join('').slice(0, size))
}

function records(count: number, valueSize: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${i % 100}`),
    value: recordValue(i, valueSize),
    headers: i % 10 === 0 ? [{ key: 'trace', value: Buffer.from('abc123') }] : [],
    timestamp: 1_700_000_000_000n + BigInt(i),
  }))
}

/** Lets timers and I/O of the calling harness run between measurements. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export async function runRecordsBench(): Promise<BenchResult[]> {
  const out: BenchResult[] = []
  const mbps = (name: string, bytes: number, sec: number): void => {
    out.push({ name, value: Math.round((bytes / sec / 1e6) * 10) / 10, unit: 'MB/s' })
  }

  // CRC-32C on 1 MiB.
  const oneMiB = recordValue(1, MiB)
  const crcSec = timePerCall(() => crc32c(oneMiB))
  out.push({ name: 'crc32c 1 MiB', value: Math.round((MiB / crcSec / 1e9) * 100) / 100, unit: 'GB/s' })

  await tick()

  // A 1 MiB produce payload: 16 batches of ~64 KiB (1 KiB values), as several partitions send.
  const batches = Array.from({ length: 16 }, (_, p) =>
    buildRecordBatch({
      records: records(63, 1000),
      producerId: BigInt(p),
      producerEpoch: 0,
      baseSequence: 0,
    }),
  )
  const payload = Buffer.concat(batches)
  let n = 0
  mbps(
    'batch header scan 1 MiB, CRC on',
    payload.length,
    timePerCall(() => {
      n += scanBatches(payload, 0, payload.length, true).position
    }),
  )
  // Without the CRC the scan only touches 16 headers: report time per scan, not MB/s.
  const noCrcSec = timePerCall(() => {
    n += scanBatches(payload, 0, payload.length, false).position
  })
  out.push({
    name: 'batch header scan 1 MiB (16 batches), CRC off',
    value: Math.round(noCrcSec * 1e8) / 100,
    unit: 'µs/scan',
  })

  await tick()

  // Record iteration over one uncompressed batch: cursor only, and with key/value views.
  for (const [count, size] of [
    [10_000, 100],
    [1000, 1000],
  ] as const) {
    const batch = buildRecordBatch({ records: records(count, size) })
    const iterSec = timePerCall(() => {
      const { cursor } = openBatch(batch)
      while (cursor.next()) n += cursor.offsetDelta
    })
    out.push({
      name: `record iteration, ${size} B values (cursor only)`,
      value: Math.round(count / iterSec / 1e3) / 1e3,
      unit: 'M records/s',
    })
    mbps(`record iteration bytes, ${size} B values`, batch.length, iterSec)
    const viewSec = timePerCall(() => {
      const { cursor } = openBatch(batch)
      while (cursor.next()) n += cursor.value()!.length + (cursor.key()?.length ?? 0)
    })
    out.push({
      name: `record iteration + key/value views, ${size} B values`,
      value: Math.round(count / viewSec / 1e3) / 1e3,
      unit: 'M records/s',
    })
  }

  await tick()

  // Codecs on a 1 MiB records region (1 KiB JSON-ish values).
  const region = Buffer.concat(batches.map((b) => b.subarray(61)))
  for (const codec of [1, 2, 3, 4]) {
    const name = CODEC_NAMES[codec]!
    const packed = compress(codec, region)
    mbps(
      `${name} compress 1 MiB (ratio ${(packed.length / region.length).toFixed(2)})`,
      region.length,
      timePerCall(() => {
        n += compress(codec, region).length
      }),
    )
    mbps(
      `${name} decompress 1 MiB`,
      region.length,
      timePerCall(() => {
        n += decompress(codec, packed, 2 * region.length).length
      }),
    )
    if (codec === 2) {
      const raw = snappyCompressRaw(region)
      mbps(
        'snappy decompress 1 MiB (raw, one block)',
        region.length,
        timePerCall(() => {
          n += decompress(codec, raw, 2 * region.length).length
        }),
      )
    }
    if (codec === 3)
      mbps(
        'lz4 decompress 1 MiB (lz4-napi native, uncapped, for comparison)',
        region.length,
        timePerCall(() => {
          n += decompressFrameSync(packed).length
        }),
      )
  }
  if (n === 0) throw new Error('unreachable: keeps the measured work observable')
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await runRecordsBench()
  for (const r of results) console.log(`${r.name.padEnd(72)} ${String(r.value).padStart(10)} ${r.unit}`)
}
