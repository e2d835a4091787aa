// Producer-state snapshot files: the byte layout of Kafka's ProducerSnapshot v1 (CRC-32C over
// everything after the CRC field), rejection of torn and corrupt files, and the disk log's rules
// for which snapshots exist (rolls reported, truncation, retention, stray and unclean-shutdown
// clean-up, the latest readable one at load).

import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/protocol/records/crc32c.ts'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import type { ProducerSnapshotEntry, ProducerStateListener } from '../../src/storage/log-store.ts'
import {
  CorruptSnapshotError,
  decodeProducerSnapshot,
  encodeProducerSnapshot,
} from '../../src/storage/log/producer-snapshot-file.ts'
import { createMemoryLogStore } from '../../src/storage/index.ts'
import { simpleBatch } from './batches.ts'
import { config } from './log-behaviour.ts'
import { openLog } from './helpers.ts'

const A: ProducerSnapshotEntry = {
  producerId: 0x0102030405060708n,
  producerEpoch: 3,
  lastSequence: 41,
  lastOffset: 1000n,
  offsetDelta: 4,
  timestamp: 1_700_000_000_123n,
  coordinatorEpoch: 7,
  currentTxnFirstOffset: -1n,
}
const B: ProducerSnapshotEntry = {
  producerId: 9n,
  producerEpoch: 0,
  lastSequence: -1,
  lastOffset: -1n,
  offsetDelta: 0,
  timestamp: 5n,
  coordinatorEpoch: -1,
  currentTxnFirstOffset: 990n,
}

const path = (offset: bigint): string => `/data/t-0/${offset.toString().padStart(20, '0')}.snapshot`

describe('producer snapshot file format', () => {
  it('uses Castagnoli CRC-32C', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
  })

  it('writes an empty snapshot as version 1, the CRC of the empty array, count 0', () => {
    // CRC-32C of four zero bytes (the int32 entry count) is 0x48674bc7.
    expect(encodeProducerSnapshot([]).toString('hex')).toBe('0001' + '48674bc7' + '00000000')
  })

  it('lays entries out field by field, 46 bytes each, as ProducerSnapshot.json declares', () => {
    const bytes = encodeProducerSnapshot([A, B])
    const expected = Buffer.alloc(2 + 4 + 4 + 2 * 46)
    let at = 0
    at = expected.writeInt16BE(1, at)
    at += 4 // crc, checked below
    at = expected.writeInt32BE(2, at)
    for (const e of [A, B]) {
      at = expected.writeBigInt64BE(e.producerId, at)
      at = expected.writeInt16BE(e.producerEpoch, at)
      at = expected.writeInt32BE(e.lastSequence, at)
      at = expected.writeBigInt64BE(e.lastOffset, at)
      at = expected.writeInt32BE(e.offsetDelta, at)
      at = expected.writeBigInt64BE(e.timestamp, at)
      at = expected.writeInt32BE(e.coordinatorEpoch, at)
      at = expected.writeBigInt64BE(e.currentTxnFirstOffset, at)
    }
    expect(at).toBe(expected.length)
    expected.writeUInt32BE(crc32c(expected.subarray(6)), 2)
    expect(bytes.equals(expected)).toBe(true)
    expect(bytes.subarray(10, 18).toString('hex')).toBe('0102030405060708')
    expect(decodeProducerSnapshot(bytes)).toEqual([A, B])
  })

  it('rejects a flipped bit, a torn tail, a wrong version and a miscounted array', () => {
    const good = encodeProducerSnapshot([A, B])
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good)
      bad[i]! ^= 0x10
      expect(() => decodeProducerSnapshot(bad), `byte ${i}`).toThrow(CorruptSnapshotError)
    }
    for (const len of [0, 1, 6, 9, 10, 50, good.length - 1])
      expect(() => decodeProducerSnapshot(good.subarray(0, len)), `length ${len}`).toThrow(
        CorruptSnapshotError,
      )
    // A valid CRC over a count that does not match the length is still refused.
    const miscounted = Buffer.from(good)
    miscounted.writeInt32BE(3, 6)
    miscounted.writeUInt32BE(crc32c(miscounted.subarray(6)), 2)
    expect(() => decodeProducerSnapshot(miscounted)).toThrow(/declares 3 entries/)
    const v2 = Buffer.from(good)
    v2.writeInt16BE(2, 0)
    expect(() => decodeProducerSnapshot(v2)).toThrow(/version 2/)
  })
})

function recorder(): ProducerStateListener & { events: string[] } {
  const events: string[] = []
  return {
    events,
    rolled: (o) => events.push(`rolled ${o}`),
    truncated: (o) => events.push(`truncated ${o}`),
  }
}

async function fill(log: { append: (b: Buffer, o: { leaderEpoch: number }) => Promise<unknown> }, n: number) {
  for (let i = 0; i < n; i++) await log.append(simpleBatch(2, 40, BigInt(1000 + i)), { leaderEpoch: 0 })
}

describe('producer snapshots of the disk log', () => {
  it('reports rolls, stores snapshots by offset and returns the latest at or below the end', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs, { segmentBytes: 500 })
    const events = recorder()
    log.setProducerStateListener(events)
    await fill(log, 12)
    const bases = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
    expect(bases.length).toBeGreaterThan(2)
    expect(events.events).toEqual(bases.slice(1).map((b) => `rolled ${b}`))

    await log.writeProducerSnapshot({ offset: bases[1]!, entries: [A] })
    await log.writeProducerSnapshot({ offset: bases[2]!, entries: [A, B] })
    // Beyond the log end: dropped.
    await log.writeProducerSnapshot({ offset: log.logEndOffset() + 1n, entries: [] })
    expect(fs.live.files.has(path(bases[2]!))).toBe(true)
    expect(fs.live.files.has(path(log.logEndOffset() + 1n))).toBe(false)
    expect([...fs.live.files.keys()].some((p) => p.endsWith('.tmp'))).toBe(false)
    expect(await log.latestProducerSnapshot()).toEqual({ offset: bases[2]!, entries: [A, B] })
    await store.close()
  })

  it('deletes snapshots above the new end on truncation and tells the owner', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs, { segmentBytes: 500 })
    await fill(log, 12)
    const events = recorder()
    log.setProducerStateListener(events)
    for (const o of [4n, 10n, 16n]) await log.writeProducerSnapshot({ offset: o, entries: [A] })
    await log.truncateTo(11n)
    expect(events.events).toEqual([`truncated ${log.logEndOffset()}`])
    expect(fs.live.files.has(path(16n))).toBe(false)
    expect(fs.live.files.has(path(10n))).toBe(true)
    expect((await log.latestProducerSnapshot())?.offset).toBe(10n)
    // Below the log start the log starts over empty (truncateFullyAndStartAt): no snapshot stays.
    await log.deleteRecordsBefore(6n)
    await log.truncateTo(2n)
    expect(events.events.at(-1)).toBe('truncated 2')
    expect(await log.latestProducerSnapshot()).toBeUndefined()
    expect([...fs.live.files.keys()].filter((p) => p.endsWith('.snapshot'))).toEqual([])
    await store.close()
  })

  it('drops a snapshot written across a truncation', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs)
    await fill(log, 6)
    const write = log.writeProducerSnapshot({ offset: 10n, entries: [A] })
    await log.truncateTo(4n)
    await fill(log, 6)
    await write
    expect(log.logEndOffset()).toBeGreaterThan(10n)
    expect(await log.latestProducerSnapshot()).toBeUndefined()
    await store.close()
  })

  it('deletes snapshots below the log start offset when retention moves it', async () => {
    const fs = new MemoryFileSystem()
    let now = 100_000
    const { store, log } = await openLog(fs, { segmentBytes: 500, retentionMs: 1000 }, { now: () => now })
    for (let i = 0; i < 12; i++)
      await log.append(simpleBatch(2, 40, BigInt(i < 8 ? 1000 : now + 10_000)), { leaderEpoch: 0 })
    const bases = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
    for (const b of bases) await log.writeProducerSnapshot({ offset: b, entries: [A] })
    now += 5000
    await store.maintain(now)
    const start = log.logStartOffset()
    expect(start).toBeGreaterThan(0n)
    for (const b of bases) expect(fs.live.files.has(path(b)), `snapshot ${b}`).toBe(b >= start)
    await store.close()
  })

  it('at load keeps segment-aligned snapshots and the latest stray above the last segment', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs, { segmentBytes: 500 })
    await fill(log, 12)
    const bases = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
    const last = bases.at(-1)!
    const end = log.logEndOffset()
    expect(end).toBeGreaterThan(last + 1n)
    for (const o of [bases[1]!, bases[1]! + 1n, last, last + 1n, end])
      await log.writeProducerSnapshot({ offset: o, entries: [A] })
    await store.close()
    const again = await openLog(fs, { segmentBytes: 500 })
    expect(
      (again.log as unknown as { producerSnapshotOffsets(): bigint[] }).producerSnapshotOffsets(),
    ).toEqual([bases[1]!, last, end])
    expect(fs.live.files.has(path(bases[1]! + 1n))).toBe(false)
    expect(fs.live.files.has(path(last + 1n))).toBe(false)
    await again.store.close()
  })

  it('deletes a corrupt latest snapshot at load and falls back to the next older one', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs, { segmentBytes: 500 })
    await fill(log, 12)
    const bases = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
    await log.writeProducerSnapshot({ offset: bases[1]!, entries: [B] })
    await log.writeProducerSnapshot({ offset: bases[2]!, entries: [A] })
    await store.close()
    // Media corruption (or a non-atomic writer torn by a crash): one byte of the entries flipped.
    const f = fs.live.files.get(path(bases[2]!))!
    f.data[20]! ^= 0xff
    const again = await openLog(fs, { segmentBytes: 500 })
    expect(await again.log.latestProducerSnapshot()).toEqual({ offset: bases[1]!, entries: [B] })
    expect(fs.live.files.has(path(bases[2]!))).toBe(false)
    // Empty files (a crash before any byte reached the disk) are refused the same way.
    fs.live.files.get(path(bases[1]!))!.length = 0
    expect(await again.log.latestProducerSnapshot()).toBeUndefined()
    await again.store.close()
  })

  it('a crash while a snapshot is being written leaves the previous one in use', async () => {
    for (let ops = 1; ops <= 6; ops++) {
      const fs = new MemoryFileSystem()
      const { store, log } = await openLog(fs, { segmentBytes: 500 })
      await fill(log, 12)
      const [, older, newer] = (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
      await log.writeProducerSnapshot({ offset: older!, entries: [B] })
      await store.flush()
      fs.faults.crashAfterOps = fs.ops + ops
      await log.writeProducerSnapshot({ offset: newer!, entries: [A, B] }).catch(() => undefined)
      await store.flush().catch(() => undefined)
      for (const mode of ['torn', 'torn-garbage', 'process-kill'] as const) {
        const after = fs.afterCrash(mode)
        const again = await openLog(after, { segmentBytes: 500 })
        const latest = await again.log.latestProducerSnapshot()
        // Either the new snapshot made it whole, or the old one is used; never a torn one.
        expect([older, newer], `${mode} after ${ops} ops`).toContain(latest?.offset)
        expect(latest?.entries).toEqual(latest?.offset === older ? [B] : [A, B])
        expect([...after.live.files.keys()].some((p) => p.endsWith('.tmp'))).toBe(false)
        await again.store.close()
      }
    }
  })

  it('after an unclean shutdown drops snapshots above the recovery point', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs, { segmentBytes: 500 })
    await fill(log, 6)
    await store.flush()
    const rp = log.logEndOffset()
    await log.writeProducerSnapshot({ offset: rp, entries: [B] })
    await fill(log, 6)
    await log.writeProducerSnapshot({ offset: log.logEndOffset(), entries: [A] })
    fs.crash()
    const again = await openLog(fs.afterCrash('process-kill'), { segmentBytes: 500 })
    expect(again.log.logEndOffset()).toBeGreaterThan(rp)
    expect(await again.log.latestProducerSnapshot()).toEqual({ offset: rp, entries: [B] })
    await again.store.close()
  })

  it('the memory log keeps none but reports truncation', async () => {
    const log = await createMemoryLogStore().open({ topic: 't', partition: 0 }, config())
    const events = recorder()
    log.setProducerStateListener(events)
    await fill(log, 4)
    await log.writeProducerSnapshot({ offset: 4n, entries: [A] })
    expect(await log.latestProducerSnapshot()).toBeUndefined()
    await log.truncateTo(2n)
    expect(events.events).toEqual(['truncated 2'])
  })
})
