// Segment.noteStart/positionOf: a read notes where the next one starts, so a consumer reading on
// from where it stopped costs one file read per fetch instead of three (the offset index keys
// each batch by its last offset: without the note, the next offset is found by reading the
// previous batch's header and then the next one's). The notes must never outlive a cut of the file.

import { describe, expect, it } from 'vitest'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { readBatchHeader, scanBatches } from '../../src/protocol/records/batch-header.ts'
import { MemoryFileSystem, type FileHandle, type FileSystem } from '../../src/storage/fs.ts'
import { openDiskLogStore } from '../../src/storage/log/disk-log-store.ts'
import type { PartitionLog } from '../../src/storage/log-store.ts'
import { config } from './log-behaviour.ts'

/** A memory file system counting reads of .log files. */
function countingFs(): { fs: FileSystem; logReads: () => number } {
  let reads = 0
  class Counting extends MemoryFileSystem {
    override async open(path: string, options?: { create?: boolean }): Promise<FileHandle> {
      const h = await super.open(path, options)
      if (!path.endsWith('.log')) return h
      const counted: FileHandle = {
        read: (buf, offset, length, position) => {
          reads++
          return h.read(buf, offset, length, position)
        },
        write: (buf, offset, length, position) => h.write(buf, offset, length, position),
        truncate: (size) => h.truncate(size),
        sync: () => h.sync(),
        size: () => h.size(),
        close: () => h.close(),
      }
      if (h.writev !== undefined) counted.writev = (buffers, position) => h.writev!(buffers, position)
      return counted
    }
  }
  return { fs: new Counting(), logReads: () => reads }
}

function batchOf(count: number, fill: number, bytes = 3000): Buffer {
  const records = []
  for (let i = 0; i < count; i++) records.push({ value: Buffer.alloc(bytes, fill) })
  return buildRecordBatch({ records })
}

/** Base offsets, last offsets and fill byte of the batches read. */
function batchesIn(records: readonly Buffer[]): Array<{ base: bigint; last: bigint; fill: number }> {
  const out: Array<{ base: bigint; last: bigint; fill: number }> = []
  for (const b of records)
    scanBatches(b, 0, b.length, true, (pos, size) => {
      const h = readBatchHeader(b, pos)
      out.push({
        base: h.baseOffset,
        last: h.baseOffset + BigInt(h.lastOffsetDelta),
        fill: b[pos + size - 2]!, // the last value byte (then a 0 headers count)
      })
    })
  return out
}

async function open(fs: FileSystem): Promise<{ log: PartitionLog; close: () => Promise<void> }> {
  const store = await openDiskLogStore('/data', { fs, checkpointIntervalMs: 0 })
  const log = await store.open({ topic: 't', partition: 0 }, config())
  return { log, close: () => store.close() }
}

describe('read positions noted for the next read', () => {
  it('reads on from where the last read stopped with one file read each', async () => {
    const { fs, logReads } = countingFs()
    const { log, close } = await open(fs)
    try {
      for (let i = 0; i < 30; i++) await log.append(batchOf(1 + (i % 3), i + 1), { leaderEpoch: 0 })
      let next = 0n
      let first = true
      while (next < log.highWatermark()) {
        const before = logReads()
        const r = await log.read(next, 20_000)
        const got = batchesIn(r.records)
        expect(got[0]!.base).toBe(next)
        if (!first) expect(logReads() - before).toBe(1)
        first = false
        next = got[got.length - 1]!.last + 1n
      }
      expect(next).toBe(log.highWatermark())
    } finally {
      await close()
    }
  })

  it('forgets the notes when the log is cut back and rewritten with other batches', async () => {
    const { fs } = countingFs()
    const { log, close } = await open(fs)
    try {
      for (let i = 0; i < 6; i++) await log.append(batchOf(2, i + 1), { leaderEpoch: 0 })
      // Reads note offsets 4 (batch 2) and 12 (the end).
      await log.read(0n, 13_000)
      const all = await log.read(0n, 1 << 20)
      expect(batchesIn(all.records).map((b) => b.base)).toEqual([0n, 2n, 4n, 6n, 8n, 10n])
      await log.truncateTo(2n)
      // Different batch sizes now put other offsets at the noted positions.
      for (let i = 0; i < 4; i++) await log.append(batchOf(3, 100 + i, 4000), { leaderEpoch: 0 })
      const at4 = batchesIn((await log.read(4n, 1)).records)[0]!
      expect(at4.base).toBeLessThanOrEqual(4n)
      expect(at4.last).toBeGreaterThanOrEqual(4n)
      expect(at4.fill).toBe(100)
      const at12 = batchesIn((await log.read(12n, 1)).records)[0]!
      expect(at12.base).toBeLessThanOrEqual(12n)
      expect(at12.last).toBeGreaterThanOrEqual(12n)
    } finally {
      await close()
    }
  })
})
