// Compaction benchmark (not a vitest file): a compacted partition on the real file system filled
// with `mb` MB of 1 KiB records (16 per batch) over `keys` distinct keys, then cleaned pass by
// pass through the store's maintain() (one pass per call), reporting each pass's time and the
// segment count and size of the log after it. A second fill of the same size and two more passes
// and a small third one show what repeated passes leave behind (merging small cleaned segments, or not).
// Usage: node test/storage/bench/compaction.ts [mb=100] [keys=10000] [segmentMiB=1] [tenths=1]
// (`tenths`: how many fills of a tenth, each followed by a pass, come after the two full ones.)

import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { openDiskLogStore } from '../../../src/storage/log/disk-log-store.ts'
import type { PartitionLog } from '../../../src/storage/log-store.ts'
import { config } from '../log-behaviour.ts'

const mb = Number(process.argv[2] ?? 100)
const keys = Number(process.argv[3] ?? 10_000)
const segmentMiB = Number(process.argv[4] ?? 1)
const tenths = Number(process.argv[5] ?? 1)
const TP = { topic: 'c', partition: 0 }
const VALUE = Buffer.alloc(1000, 'v')
const cfg = config({
  cleanupPolicy: { delete: false, compact: true },
  segmentBytes: segmentMiB * 1024 * 1024,
  minCleanableDirtyRatio: 0,
  deleteRetentionMs: 1e12,
})

let seed = 12345
function random(): number {
  seed = (seed * 48271) % 2147483647
  return seed / 2147483647
}

async function fill(log: PartitionLog, bytes: number): Promise<void> {
  for (let written = 0; written < bytes;) {
    const batch = buildRecordBatch({
      records: Array.from({ length: 16 }, () => ({
        key: Buffer.from(`key-${Math.floor(random() * keys)}`),
        value: VALUE,
        timestamp: 1_000_000n,
      })),
    })
    written += batch.length
    await log.append(batch, { leaderEpoch: 0 })
  }
}

async function segmentFiles(dir: string): Promise<number> {
  return (await readdir(join(dir, 'c-0'))).filter((n) => n.endsWith('.log')).length
}

const dir = await mkdtemp(join(tmpdir(), 'samsa-compaction-'))
try {
  const store = await openDiskLogStore(dir, { checkpointIntervalMs: 0 })
  const log = await store.open(TP, cfg)
  const rows: string[] = []
  const pass = async (label: string): Promise<void> => {
    const t0 = performance.now()
    await store.maintain(2_000_000)
    const ms = performance.now() - t0
    rows.push(
      `${label.padEnd(22)} ${ms.toFixed(0).padStart(7)} ms   ${String(await segmentFiles(dir)).padStart(5)} segments   ${(log.sizeInBytes() / 1e6).toFixed(1).padStart(7)} MB`,
    )
  }
  await fill(log, mb * 1e6)
  await log.flush()
  rows.push(`fill 1: ${await segmentFiles(dir)} segments, ${(log.sizeInBytes() / 1e6).toFixed(1)} MB`)
  await pass('pass 1')
  await fill(log, mb * 1e6)
  await log.flush()
  rows.push(`fill 2: ${await segmentFiles(dir)} segments, ${(log.sizeInBytes() / 1e6).toFixed(1)} MB`)
  await pass('pass 2')
  let tenthMs = 0
  for (let i = 1; i <= tenths; i++) {
    await fill(log, mb * 1e5)
    await log.flush()
    const t0 = performance.now()
    if (i < tenths && tenths > 1) await store.maintain(2_000_000)
    else await pass(`pass ${i + 2} (fill of a tenth)`)
    tenthMs += performance.now() - t0
  }
  if (tenths > 1) rows.push(`${tenths} passes after fills of a tenth: ${tenthMs.toFixed(0)} ms in all`)
  await store.close()
  console.log(`compaction of ${mb} MB x2, ${keys} keys, segment.bytes ${segmentMiB} MiB`)
  for (const r of rows) console.log(r)
} finally {
  await rm(dir, { recursive: true, force: true })
}
