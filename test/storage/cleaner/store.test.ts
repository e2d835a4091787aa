// The cleaner through a store's maintain(), for the memory and the disk store: passes run only
// past min.cleanable.dirty.ratio, never beyond the last stable offset, discard aborted
// transactions and remove transaction markers as Kafka does, and (disk) remember where they
// stopped in cleaner-offset-checkpoint.

import { describe, expect, it } from 'vitest'
import { ATTR_CONTROL, ATTR_TRANSACTIONAL } from '../../../src/protocol/records/batch-header.ts'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import type { LogConfig, LogStore, PartitionLog } from '../../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/memory/index.ts'
import { batchOffsets } from '../batches.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import { keyedBatch, markerRecord, readAllRecords, type SeenRecord } from './records.ts'

const NOW = 5_000_000

const cfg = (overrides: Partial<LogConfig> = {}): LogConfig =>
  config({
    cleanupPolicy: { delete: false, compact: true },
    // One ~90-byte batch per segment.
    segmentBytes: 120,
    minCleanableDirtyRatio: 0.5,
    deleteRetentionMs: 1e12,
    ...overrides,
  })

interface Subject {
  store: LogStore
  fs?: MemoryFileSystem
}

const subjects: [string, () => Promise<Subject>][] = [
  ['memory', () => Promise.resolve({ store: createMemoryLogStore({ now: () => NOW }) })],
  [
    'disk',
    async () => {
      const fs = new MemoryFileSystem()
      return { store: await openStore(fs, { now: () => NOW }), fs }
    },
  ],
]

async function put(log: PartitionLog, key: string, value: string | null, attributes = 0): Promise<bigint> {
  const opts =
    attributes === 0 ? {} : { attributes, producerId: attributes === 1 ? -1n : 9n, producerEpoch: 0 }
  const r = await log.append(keyedBatch([{ key, value }], 1_000_000n, opts), { leaderEpoch: 0 })
  // The disk cleaner stays below the recovery point: flush as a roll's background flush would.
  await log.flush()
  return r.baseOffset
}

const keys = (rs: SeenRecord[]): string[] => rs.map((r) => `${r.key}@${r.offset}`)

/** Like keys(), with transaction markers named. */
const names = (rs: SeenRecord[]): string[] =>
  rs.map((r) => {
    const marker =
      r.key === markerRecord('abort').key ? 'ABORT' : r.key === markerRecord('commit').key ? 'COMMIT' : r.key
    return `${marker}@${r.offset}`
  })

/** A transaction marker of producer 9 (flushed like put()); returns its offset. */
async function putMarker(log: PartitionLog, type: 'abort' | 'commit'): Promise<bigint> {
  const opts = { attributes: ATTR_TRANSACTIONAL | ATTR_CONTROL, producerId: 9n, producerEpoch: 0 }
  const r = await log.append(keyedBatch([markerRecord(type)], 1_000_000n, opts), { leaderEpoch: 0 })
  await log.flush()
  return r.baseOffset
}

describe.each(subjects)('cleaner via maintain() (%s store)', (_name, make) => {
  it('cleans past min.cleanable.dirty.ratio only, up to the active segment', async () => {
    const { store } = await make()
    const log = await store.open(TP, cfg())
    for (let i = 0; i < 6; i++) await put(log, i % 2 === 0 ? 'a' : 'b', `v${i}`)
    await store.maintain(NOW)
    // Offset 5 is in the active segment; below it, the latest of each key.
    expect(keys(await readAllRecords(log))).toEqual(['b@3', 'a@4', 'b@5'])
    // A little new dirt over a larger clean part stays below a high ratio.
    await store.open(TP, cfg({ minCleanableDirtyRatio: 0.9 }))
    for (let i = 6; i < 8; i++) await put(log, 'a', `v${i}`)
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['b@3', 'a@4', 'b@5', 'a@6', 'a@7'])
    await store.open(TP, cfg({ minCleanableDirtyRatio: 0.1 }))
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['b@5', 'a@6', 'a@7'])
    await store.close()
  })

  it('cleans past max.compaction.lag.ms whatever the dirty ratio (KIP-354)', async () => {
    const { store } = await make()
    const log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0.01 }))
    for (let i = 0; i < 6; i++) await put(log, `k${i}`, `v${i}`)
    await put(log, 'k0', 'again')
    await put(log, 'k9', 'active')
    await store.maintain(NOW)
    const cleaned = ['k1@1', 'k2@2', 'k3@3', 'k4@4', 'k5@5', 'k0@6']
    expect(keys(await readAllRecords(log))).toEqual([...cleaned, 'k9@7'])
    // A little new dirt over a large clean part: below the ratio...
    await store.open(TP, cfg({ minCleanableDirtyRatio: 0.9 }))
    await put(log, 'k1', 'again')
    await put(log, 'k9', 'active')
    await store.maintain(NOW)
    const dirty = [...cleaned, 'k9@7', 'k1@8', 'k9@9']
    expect(keys(await readAllRecords(log))).toEqual(dirty)
    // ...and younger than the max lag (records are stamped 1,000,000; now is 5,000,000).
    await store.open(TP, cfg({ minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 4_000_001 }))
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(dirty)
    // Older than the max lag: cleaned regardless of the ratio.
    await store.open(TP, cfg({ minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 3_999_999 }))
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual([
      'k2@2',
      'k3@3',
      'k4@4',
      'k5@5',
      'k0@6',
      'k9@7',
      'k1@8',
      'k9@9',
    ])
    await store.close()
  })

  it('never cleans at or beyond the last stable offset', async () => {
    const { store } = await make()
    const log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0 }))
    for (let i = 0; i < 6; i++) await put(log, 'a', `v${i}`)
    log.setFirstUnstableOffset(3n)
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['a@2', 'a@3', 'a@4', 'a@5'])
    log.setFirstUnstableOffset(undefined)
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['a@4', 'a@5'])
    await store.close()
  })

  it('discards aborted transactions, compacts committed ones, removes markers after delete.retention.ms', async () => {
    const { store } = await make()
    let now = NOW
    const log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0, deleteRetentionMs: 1_000 }))
    await put(log, 'a', 'committed-before')
    await put(log, 'a', 'aborted', ATTR_TRANSACTIONAL)
    const abort = await putMarker(log, 'abort')
    await log.addAbortedTransaction({
      producerId: 9n,
      firstOffset: 1n,
      lastOffset: abort,
      lastStableOffset: abort + 1n,
    })
    await put(log, 'b', 'x', ATTR_TRANSACTIONAL)
    await put(log, 'b', 'y', ATTR_TRANSACTIONAL)
    await putMarker(log, 'commit')
    // The producer's last batch keeps its state; the markers before it may go.
    await put(log, 'p', 'last', ATTR_TRANSACTIONAL)
    await putMarker(log, 'commit')
    await put(log, 'c', 'filler')
    const named = async (): Promise<string[]> => names(await readAllRecords(log))
    await store.maintain(now)
    // The aborted record is gone and did not hide a@0; its marker stays this pass (records of its
    // transaction were seen), its index entry goes (none is left).
    expect(await named()).toEqual(['a@0', 'ABORT@2', 'b@4', 'COMMIT@5', 'p@6', 'COMMIT@7', 'c@8'])
    expect(log.abortedTransactions(0n, 100n)).toEqual([])
    // The next pass finds the ABORT marker's transaction empty: stamped, kept until the horizon.
    await put(log, 'c', 'filler')
    await store.maintain(now)
    expect(await named()).toEqual(['a@0', 'ABORT@2', 'b@4', 'COMMIT@5', 'p@6', 'COMMIT@7', 'c@8', 'c@9'])
    now += 1_000
    await put(log, 'c', 'filler')
    await store.maintain(now)
    // The COMMIT markers stay: a record of the first's transaction remains, the second is the
    // producer's last batch.
    expect(await named()).toEqual(['a@0', 'b@4', 'COMMIT@5', 'p@6', 'COMMIT@7', 'c@9', 'c@10'])
    await store.close()
  })

  it('cleans from the log start offset (DeleteRecords) and with cleanup.policy=compact,delete', async () => {
    const { store } = await make()
    const log = await store.open(
      TP,
      cfg({ minCleanableDirtyRatio: 0, cleanupPolicy: { delete: true, compact: true }, retentionMs: -1 }),
    )
    for (let i = 0; i < 6; i++) await put(log, i < 3 ? 'a' : 'b', `v${i}`)
    await log.deleteRecordsBefore(2n)
    await store.maintain(NOW)
    expect(log.logStartOffset()).toBe(2n)
    expect(keys(await readAllRecords(log))).toEqual(['a@2', 'b@4', 'b@5'])
    await store.close()
  })

  it('drops tombstones once past delete.retention.ms', async () => {
    const { store } = await make()
    const log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0, deleteRetentionMs: 1_000_000 }))
    await put(log, 'a', 'v')
    await put(log, 'a', null)
    await put(log, 'b', 'filler')
    // Records are stamped 1_000_000: at NOW - 1_000_000 = 4_000_000 they are past the horizon.
    await store.maintain(1_500_000)
    expect(keys(await readAllRecords(log))).toEqual(['a@1', 'b@2'])
    await put(log, 'c', 'filler')
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['b@2', 'c@3'])
    await store.close()
  })
})

describe.each(subjects)('an undecodable batch (%s store)', (_name, make) => {
  it('marks the partition uncleanable once instead of failing every maintain()', async () => {
    const { store } = await make()
    const log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0 }))
    await put(log, 'a', 'v0')
    // Claims gzip but holds plain records: decompression fails when the cleaner opens it.
    await put(log, 'a', 'v1', 1)
    await put(log, 'a', 'v2')
    await put(log, 'a', 'v3')
    await expect(store.maintain(NOW)).rejects.toThrow(/uncleanable/)
    await store.maintain(NOW)
    // Nothing was rewritten: all four batches are still there.
    expect(batchOffsets((await log.read(0n, 1 << 20)).records).map((b) => b.base)).toEqual([0n, 1n, 2n, 3n])
    await store.close()
  })
})

describe('log.cleaner.enable=false', () => {
  it('leaves compacted logs alone', async () => {
    for (const store of [
      createMemoryLogStore({ now: () => NOW, cleaner: { enabled: false } }),
      await openStore(new MemoryFileSystem(), { now: () => NOW, cleaner: { enabled: false } }),
    ]) {
      const log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0 }))
      for (let i = 0; i < 4; i++) await put(log, 'a', `v${i}`)
      await store.maintain(NOW)
      expect(keys(await readAllRecords(log))).toEqual(['a@0', 'a@1', 'a@2', 'a@3'])
      await store.close()
    }
  })
})

describe('durable disk log', () => {
  it('cleans sealed segments without an explicit flush', async () => {
    const fs = new MemoryFileSystem()
    const store = await openStore(fs, { now: () => NOW })
    const log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0, durable: true }))
    for (let i = 0; i < 5; i++)
      await log.append(keyedBatch([{ key: 'a', value: `v${i}` }]), { leaderEpoch: 0 })
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['a@3', 'a@4'])
    await store.close()
  })
})

describe('cleaner-offset-checkpoint', () => {
  it('keeps the first dirty offset across restarts', async () => {
    const fs = new MemoryFileSystem()
    let store = await openStore(fs, { now: () => NOW })
    let log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0.9 }))
    for (let i = 0; i < 6; i++) await put(log, 'a', `v${i}`)
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['a@4', 'a@5'])
    expect((await fs.readFile('/data/cleaner-offset-checkpoint')).toString()).toBe('0\n1\nt 0 5\n')
    await put(log, 'a', 'v6')
    await store.close()
    store = await openStore(fs, { now: () => NOW })
    log = await store.open(TP, cfg({ minCleanableDirtyRatio: 0.9 }))
    await put(log, 'a', 'v7')
    // Dirty: the segments at 5 and 6 over a clean one at 4 (ratio 2/3): below 0.9. Without the
    // checkpoint the whole log would count as dirty and be cleaned.
    await store.maintain(NOW)
    expect(keys(await readAllRecords(log))).toEqual(['a@4', 'a@5', 'a@6', 'a@7'])
    await store.close()
  })
})
