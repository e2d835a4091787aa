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
})
