// Durable-append benchmark (not a vitest file): 8 partitions in durable mode with
// flush.messages=1 on the real file system, each with `depth` appends in flight, counting the
// file fsyncs (fdatasync) and directory fsyncs per append through a wrapping FileSystem.
// Usage: node test/storage/bench/durable-append.ts [seconds=5] [depth=16]

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeFileSystem, type FileHandle, type FileSystem } from '../../../src/storage/fs.ts'
import { openDiskLogStore } from '../../../src/storage/log/disk-log-store.ts'
import { makeBatch } from '../batches.ts'
import { config } from '../log-behaviour.ts'

const counts = { fileSyncs: 0, dirSyncs: 0 }

class CountingFileSystem extends NodeFileSystem {
  override async open(path: string, options: { create?: boolean } = {}): Promise<FileHandle> {
    const h = await super.open(path, options)
    return {
      read: (b, o, l, p) => h.read(b, o, l, p),
      write: (b, o, l, p) => h.write(b, o, l, p),
      writev: (bufs, p) => h.writev!(bufs, p),
      truncate: (s) => h.truncate(s),
      sync: () => {
        counts.fileSyncs++
        return h.sync()
      },
      size: () => h.size(),
      close: () => h.close(),
    }
  }
  override syncDir(path: string): Promise<void> {
    counts.dirSyncs++
    return super.syncDir(path)
  }
}

const seconds = Number(process.argv[2] ?? 5)
const depth = Number(process.argv[3] ?? 16)
const dir = await mkdtemp(join(tmpdir(), 'samsa-durable-'))
const fs: FileSystem = new CountingFileSystem()
const store = await openDiskLogStore(dir, { fs, checkpointIntervalMs: 0 })
const cfg = config({ durable: true, flushMessages: 1 })
const logs = await Promise.all(
  Array.from({ length: 8 }, (_, p) => store.open({ topic: 'b', partition: p }, cfg)),
)
const batch = makeBatch([{ value: Buffer.alloc(100, 0x61) }])
const before = { ...counts }
const latencies: number[] = []
let appends = 0
const start = performance.now()
const end = start + seconds * 1000
await Promise.all(
  logs.flatMap((log) =>
    Array.from({ length: depth }, async () => {
      while (performance.now() < end) {
        const t = performance.now()
        await log.append(batch, { leaderEpoch: 0 })
        latencies.push(performance.now() - t)
        appends++
      }
    }),
  ),
)
const elapsed = (performance.now() - start) / 1000
const fileSyncs = counts.fileSyncs - before.fileSyncs
const dirSyncs = counts.dirSyncs - before.dirSyncs
latencies.sort((a, b) => a - b)
const pct = (q: number): string => (latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(2)
console.log(
  JSON.stringify({
    partitions: 8,
    depth,
    appends,
    appendsPerSec: Math.round(appends / elapsed),
    fileSyncsPerAppend: +(fileSyncs / appends).toFixed(3),
    dirSyncsPerAppend: +(dirSyncs / appends).toFixed(3),
    p50ms: pct(0.5),
    p99ms: pct(0.99),
  }),
)
await store.close()
await rm(dir, { recursive: true, force: true })
