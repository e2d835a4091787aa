// Recovery of the aborted-transaction index (.txnindex) from the log: after a crash the recovered
// segments' entries are derived again from their batches, starting from the open transactions
// of the latest producer-state snapshot at or below the first recovered segment (or a scan from
// the first segment), and a damaged index elsewhere is rebuilt the same way.

import { describe, expect, it } from 'vitest'
import { ATTR_CONTROL, ATTR_TRANSACTIONAL } from '../../src/protocol/records/batch-header.ts'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import type { LogConfig, PartitionLog, ProducerSnapshotEntry } from '../../src/storage/log-store.ts'
import { simpleBatch } from './batches.ts'
import { indexedAbortedTxns, keyedBatch, markerRecord, scannedAbortedTxns } from './cleaner/records.ts'
import { openLog } from './helpers.ts'

const PID = 5n
const CFG: Partial<LogConfig> = { segmentBytes: 400, indexIntervalBytes: 100 }
const DIR = '/data/t-0'

function txnData(): Buffer {
  return keyedBatch([{ key: 'k', value: 'aborted' }], 1_000n, {
    attributes: ATTR_TRANSACTIONAL,
    producerId: PID,
    producerEpoch: 0,
  })
}

function marker(type: 'abort' | 'commit'): Buffer {
  return keyedBatch([markerRecord(type)], 1_000n, {
    attributes: ATTR_TRANSACTIONAL | ATTR_CONTROL,
    producerId: PID,
    producerEpoch: 0,
  })
}

/** A snapshot entry of PID with a transaction open since `first`. */
function openTxnEntry(first: bigint): ProducerSnapshotEntry {
  return {
    producerId: PID,
    producerEpoch: 0,
    lastSequence: -1,
    lastOffset: -1n,
    offsetDelta: 0,
    timestamp: 1_000n,
    coordinatorEpoch: 0,
    currentTxnFirstOffset: first,
  }
}

/** What the broker records for an abort (markers.ts), with no other transaction open. */
function indexAbort(log: PartitionLog, first: bigint, at: bigint): Promise<void> {
  return log.addAbortedTransaction({
    producerId: PID,
    firstOffset: first,
    lastOffset: at,
    lastStableOffset: at + 1n,
  })
}

function bases(log: PartitionLog): bigint[] {
  return (log as unknown as { segmentBaseOffsets(): bigint[] }).segmentBaseOffsets()
}

async function fillToRoll(log: PartitionLog): Promise<void> {
  const n = bases(log).length
  while (bases(log).length === n) await log.append(simpleBatch(2, 40), { leaderEpoch: 0 })
}

/**
 * A transaction opened in the first segment, three segments later aborted; the log flushed
 * after the ABORT marker but crashed before its index entry was written durably.
 */
async function spanningAbort(withSnapshot: boolean) {
  const fs = new MemoryFileSystem()
  const { log } = await openLog(fs, CFG)
  await log.append(simpleBatch(2, 40), { leaderEpoch: 0 })
  const first = (await log.append(txnData(), { leaderEpoch: 0 })).baseOffset
  for (let i = 0; i < 3; i++) await fillToRoll(log)
  const activeBase = bases(log).at(-1)!
  if (withSnapshot)
    await log.writeProducerSnapshot({
      offset: activeBase,
      entries: [openTxnEntry(first)],
    })
  const m = await log.append(marker('abort'), { leaderEpoch: 0 })
  await log.flush()
  // The broker indexes the abort after the marker is in; the flush came first, so the entry is
  // only in the page cache.
  await indexAbort(log, first, m.baseOffset)
  fs.crash()
  return { fs, first, marker: m.baseOffset, activeBase, bases: bases(log) }
}

describe('aborted-transaction index recovery', () => {
  for (const withSnapshot of [true, false])
    it(`derives an abort whose transaction began below the recovery point (${withSnapshot ? 'producer snapshot' : 'scan from the first segment'})`, async () => {
      const { fs, first, marker: at, activeBase, bases: segs } = await spanningAbort(withSnapshot)
      expect(segs.length).toBe(4)
      expect(first).toBeLessThan(segs[1]!)
      const image = fs.afterCrash('power-loss')
      // Power loss dropped the unsynced entry.
      expect(image.live.files.has(`${DIR}/${activeBase.toString().padStart(20, '0')}.txnindex`)).toBe(false)
      const { store, log } = await openLog(image, CFG)
      expect(log.abortedTransactions(0n, log.logEndOffset())).toEqual([
        { producerId: PID, firstOffset: first, lastOffset: at, lastStableOffset: at + 1n },
      ])
      // Durable now: a second power loss right after recovery keeps it.
      image.crash()
      const { log: again } = await openLog(image.afterCrash('power-loss'), CFG)
      expect(indexedAbortedTxns(again.abortedTransactions(0n, again.logEndOffset()))).toEqual([
        `${PID}:${first}-${at}`,
      ])
      await store.close().catch(() => undefined)
    })

  it('takes the open transaction from the snapshot when its first batch was deleted by retention', async () => {
    const { fs, first, marker: at, activeBase } = await spanningAbort(true)
    const image = fs.afterCrash('process-kill')
    {
      const { store, log } = await openLog(image, CFG)
      await log.deleteRecordsBefore(bases(log)[1]!)
      // (a time before the batches' timestamps: only the segments below the log start go)
      await store.maintain(2_000)
      expect(bases(log)[0]).toBeGreaterThan(first)
      // The producer-state owner's snapshot at the segment holding the recovery point.
      await log.writeProducerSnapshot({ offset: activeBase, entries: [openTxnEntry(first)] })
      await log.flush()
      image.crash()
    }
    // Lose every .txnindex: recovery from the recovery point derives the abort again, its first
    // offset known only from the snapshot.
    const again = image.afterCrash('process-kill')
    for (const name of again.live.files.keys()) if (name.endsWith('.txnindex')) again.live.files.delete(name)
    const { log } = await openLog(again, CFG)
    expect(indexedAbortedTxns(log.abortedTransactions(0n, log.logEndOffset()))).toEqual([
      `${PID}:${first}-${at}`,
    ])
  })

  it('drops an entry whose marker the log lost, and a torn entry', async () => {
    const fs = new MemoryFileSystem()
    const { log } = await openLog(fs, CFG)
    const first = (await log.append(txnData(), { leaderEpoch: 0 })).baseOffset
    await log.flush()
    // The marker never reached the disk, but (say) its index entry did: it must not survive.
    const m = await log.append(marker('abort'), { leaderEpoch: 0 })
    await indexAbort(log, first, m.baseOffset)
    fs.crash()
    const image = fs.afterCrash('power-loss')
    const path = `${DIR}/00000000000000000000.txnindex`
    const entry = fs.afterCrash('process-kill').live.files.get(path)!.data
    for (const bytes of [entry, Buffer.concat([entry, entry.subarray(0, 20)])]) {
      image.live.files.set(path, {
        data: Buffer.from(bytes),
        length: bytes.length,
        synced: Buffer.from(bytes),
        mtimeMs: 0,
      })
      const opened = await openLog(image.snapshot(), CFG)
      expect(opened.log.logEndOffset()).toBe(m.baseOffset)
      expect(opened.log.abortedTransactions(0n, 100n)).toEqual([])
    }
  })

  it('rebuilds a damaged .txnindex below the recovery point and after a clean shutdown', async () => {
    const fs = new MemoryFileSystem()
    const { store, log } = await openLog(fs, CFG)
    const aborts: string[] = []
    for (let i = 0; i < 4; i++) {
      const first = (await log.append(txnData(), { leaderEpoch: 0 })).baseOffset
      const m = await log.append(marker(i % 2 === 0 ? 'abort' : 'commit'), { leaderEpoch: 0 })
      if (i % 2 === 0) {
        await indexAbort(log, first, m.baseOffset)
        aborts.push(`${PID}:${first}-${m.baseOffset}`)
      }
      await fillToRoll(log)
    }
    await store.close()
    const damaged = [...fs.live.files.keys()].filter((n) => n.endsWith('.txnindex'))
    expect(damaged.length).toBe(2)
    const image = fs.snapshot()
    // A partial entry on one, an entry whose marker lies in another segment on the other.
    const a = image.live.files.get(damaged[0]!)!
    const b = image.live.files.get(damaged[1]!)!
    const cut = Buffer.concat([a.data.subarray(0, a.length), Buffer.alloc(7)])
    image.live.files.set(damaged[0]!, { data: cut, length: cut.length, synced: Buffer.from(cut), mtimeMs: 0 })
    image.live.files.set(damaged[1]!, { ...a, data: Buffer.from(a.data), synced: Buffer.from(a.data) })
    expect(b.length).toBe(34)
    const { log: again } = await openLog(image, CFG)
    const got = indexedAbortedTxns(again.abortedTransactions(0n, again.logEndOffset()))
    expect(got).toEqual(aborts.sort())
    expect(got).toEqual(await scannedAbortedTxns(again))
  })
})
