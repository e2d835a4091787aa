// Test helpers for compaction: keyed batches and a reader that lists every record of a log with
// its offset (offsets may have gaps after compaction; CRCs and order are checked).

import { expect } from 'vitest'
import { crc32c } from '../../../src/protocol/records/crc32c.ts'
import { ATTR_CONTROL, ATTR_TRANSACTIONAL } from '../../../src/protocol/records/batch-header.ts'
import { ControlType, decodeControlKey } from '../../../src/protocol/records/control-record.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import type { AbortedTxn, PartitionLog } from '../../../src/storage/log-store.ts'
import { makeBatch, type TestBatchOptions } from '../batches.ts'

export interface KV {
  key: string | null
  /** null: a tombstone. */
  value: string | null
}

export interface SeenRecord extends KV {
  offset: bigint
}

export function keyedBatch(records: KV[], timestamp = 1_000_000n, options: TestBatchOptions = {}): Buffer {
  return makeBatch(
    records.map((r) => ({
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      timestamp,
    })),
    options,
  )
}

/** The key and value of a transaction marker record (Kafka's control record layout). */
export function markerRecord(type: 'abort' | 'commit'): KV {
  return { key: `\0\0\0${type === 'abort' ? '\0' : '\x01'}`, value: '\0\0\0\0\0\0' }
}

/**
 * The aborted transactions a full scan of the log derives, written independently of the
 * loader's: a transactional batch opens its producer's transaction, an ABORT marker closing an
 * open one yields it, a COMMIT closes it. As "producerId:first-last" strings, sorted.
 */
export async function scannedAbortedTxns(
  log: PartitionLog,
  open = new Map<bigint, bigint>(),
): Promise<string[]> {
  const out: string[] = []
  await forEachStoredBatch(log, (bytes, base, last) => {
    const attributes = bytes.readInt16BE(21)
    const producerId = bytes.readBigInt64BE(43)
    if (producerId < 0n || (attributes & ATTR_TRANSACTIONAL) === 0) return
    if ((attributes & ATTR_CONTROL) === 0) {
      if (!open.has(producerId)) open.set(producerId, base)
      return
    }
    const type = decodeControlKey(readRecords(bytes)[0]?.key ?? null).type
    const first = open.get(producerId)
    if (first === undefined || (type !== ControlType.Abort && type !== ControlType.Commit)) return
    open.delete(producerId)
    if (type === ControlType.Abort) out.push(`${producerId}:${first}-${last}`)
  })
  return out.sort()
}

/** The same form for what the log's index says. */
export function indexedAbortedTxns(txns: readonly AbortedTxn[]): string[] {
  return txns.map((t) => `${t.producerId}:${t.firstOffset}-${t.lastOffset}`).sort()
}

async function forEachStoredBatch(
  log: PartitionLog,
  visit: (bytes: Buffer, base: bigint, last: bigint) => void,
): Promise<void> {
  let offset = log.logStartOffset()
  while (offset < log.logEndOffset()) {
    const r = await log.read(offset, 1 << 20)
    if (r.records.length === 0) break
    let next = offset
    for (const chunk of r.records)
      for (let pos = 0; pos < chunk.length;) {
        const size = 12 + chunk.readInt32BE(pos + 8)
        const bytes = chunk.subarray(pos, pos + size)
        const base = bytes.readBigInt64BE(0)
        const last = base + BigInt(bytes.readInt32BE(23))
        visit(bytes, base, last)
        next = last + 1n
        pos += size
      }
    offset = next
  }
}

/** Every record from the log start to the end. */
export async function readAllRecords(log: PartitionLog): Promise<SeenRecord[]> {
  const out: SeenRecord[] = []
  let offset = log.logStartOffset()
  let lastBatchEnd = -1n
  while (offset < log.logEndOffset()) {
    const r = await log.read(offset, 1 << 20)
    if (r.records.length === 0) break
    let next = offset
    for (const chunk of r.records) {
      for (let pos = 0; pos < chunk.length;) {
        const size = 12 + chunk.readInt32BE(pos + 8)
        const bytes = chunk.subarray(pos, pos + size)
        expect(crc32c(bytes.subarray(21))).toBe(bytes.readUInt32BE(17))
        const base = bytes.readBigInt64BE(0)
        const last = base + BigInt(bytes.readInt32BE(23))
        expect(base > lastBatchEnd, `batch at ${base} overlaps the one ending at ${lastBatchEnd}`).toBe(true)
        lastBatchEnd = last
        for (const rec of readRecords(bytes)) {
          const o = base + BigInt(rec.offsetDelta)
          if (o < offset) continue
          out.push({
            offset: o,
            key: rec.key === null ? null : rec.key.toString(),
            value: rec.value === null ? null : rec.value.toString(),
          })
        }
        next = last + 1n
        pos += size
      }
    }
    offset = next
  }
  return out
}
