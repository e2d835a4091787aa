// Shared helpers for the disk-log tests: a store on a MemoryFileSystem and log inspection.

import { expect } from 'vitest'
import { crc32c } from '../../src/protocol/records/crc32c.ts'
import type { MemoryFileSystem } from '../../src/storage/fs.ts'
import { openDiskLogStore, type DiskLogStoreOptions } from '../../src/storage/log/disk-log-store.ts'
import type { LogConfig, PartitionLog } from '../../src/storage/log-store.ts'
import { config } from './log-behaviour.ts'

export const TP = { topic: 't', partition: 0 }

export async function openStore(fs: MemoryFileSystem, options: DiskLogStoreOptions = {}) {
  return openDiskLogStore('/data', { fs, checkpointIntervalMs: 0, ...options })
}

export async function openLog(
  fs: MemoryFileSystem,
  overrides: Partial<LogConfig> = {},
  options: DiskLogStoreOptions = {},
) {
  const store = await openStore(fs, options)
  const log = await store.open(TP, config(overrides))
  return { store, log }
}

export interface StoredBatch {
  base: bigint
  last: bigint
  bytes: Buffer
}

/** Every batch from the log start to the end, checking CRCs and offset order. */
export async function readAll(log: PartitionLog): Promise<StoredBatch[]> {
  const out: StoredBatch[] = []
  let offset = log.logStartOffset()
  while (offset < log.logEndOffset()) {
    const r = await log.read(offset, 1 << 20)
    if (r.records.length === 0) break
    for (const chunk of r.records) {
      for (let pos = 0; pos < chunk.length;) {
        const size = 12 + chunk.readInt32BE(pos + 8)
        const bytes = chunk.subarray(pos, pos + size)
        expect(crc32c(bytes.subarray(21))).toBe(bytes.readUInt32BE(17))
        const base = bytes.readBigInt64BE(0)
        const last = base + BigInt(bytes.readInt32BE(23))
        if (out.length > 0) expect(base).toBe(out[out.length - 1]!.last + 1n)
        out.push({ base, last, bytes: Buffer.from(bytes) })
        pos += size
      }
    }
    offset = out[out.length - 1]!.last + 1n
  }
  return out
}

/** A small seeded generator (Park-Miller), warmed up so nearby seeds differ from the start. */
export function seededRandom(seed: number): () => number {
  let x = ((seed + 1) * 2654435761) % 2147483647 || 1
  const next = (): number => (x = (x * 48271) % 2147483647) / 2147483647
  for (let i = 0; i < 3; i++) next()
  return next
}
