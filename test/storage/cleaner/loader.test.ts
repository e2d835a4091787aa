// The loader's side of the swap protocol: a `.log.swap` replaces its segment (old indexes
// dropped and rebuilt), a `.log.cleaned` is discarded, and a `.log.swap` whose segment is gone is
// discarded too.

import { describe, expect, it } from 'vitest'
import { MemoryFileSystem, writeFully } from '../../../src/storage/fs.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import { keyedBatch, readAllRecords } from './records.ts'

const cfg = config({ cleanupPolicy: { delete: false, compact: true }, segmentBytes: 120 })
const DIR = '/data/t-0'

async function put(fs: MemoryFileSystem, name: string, data: Buffer): Promise<void> {
  const h = await fs.open(`${DIR}/${name}`, { create: true })
  await writeFully(h, data, 0)
  await h.sync()
  await h.close()
  await fs.syncDir(DIR)
}

describe('loader and compaction leftovers', () => {
  it('finishes swaps, drops cleaned files and orphaned swaps', async () => {
    const fs = new MemoryFileSystem()
    let store = await openStore(fs)
    let log = await store.open(TP, cfg)
    for (const v of ['a0', 'a1', 'a2', 'a3'])
      await log.append(keyedBatch([{ key: 'a', value: v }]), { leaderEpoch: 0 })
    await store.close()
    const swapped = keyedBatch([{ key: 'a', value: 'swapped' }])
    swapped.writeBigInt64BE(1n, 0)
    await put(fs, '00000000000000000001.log.swap', swapped)
    await put(fs, '00000000000000000002.log.cleaned', swapped)
    await put(fs, '00000000000000000099.log.swap', swapped)
    store = await openStore(fs)
    log = await store.open(TP, cfg)
    expect((await readAllRecords(log)).map((r) => r.value)).toEqual(['a0', 'swapped', 'a2', 'a3'])
    const names = (await fs.readdir(DIR)).sort()
    expect(names.filter((n) => /\.(swap|cleaned)$/.test(n))).toEqual([])
    expect(names.filter((n) => n.startsWith('00000000000000000099'))).toEqual([])
    expect(names).toContain('00000000000000000001.index')
    // Reading at offset 1 goes through the rebuilt index of the swapped-in segment.
    const r = await log.read(1n, 1 << 20)
    expect(r.records[0]!.readBigInt64BE(0)).toBe(1n)
    await store.close()
  })

  it('finishes a merged swap: old segments inside its range go, later ones stay', async () => {
    const fs = new MemoryFileSystem()
    let store = await openStore(fs)
    let log = await store.open(TP, cfg)
    // One batch per segment (segment.bytes 120): segments at 0, 1, 2, 3, 4, 5.
    for (const v of ['a0', 'b1', 'a2', 'c3', 'd4', 'e5'])
      await log.append(keyedBatch([{ key: v[0]!, value: v }]), { leaderEpoch: 0 })
    await store.close()
    expect((await fs.readdir(DIR)).filter((n) => n.endsWith('.log')).length).toBe(6)
    // A committed merge of segments 0..3 whose output ends at offset 2 (c3 was cleaned away,
    // say): segments 1 and 2 lie inside its range and go; 3 (past its end) stays intact.
    const b1 = keyedBatch([{ key: 'b', value: 'b1' }])
    b1.writeBigInt64BE(1n, 0)
    const a2 = keyedBatch([{ key: 'a', value: 'a2' }])
    a2.writeBigInt64BE(2n, 0)
    await put(fs, '00000000000000000000.log.swap', Buffer.concat([b1, a2]))
    store = await openStore(fs)
    log = await store.open(TP, cfg)
    expect((await readAllRecords(log)).map((r) => `${r.value}@${r.offset}`)).toEqual([
      'b1@1',
      'a2@2',
      'c3@3',
      'd4@4',
      'e5@5',
    ])
    const logs = (await fs.readdir(DIR)).filter((n) => /\.(log|index|timeindex)$/.test(n)).sort()
    expect(logs.filter((n) => n.startsWith('0000000000000000000') && /[12]\./.test(n.slice(19)))).toEqual([])
    expect(logs).toContain('00000000000000000003.log')
    await store.close()
  })
})
