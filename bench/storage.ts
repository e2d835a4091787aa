// Storage benchmarks: disk-log append throughput next to raw sequential fs.write on the same
// machine in the same run, sequential read throughput, recovery speed, durable-mode appends
// (serial and group-committed across partitions), and the cost of many open partitions.
// Every case is bounded in bytes and time. Run alone: `node bench/storage.ts`.

import { mkdir, mkdtemp, open, rm, unlink } from 'node:fs/promises'
import { closeSync, openSync, readdirSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { join } from 'node:path'
import { BATCH_OVERHEAD } from '../src/protocol/records/batch-header.ts'
import { buildRecordBatch } from '../src/protocol/records/batch-builder.ts'
import { openDiskLogStore } from '../src/storage/log/disk-log-store.ts'
import { DEFAULT_LOG_CONFIG, type LogConfig, type PartitionLog } from '../src/storage/log-store.ts'
import { forEachLimit, PARTITION_CONCURRENCY } from '../src/storage/parallel.ts'

export interface StorageRow {
  name: string
  value: number
  unit: string
}

const MiB = 1024 * 1024

/** A batch of 1 KiB records totalling about `bytes`. */
function batchOf(bytes: number): Buffer {
  const perRecord = 1024
  const count = Math.max(1, Math.floor((bytes - BATCH_OVERHEAD) / (perRecord + 12)))
  return buildRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({
      value: Buffer.alloc(perRecord, i & 0xff),
      timestamp: 1_700_000_000_000n,
    })),
  })
}

async function openBenchLog(dir: string, config: Partial<LogConfig> = {}) {
  const store = await openDiskLogStore(dir, { checkpointIntervalMs: 0 })
  const log = await store.open(
    { topic: 'bench', partition: 0 },
    { ...DEFAULT_LOG_CONFIG, segmentBytes: 256 * MiB, ...config },
  )
  return { store, log }
}

/**
 * Log appends next to raw positional fs.write of the same buffers (the promise API, one write
 * through libuv's pool at a time, as the baseline) and next to raw fs.writeSync (the
 * cheaper limit: the disk log writes appends of up to 16 KiB synchronously, src/storage/fs.ts),
 * interleaved in slices of 8 MiB so that load from other processes on the machine hits all alike.
 */
async function appendVsRaw(
  dir: string,
  batch: Buffer,
  total: number,
): Promise<{ rawMbps: number; rawSyncMbps: number; logMbps: number; batchesPerSec: number }> {
  await mkdir(dir, { recursive: true })
  const rawPath = join(dir, 'raw.bin')
  const raw = await open(rawPath, 'w')
  const rawSyncPath = join(dir, 'raw-sync.bin')
  const rawSyncFd = openSync(rawSyncPath, 'w')
  const { store, log } = await openBenchLog(join(dir, 'log'))
  const perSlice = Math.max(1, Math.floor((8 * MiB) / batch.length))
  const slices = Math.max(1, Math.ceil(total / (perSlice * batch.length)))
  let rawNs = 0n
  let rawSyncNs = 0n
  let logNs = 0n
  let pos = 0
  let syncPos = 0
  const rawSyncSlice = (): void => {
    const t = process.hrtime.bigint()
    for (let i = 0; i < perSlice; i++) {
      writeSync(rawSyncFd, batch, 0, batch.length, syncPos)
      syncPos += batch.length
    }
    rawSyncNs += process.hrtime.bigint() - t
  }
  const rawSlice = async (): Promise<void> => {
    const t = process.hrtime.bigint()
    for (let i = 0; i < perSlice; i++) {
      await raw.write(batch, 0, batch.length, pos)
      pos += batch.length
    }
    rawNs += process.hrtime.bigint() - t
  }
  const logSlice = async (): Promise<void> => {
    const t = process.hrtime.bigint()
    for (let i = 0; i < perSlice; i++) await log.append(batch, { leaderEpoch: 0 })
    logNs += process.hrtime.bigint() - t
  }
  // Alternate which goes first, so background writeback of one side's dirty pages lands on both.
  for (let s = 0; s < slices; s++) {
    if (s % 2 === 0) {
      await rawSlice()
      rawSyncSlice()
      await logSlice()
    } else {
      await logSlice()
      rawSyncSlice()
      await rawSlice()
    }
  }
  await raw.close()
  await unlink(rawPath)
  closeSync(rawSyncFd)
  await unlink(rawSyncPath)
  await store.close()
  const bytes = slices * perSlice * batch.length
  return {
    rawMbps: bytes / MiB / (Number(rawNs) / 1e9),
    rawSyncMbps: bytes / MiB / (Number(rawSyncNs) / 1e9),
    logMbps: bytes / MiB / (Number(logNs) / 1e9),
    batchesPerSec: (slices * perSlice) / (Number(logNs) / 1e9),
  }
}

async function logAppend(dir: string, batch: Buffer, total: number, config: Partial<LogConfig> = {}) {
  const { store, log } = await openBenchLog(dir, config)
  const n = Math.ceil(total / batch.length)
  for (let i = 0; i < n; i++) await log.append(batch, { leaderEpoch: 0 })
  return { log, close: () => store.close() }
}

export const STORAGE_SECTIONS = ['append', 'read', 'durable', 'many'] as const

/** Runs every section, or those named in `only` (`node bench/storage.ts many durable`). */
export async function runStorageBench(only?: readonly string[]): Promise<StorageRow[]> {
  const run = (section: (typeof STORAGE_SECTIONS)[number]): boolean =>
    only === undefined || only.length === 0 || only.includes(section)
  const rows: StorageRow[] = []
  const root = await mkdtemp(join(tmpdir(), 'samsa-bench-'))
  try {
    // --- append vs raw write, interleaved
    if (run('append'))
      for (const [label, size, total] of [
        ['16 KiB batches', 16 * 1024, 256 * MiB],
        ['1 MiB batches', MiB, 512 * MiB],
      ] as const) {
        const dir = join(root, `append-${size}`)
        const r = await appendVsRaw(dir, batchOf(size), total)
        await rm(dir, { recursive: true, force: true })
        rows.push({ name: `raw fs.write, ${label}`, value: round1(r.rawMbps), unit: 'MB/s' })
        rows.push({ name: `log append, ${label}`, value: round1(r.logMbps), unit: 'MB/s' })
        rows.push({ name: `log append, ${label}`, value: Math.round(r.batchesPerSec), unit: 'batches/s' })
        rows.push({ name: `log append / raw, ${label}`, value: round2(r.logMbps / r.rawMbps), unit: 'x' })
        rows.push({ name: `raw fs.writeSync, ${label}`, value: round1(r.rawSyncMbps), unit: 'MB/s' })
        rows.push({
          name: `log append / raw writeSync, ${label}`,
          value: round2(r.logMbps / r.rawSyncMbps),
          unit: 'x',
        })
      }

    // --- read and recovery over one 256 MiB log of 16 KiB batches
    if (run('read')) {
      const dir = join(root, 'read')
      const w = await logAppend(dir, batchOf(16 * 1024), 256 * MiB, { segmentBytes: 64 * MiB })
      const end = w.log.logEndOffset()
      for (const maxBytes of [MiB, 16 * MiB]) {
        let offset = 0n
        let bytes = 0
        const start = process.hrtime.bigint()
        while (offset < end) {
          const r = await w.log.read(offset, maxBytes)
          bytes += r.bytes
          const last = r.records[r.records.length - 1]!
          let pos = 0
          let lastBase = 0n
          let lastDelta = 0
          while (pos < last.length) {
            lastBase = last.readBigInt64BE(pos)
            lastDelta = last.readInt32BE(pos + 23)
            pos += 12 + last.readInt32BE(pos + 8)
          }
          offset = lastBase + BigInt(lastDelta) + 1n
        }
        const secs = Number(process.hrtime.bigint() - start) / 1e9
        rows.push({
          name: `log read, ${maxBytes / MiB} MiB fetches`,
          value: round1(bytes / MiB / secs),
          unit: 'MB/s',
        })
      }
      await w.close()
      // Unclean restart with no recovery point: every segment is re-read and CRC-checked.
      await unlink(join(dir, '.kafka_cleanshutdown'))
      await unlink(join(dir, 'recovery-point-offset-checkpoint'))
      const start = process.hrtime.bigint()
      const store = await openDiskLogStore(dir, { checkpointIntervalMs: 0 })
      const log = await store.open(
        { topic: 'bench', partition: 0 },
        { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * MiB },
      )
      const secs = Number(process.hrtime.bigint() - start) / 1e9
      if (log.logEndOffset() !== end) throw new Error('recovery lost data in the benchmark')
      rows.push({ name: 'recovery (full CRC scan)', value: round1(secs * 4), unit: 's/GiB' })
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }

    // --- durable mode: serial appends on one partition, then 8 partitions appending at once
    if (run('durable')) {
      const dir = join(root, 'durable')
      const store = await openDiskLogStore(dir, { checkpointIntervalMs: 0 })
      const cfg = { ...DEFAULT_LOG_CONFIG, durable: true }
      const logs = await Promise.all(
        Array.from({ length: 8 }, (_, p) => store.open({ topic: 'durable', partition: p }, cfg)),
      )
      const small = batchOf(1024)
      const timed = async (ms: number, body: () => Promise<number>): Promise<number> => {
        const start = Date.now()
        let n = 0
        while (Date.now() - start < ms) n += await body()
        return n / ((Date.now() - start) / 1000)
      }
      const serial = await timed(2000, async () => {
        await logs[0]!.append(Buffer.from(small), { leaderEpoch: 0 })
        return 1
      })
      rows.push({ name: 'durable append, 1 partition, serial', value: Math.round(serial), unit: 'appends/s' })
      let appends = 0
      const roundsBefore = store.committer.rounds
      const parallel = await timed(2000, async () => {
        await Promise.all(logs.map((l) => l.append(Buffer.from(small), { leaderEpoch: 0 })))
        appends += logs.length
        return logs.length
      })
      rows.push({
        name: 'durable append, 8 partitions, concurrent',
        value: Math.round(parallel),
        unit: 'appends/s',
      })
      rows.push({
        name: 'durable append, 8 partitions: appends per group-commit round',
        value: round2(appends / Math.max(1, store.committer.rounds - roundsBefore)),
        unit: 'appends',
      })
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }

    // --- many partitions: create, first append, close, reopen and delete 10,000 partition logs
    // the way the topic manager does (PARTITION_CONCURRENCY at a time), with the memory and file
    // descriptors they hold. Wall seconds; CPU seconds of this process beside them.
    if (run('many')) {
      const dir = join(root, 'many')
      const N = 10_000
      const tps = Array.from({ length: N }, (_, p) => ({ topic: 'many', partition: p }))
      const fdsBefore = openFds()
      collectGarbage()
      const memBefore = heapAndBuffers()
      const timedRow = async (what: string, body: () => Promise<void>): Promise<void> => {
        const start = Date.now()
        const cpu0 = cpuSeconds()
        await body()
        rows.push({
          name: `10,000 partitions: ${what}`,
          value: round2((Date.now() - start) / 1000),
          unit: 's',
        })
        rows.push({
          name: `10,000 partitions: ${what}, CPU`,
          value: round2(cpuSeconds() - cpu0),
          unit: 'CPU-s',
        })
      }
      const storeOptions = { checkpointIntervalMs: 0, maxOpenFiles: 256 }
      let store = await openDiskLogStore(dir, storeOptions)
      const logs: PartitionLog[] = []
      await timedRow('create', () =>
        forEachLimit(tps, PARTITION_CONCURRENCY, async (tp) => {
          logs[tp.partition] = await store.open(tp, DEFAULT_LOG_CONFIG)
        }),
      )
      const batch = batchOf(1024)
      await timedRow('first append', () =>
        forEachLimit(logs, PARTITION_CONCURRENCY, async (log) => {
          await log.append(Buffer.from(batch), { leaderEpoch: 0 })
        }),
      )
      collectGarbage()
      rows.push({
        name: '10,000 partitions: heap + buffer growth',
        value: round1((heapAndBuffers() - memBefore) / MiB),
        unit: 'MiB',
      })
      rows.push({
        name: '10,000 partitions: open file descriptors',
        value: openFds() - fdsBefore,
        unit: 'fds',
      })
      await timedRow('close (flush all)', () => store.close())
      await timedRow('reopen after clean shutdown', async () => {
        store = await openDiskLogStore(dir, storeOptions)
        await forEachLimit(tps, PARTITION_CONCURRENCY, async (tp) => {
          await store.open(tp, DEFAULT_LOG_CONFIG)
        })
      })
      await timedRow('delete', () => forEachLimit(tps, PARTITION_CONCURRENCY, (tp) => store.delete(tp)))
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
  return rows
}

/** JS heap plus Buffer memory: what the partitions themselves hold (RSS moves with the GC). */
function heapAndBuffers(): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (() => void) | undefined
  gc?.()
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

if (import.meta.main) {
  const rows = await runStorageBench(process.argv.slice(2))
  const width = Math.max(...rows.map((r) => r.name.length))
  for (const r of rows)
    console.log(`${r.name.padEnd(width)}  ${r.value.toLocaleString('en-US').padStart(10)} ${r.unit}`)
}
