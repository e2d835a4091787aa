// The journal on the real file system: restart recovery, torn and corrupt tails, snapshots,
// damaged files, and group commit.

import { cp, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MetadataCorruptError, openMetadataStore } from '../../../src/storage/metadata/index.ts'
import type { MetadataFs } from '../../../src/storage/metadata/index.ts'
import {
  JOURNAL_FILE,
  JOURNAL_HEADER_SIZE,
  Journal,
  SNAPSHOT_FILE,
  encodeJournalHeader,
} from '../../../src/storage/metadata/journal.ts'
import { nodeMetadataFs } from '../../../src/storage/metadata/metadata-fs.ts'
import { createMemoryMetadataStore } from '../../../src/storage/metadata/memory-metadata-store.ts'
import { dump, run, topicIdFor, workload } from './workload.ts'
import type { Op } from './workload.ts'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'samsa-metadata-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** The state a store reaches by applying `ops` to a fresh memory store with this cluster id. */
async function expected(clusterId: string, ops: readonly Op[]) {
  const mem = createMemoryMetadataStore(clusterId)
  for (const op of ops) await run(mem, op)
  return dump(mem)
}

function countingFs(): MetadataFs & { syncs: number } {
  const fs = {
    ...nodeMetadataFs,
    syncs: 0,
    async open(path: string, mode: 'create' | 'existing') {
      const f = await nodeMetadataFs.open(path, mode)
      return {
        write: (d: Buffer, p: number) => f.write(d, p),
        truncate: (l: number) => f.truncate(l),
        close: () => f.close(),
        sync: () => {
          fs.syncs++
          return f.sync()
        },
      }
    },
  }
  return fs
}

describe('metadata journal on disk', () => {
  it('recovers every change after a restart, with and without snapshots', async () => {
    for (const threshold of [1 << 20, 200]) {
      const dir = join(root, `t${threshold}`)
      const ops = workload(60)
      const a = await openMetadataStore(dir, { snapshotThresholdBytes: threshold })
      const ids: bigint[] = []
      for (const op of ops.slice(0, 30)) {
        const id = await run(a, op)
        if (id !== undefined) ids.push(id)
      }
      const clusterId = a.clusterId
      expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      await a.close()
      const b = await openMetadataStore(dir, { snapshotThresholdBytes: threshold })
      expect(dump(b)).toEqual(await expected(clusterId, ops.slice(0, 30)))
      for (const op of ops.slice(30)) {
        const id = await run(b, op)
        if (id !== undefined) ids.push(id)
      }
      await b.close()
      const c = await openMetadataStore(dir, { snapshotThresholdBytes: threshold })
      expect(dump(c)).toEqual(await expected(clusterId, ops))
      // Producer ids: strictly increasing across restarts, never repeated.
      ids.push(await c.allocateProducerIds(1))
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!)
      await c.close()
      const files = await stat(join(dir, SNAPSHOT_FILE)).then(
        () => true,
        () => false,
      )
      expect(files).toBe(threshold === 200)
    }
  })

  it('truncates a torn last frame at every byte and recovers the state before it', async () => {
    const dir = join(root, 'src')
    const ops = workload(8)
    const s = await openMetadataStore(dir)
    for (const op of ops.slice(0, 7)) await run(s, op)
    const clusterId = s.clusterId
    await s.close()
    const before = (await stat(join(dir, JOURNAL_FILE))).size
    const s2 = await openMetadataStore(dir)
    await run(s2, ops[7]!)
    await s2.close()
    const full = await readFile(join(dir, JOURNAL_FILE))
    expect(full.length).toBeGreaterThan(before + 8)
    const atBefore = await expected(clusterId, ops.slice(0, 7))
    const atAfter = await expected(clusterId, ops)

    for (let cut = before; cut < full.length; cut++) {
      const d = join(root, `cut-${cut}`)
      await cp(dir, d, { recursive: true })
      await truncate(join(d, JOURNAL_FILE), cut)
      const journal = await Journal.open(d)
      expect(journal.recovery.truncatedBytes).toBe(cut - before)
      await journal.close()
      expect((await stat(join(d, JOURNAL_FILE))).size).toBe(before)
      const r = await openMetadataStore(d)
      expect(dump(r)).toEqual(atBefore)
      // The recovered journal takes new appends where the torn frame was.
      await run(r, ops[7]!)
      await r.close()
      const again = await openMetadataStore(d)
      expect(dump(again)).toEqual(atAfter)
      await again.close()
      await rm(d, { recursive: true })
    }
  })

  it('drops a last frame with any flipped bit, and everything after a corrupt middle frame', async () => {
    const dir = join(root, 'src')
    const ops = workload(6)
    const s = await openMetadataStore(dir)
    const sizes: number[] = []
    for (const op of ops) {
      sizes.push((await stat(join(dir, JOURNAL_FILE))).size)
      await run(s, op)
    }
    const clusterId = s.clusterId
    await s.close()
    const full = await readFile(join(dir, JOURNAL_FILE))
    const lastStart = sizes[5]!
    const atBefore = await expected(clusterId, ops.slice(0, 5))
    for (let byte = lastStart; byte < full.length; byte++) {
      const bit = byte % 8
      const damaged = Buffer.from(full)
      damaged[byte]! ^= 1 << bit
      await writeFile(join(dir, JOURNAL_FILE), damaged)
      const r = await openMetadataStore(dir)
      expect(dump(r), `byte ${byte} bit ${bit}`).toEqual(atBefore)
      await r.close()
    }
    // Damage in frame 3 (ops[2]) ends the journal there: recovery keeps ops[0..1] only.
    const damaged = Buffer.from(full)
    damaged[sizes[2]! + 10]! ^= 0xff
    await writeFile(join(dir, JOURNAL_FILE), damaged)
    const r = await openMetadataStore(dir)
    expect(dump(r)).toEqual(await expected(clusterId, ops.slice(0, 2)))
    await r.close()
    expect((await stat(join(dir, JOURNAL_FILE))).size).toBe(sizes[2])
  })

  it('replaces a stale journal left by a crash between the snapshot rename and the journal reset', async () => {
    const dir = join(root, 'm')
    const ops = workload(10)
    const s = await openMetadataStore(dir, { snapshotThresholdBytes: 1 << 20 })
    for (const op of ops) await run(s, op)
    const clusterId = s.clusterId
    await s.close()
    const oldJournal = await readFile(join(dir, JOURNAL_FILE))
    const j = await Journal.open(dir)
    await j.snapshot()
    await j.close()
    // Put the pre-snapshot journal back: its records are all in the snapshot already.
    await writeFile(join(dir, JOURNAL_FILE), oldJournal)
    const r = await Journal.open(dir)
    expect(r.recovery.staleJournalReplaced).toBe(true)
    expect(r.recovery.replayedRecords).toBe(0)
    await r.close()
    const store = await openMetadataStore(dir)
    expect(dump(store)).toEqual(await expected(clusterId, ops))
    await store.close()
  })

  it('refuses damaged files with MetadataCorruptError instead of serving a wrong image', async () => {
    const dir = join(root, 'm')
    const s = await openMetadataStore(dir)
    await s.createTopic({ name: 'a', topicId: topicIdFor(1), partitions: 1, configs: {} })
    await s.close()
    const j = await Journal.open(dir)
    await j.snapshot()
    await j.close()
    const snapshot = await readFile(join(dir, SNAPSHOT_FILE))
    const journal = await readFile(join(dir, JOURNAL_FILE))

    const flipped = Buffer.from(snapshot)
    flipped[flipped.length - 1]! ^= 1
    await writeFile(join(dir, SNAPSHOT_FILE), flipped)
    await expect(openMetadataStore(dir)).rejects.toThrow(MetadataCorruptError)
    await writeFile(join(dir, SNAPSHOT_FILE), snapshot.subarray(0, snapshot.length - 1))
    await expect(openMetadataStore(dir)).rejects.toThrow(/header says/)
    await writeFile(join(dir, SNAPSHOT_FILE), snapshot)

    await writeFile(join(dir, JOURNAL_FILE), Buffer.from('not a journal at all'))
    await expect(openMetadataStore(dir)).rejects.toThrow(/not a metadata journal/)
    const badHeader = Buffer.from(journal)
    badHeader[9]! ^= 1
    await writeFile(join(dir, JOURNAL_FILE), badHeader)
    await expect(openMetadataStore(dir)).rejects.toThrow(/header CRC/)
    // A journal that continues a newer snapshot than the one present.
    await writeFile(join(dir, JOURNAL_FILE), encodeJournalHeader(7n))
    await expect(openMetadataStore(dir)).rejects.toThrow(/generation 7/)

    await writeFile(join(dir, JOURNAL_FILE), journal)
    const ok = await openMetadataStore(dir)
    expect(ok.topic('a')?.partitions).toBe(1)
    await ok.close()
  })

  it('an intact frame that contradicts the image is an error, not a tear', async () => {
    const dir = join(root, 'm')
    const s = await openMetadataStore(dir)
    await s.createTopic({ name: 'a', topicId: topicIdFor(1), partitions: 1, configs: {} })
    await s.close()
    const journal = await readFile(join(dir, JOURNAL_FILE))
    // Duplicate the last frame (topic 'a' created twice).
    const frames = journal.subarray(JOURNAL_HEADER_SIZE)
    const clusterFrameLength = 8 + frames.readUInt32BE(0)
    await writeFile(join(dir, JOURNAL_FILE), Buffer.concat([journal, frames.subarray(clusterFrameLength)]))
    await expect(openMetadataStore(dir)).rejects.toThrow(/created twice/)
  })

  it('concurrent appends share fsyncs (group commit)', async () => {
    const fs = countingFs()
    const store = await openMetadataStore(join(root, 'g'), { fs })
    const create = (i: number) =>
      store.createTopic({ name: `t${i}`, topicId: topicIdFor(i), partitions: 1, configs: {} })

    let before = fs.syncs
    for (let i = 0; i < 10; i++) await create(i)
    const sequential = fs.syncs - before
    expect(sequential).toBe(10)

    before = fs.syncs
    await Promise.all(Array.from({ length: 200 }, (_, i) => create(100 + i)))
    const sameTick = fs.syncs - before
    expect(sameTick).toBe(1)

    // Appends arriving while a write+fsync is in flight wait and share the next one.
    before = fs.syncs
    const first = Array.from({ length: 50 }, (_, i) => create(400 + i))
    await new Promise((r) => setImmediate(r))
    const second = Array.from({ length: 50 }, (_, i) => create(500 + i))
    await Promise.all([...first, ...second])
    const overlapping = fs.syncs - before
    expect(overlapping).toBeLessThanOrEqual(2)
    console.log(
      `fsyncs: 10 sequential → ${sequential}; 200 same-tick → ${sameTick}; 2×50 overlapping → ${overlapping}`,
    )
    expect(store.topics()).toHaveLength(310)
    await store.close()
  })
})
