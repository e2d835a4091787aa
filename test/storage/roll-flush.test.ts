// A roll's flush of the finished segment runs in the background (Kafka's log flush scheduler):
// appends go on while its fsyncs are under way, the recovery point moves only once they have
// all succeeded, and a crash before that recovers from the old point.

import { describe, expect, it } from 'vitest'
import { MemoryFileSystem, type FileHandle } from '../../src/storage/fs.ts'
import { simpleBatch } from './batches.ts'
import { config } from './log-behaviour.ts'
import { openStore, readAll, TP } from './helpers.ts'

/** A MemoryFileSystem whose fsyncs of matching files and directories wait until released. */
class GatedSyncFs extends MemoryFileSystem {
  gate: { match: (path: string) => boolean; open: Promise<void>; waiting: number } | undefined

  async #wait(path: string): Promise<void> {
    const gate = this.gate
    if (gate?.match(path) === true) {
      gate.waiting++
      await gate.open
    }
  }

  override async syncDir(path: string): Promise<void> {
    await this.#wait(path)
    await super.syncDir(path)
  }

  override async open(path: string, options?: { create?: boolean }): Promise<FileHandle> {
    const h = await super.open(path, options)
    const sync = h.sync.bind(h)
    h.sync = async (): Promise<void> => {
      await this.#wait(path)
      await sync()
    }
    return h
  }
}

interface LogWithPoint {
  recoveryPoint(): bigint
  segmentBaseOffsets(): bigint[]
}

describe("a roll's background flush", () => {
  it('never holds up appends, and moves the recovery point only after the fsyncs', async () => {
    const fs = new GatedSyncFs()
    let release!: () => void
    const open = new Promise<void>((r) => (release = r))
    // The flush's fsyncs after the segment's own: the directory and the epoch checkpoint (in
    // the queue, they would hold up every append behind them).
    const gated = ['/data/t-0', '/data', '/data/t-0/leader-epoch-checkpoint.tmp']
    fs.gate = { match: (p) => gated.includes(p), open, waiting: 0 }
    const store = await openStore(fs)
    const log = await store.open(TP, config({ segmentBytes: 400 }))
    const view = log as unknown as LogWithPoint
    for (let i = 0; i < 4; i++) await log.append(simpleBatch(2, 40), { leaderEpoch: 0 })
    const segments = view.segmentBaseOffsets()
    expect(segments.length).toBeGreaterThan(1)
    // The flush's fsyncs are stuck: appends (and rolls) carry on regardless.
    for (let i = 0; i < 50 && fs.gate.waiting === 0; i++) await new Promise((r) => setImmediate(r))
    expect(fs.gate.waiting).toBeGreaterThan(0)
    for (let i = 0; i < 6; i++) await log.append(simpleBatch(2, 40), { leaderEpoch: 0 })
    expect(log.logEndOffset()).toBe(20n)
    expect(view.recoveryPoint()).toBe(0n)

    // A crash now keeps only what was fsynced: the log recovers from the old point.
    const image = fs.afterCrash('power-loss')
    release()
    for (let i = 0; i < 20 && view.recoveryPoint() < segments[1]!; i++)
      await new Promise((r) => setTimeout(r, 1))
    expect(view.recoveryPoint() >= segments[1]!).toBe(true)
    await store.close()

    const recovered = await openStore(image)
    const again = await recovered.open(TP, config({ segmentBytes: 400 }))
    const batches = await readAll(again)
    if (batches.length > 0) expect(batches[batches.length - 1]!.last + 1n).toBe(again.logEndOffset())
    expect((await again.append(simpleBatch(1), { leaderEpoch: 0 })).baseOffset).toBe(
      again.logEndOffset() - 1n,
    )
    await recovered.close()
  })

  it('a failed fsync leaves the recovery point where it was', async () => {
    const fs = new MemoryFileSystem()
    fs.faults.syncError = (p) => p.endsWith('00000000000000000000.log')
    const store = await openStore(fs)
    const log = await store.open(TP, config({ segmentBytes: 400 }))
    const view = log as unknown as LogWithPoint
    for (let i = 0; i < 6; i++) await log.append(simpleBatch(2, 40), { leaderEpoch: 0 })
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    expect(view.segmentBaseOffsets().length).toBeGreaterThan(1)
    expect(view.recoveryPoint()).toBe(0n)
    fs.faults.syncError = undefined
  })
})
