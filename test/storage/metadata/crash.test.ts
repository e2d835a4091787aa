// Crash safety over the fault-injecting file system: stop the machine after the N-th file-system
// operation, for every N across a workload that crosses several snapshots, and check that what
// a restarted process finds loads to exactly the acknowledged changes (plus, at most, the one in
// flight) — both when only fsynced data survives and when everything written does.

import { describe, expect, it } from 'vitest'
import type { MetadataStore } from '../../../src/storage/metadata-store.ts'
import { MetadataStoreFailedError, openMetadataStore } from '../../../src/storage/metadata/index.ts'
import { Journal } from '../../../src/storage/metadata/journal.ts'
import { createMemoryMetadataStore } from '../../../src/storage/metadata/memory-metadata-store.ts'
import { CrashError, FaultFs } from './fault-fs.ts'
import type { OpKind } from './fault-fs.ts'
import { dump, run, workload } from './workload.ts'
import type { Dump, Op } from './workload.ts'

const DIR = '/meta'
const THRESHOLD = 300

function causedByCrash(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof CrashError) return true
  return false
}

async function expected(clusterId: string, ops: readonly Op[]): Promise<Dump> {
  const mem = createMemoryMetadataStore(clusterId)
  for (const op of ops) await run(mem, op)
  return dump(mem)
}

interface Outcome {
  clusterId: string | undefined
  acked: number
  maxProducerId: bigint
  crashedOn: OpKind | undefined
  completed: boolean
}

async function runUntilCrash(fs: FaultFs, ops: readonly Op[]): Promise<Outcome> {
  const out: Outcome = {
    clusterId: undefined,
    acked: 0,
    maxProducerId: -1n,
    crashedOn: undefined,
    completed: false,
  }
  let store: MetadataStore | undefined
  try {
    store = await openMetadataStore(DIR, { fs, snapshotThresholdBytes: THRESHOLD })
    out.clusterId = store.clusterId
    for (const op of ops) {
      const id = await run(store, op)
      if (id !== undefined && op.kind === 'producerIds') out.maxProducerId = id + BigInt(op.count) - 1n
      out.acked++
    }
    await store.close()
    out.completed = true
  } catch (err) {
    if (!causedByCrash(err)) throw err
  }
  return out
}

describe('metadata store crash safety', () => {
  it('loads the acknowledged state after a crash at every file-system operation', async () => {
    const ops = workload(40)
    let crashPoints = 0
    let staleReplaced = 0
    let tornTruncated = 0
    const crashKinds = new Set<string>()
    for (let n = 0; ; n++) {
      const fs = new FaultFs()
      fs.crashAfter = n
      const out = await runUntilCrash(fs, ops)
      if (out.completed) break
      crashPoints++
      crashKinds.add(fs.lastAttempt ?? '?')
      for (const mode of ['durable', 'volatile'] as const) {
        const after = fs.afterCrash(mode)
        const journal = await Journal.open(DIR, { fs: after, snapshotThresholdBytes: THRESHOLD })
        if (journal.recovery.staleJournalReplaced) staleReplaced++
        if (journal.recovery.truncatedBytes > 0) tornTruncated++
        await journal.close()
        const store = await openMetadataStore(DIR, { fs: after, snapshotThresholdBytes: THRESHOLD })
        const where = `crash after op ${n} (${fs.lastAttempt}), ${mode}, ${out.acked} acked`
        // A cluster id, once the store has been opened, never changes.
        if (out.clusterId !== undefined) expect(store.clusterId, where).toBe(out.clusterId)
        const got = dump(store)
        const acked = await expected(store.clusterId, ops.slice(0, out.acked))
        const withInFlight = await expected(store.clusterId, ops.slice(0, out.acked + 1))
        expect([acked, withInFlight], where).toContainEqual(got)
        // No producer id handed out before the crash is handed out again.
        expect(await store.allocateProducerIds(1), where).toBeGreaterThan(out.maxProducerId)
        // And the recovered store goes on working across another restart.
        const recovered = JSON.stringify(got) === JSON.stringify(acked) ? out.acked : out.acked + 1
        const rest = ops.slice(recovered, recovered + 5)
        for (const op of rest) await run(store, op)
        await store.close()
        const again = await openMetadataStore(DIR, { fs: after, snapshotThresholdBytes: THRESHOLD })
        expect(dump(again), where).toEqual(
          await expected(store.clusterId, ops.slice(0, recovered + rest.length)),
        )
        await again.close()
      }
    }
    console.log(
      `crash points: ${crashPoints} × 2 modes; stale journals replaced: ${staleReplaced}; torn tails truncated: ${tornTruncated}; crashed on: ${[...crashKinds].join(', ')}`,
    )
    expect(crashPoints).toBeGreaterThan(100)
    // The workload crossed snapshots and crashed inside every step of them.
    for (const kind of ['write', 'sync', 'rename', 'syncDir', 'open'] as const)
      expect(crashKinds.has(kind), kind).toBe(true)
    expect(staleReplaced).toBeGreaterThan(0)
    expect(tornTruncated).toBeGreaterThan(0)
  })

  it('a crash during recovery itself leaves a loadable state', async () => {
    const ops = workload(12)
    // A state with a torn tail: only the volatile (unsynced) write of the last frame survives half.
    const fs = new FaultFs()
    const store = await openMetadataStore(DIR, { fs })
    for (const op of ops) await run(store, op)
    await store.close()
    const journal = fs.peek(`${DIR}/metadata.journal`)!
    const torn = Buffer.concat([journal, Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 5])])
    const clusterId = store.clusterId
    const want = await expected(clusterId, ops)
    for (let n = 0; ; n++) {
      const base = new FaultFs()
      base.put(`${DIR}/metadata.journal`, torn)
      base.crashAfter = n
      let done = false
      try {
        const r = await openMetadataStore(DIR, { fs: base })
        await r.close()
        done = true
      } catch (err) {
        expect(causedByCrash(err)).toBe(true)
      }
      for (const mode of ['durable', 'volatile'] as const) {
        const r = await openMetadataStore(DIR, { fs: base.afterCrash(mode) })
        expect(dump(r)).toEqual(want)
        await r.close()
      }
      if (done) break
    }
  })

  it('a failed fsync fails the store: later changes are refused, reads and a reopen see only what was acknowledged', async () => {
    const ops = workload(10)
    const fs = new FaultFs()
    const store = await openMetadataStore(DIR, { fs })
    for (const op of ops.slice(0, 5)) await run(store, op)
    const before = dump(store)
    fs.failNext = { kind: 'sync', error: Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }) }
    await expect(run(store, ops[5]!)).rejects.toThrow(MetadataStoreFailedError)
    expect(dump(store)).toEqual(before)
    await expect(run(store, ops[6]!)).rejects.toThrow(MetadataStoreFailedError)
    await expect(store.allocateProducerIds(5000)).rejects.toThrow(MetadataStoreFailedError)
    await store.close()
    const r = await openMetadataStore(DIR, { fs: fs.afterCrash('durable') })
    expect(dump(r)).toEqual(before)
    await r.close()
  })

  it('ENOSPC while writing a snapshot fails the store without damaging the files', async () => {
    const ops = workload(30)
    const fs = new FaultFs()
    const store = await openMetadataStore(DIR, { fs, snapshotThresholdBytes: 1 << 20 })
    for (const op of ops) await run(store, op)
    await store.close()
    const j = await Journal.open(DIR, { fs, snapshotThresholdBytes: 1 << 20 })
    fs.failNext = {
      kind: 'write',
      error: Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
    }
    await expect(j.snapshot()).rejects.toThrow(/ENOSPC/)
    await expect(j.append({ type: 'brokerConfigsSet', configs: {} })).rejects.toThrow(
      MetadataStoreFailedError,
    )
    await j.close()
    for (const mode of ['durable', 'volatile'] as const) {
      const r = await openMetadataStore(DIR, { fs: fs.afterCrash(mode) })
      expect(dump(r)).toEqual(await expected(r.clusterId, ops))
      await r.close()
    }
  })
})
