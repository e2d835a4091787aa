// Reads racing a compaction swap (disk log): between retiring the old segments and installing the
// cleaned one, the swap renames files, fsyncs the directory and rebuilds indexes. A read that meets
// a retired segment in that window must wait for the swap and answer from the cleaned segment —
// not give up after retrying against the same retired segments (which reached a KafkaJS consumer
// as UNKNOWN_SERVER_ERROR on Fetch, a fatal error to it: the e2e transactions test's "consumed 0
// records only"). A swap that fails half way fails the waiting reads with KAFKA_STORAGE_ERROR.

import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../../src/protocol/errors.ts'
import { MemoryFileSystem } from '../../../src/storage/fs.ts'
import type { LogConfig, PartitionLog } from '../../../src/storage/log-store.ts'
import { config } from '../log-behaviour.ts'
import { openStore, TP } from '../helpers.ts'
import { keyedBatch, readAllRecords } from './records.ts'

const NOW = 5_000_000

const cfg = (): LogConfig =>
  config({
    cleanupPolicy: { delete: false, compact: true },
    // One ~90-byte batch per segment.
    segmentBytes: 120,
    minCleanableDirtyRatio: 0.01,
    deleteRetentionMs: 1e12,
  })

/** Holds the swap's final rename (`.log.swap` → `.log`) until released; may make it fail. */
class GatedSwapFs extends MemoryFileSystem {
  /** Set while a swap is held: resolves once the test releases it. */
  held: Promise<void> | undefined
  #release: (() => void) | undefined
  #entered: (() => void) | undefined
  readonly entered: Promise<void>
  gate = false
  failSwap = false

  constructor() {
    super()
    this.entered = new Promise((r) => (this.#entered = r))
  }

  override async rename(from: string, to: string): Promise<void> {
    if (this.gate && from.endsWith('.log.swap') && to.endsWith('.log')) {
      this.gate = false
      this.held = new Promise((r) => (this.#release = r))
      this.#entered?.()
      await this.held
      if (this.failSwap) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' })
    }
    return super.rename(from, to)
  }

  release(): void {
    this.#release?.()
  }
}

async function put(log: PartitionLog, key: string, value: string): Promise<void> {
  await log.append(keyedBatch([{ key, value }], 1_000_000n), { leaderEpoch: 0 })
  await log.flush()
}

/** Lets pending I/O and retries run (the memory file system answers on later ticks). */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

async function setUp(failSwap: boolean) {
  const fs = new GatedSwapFs()
  fs.failSwap = failSwap
  const store = await openStore(fs, { now: () => NOW })
  const log = await store.open(TP, cfg())
  // a@0..a@3 each in its own segment, b@4 active: a pass keeps a@3 and b@4.
  for (let i = 0; i < 4; i++) await put(log, 'a', `v${i}`)
  await put(log, 'b', 'active')
  // Warm the read path (indexes loaded, a remembered start), as a consumer's earlier fetch would.
  expect((await readAllRecords(log)).map((r) => `${r.key}@${r.offset}`)).toEqual([
    'a@0',
    'a@1',
    'a@2',
    'a@3',
    'b@4',
  ])
  fs.gate = true
  const maintained = store.maintain(NOW)
  await fs.entered
  // The old segments are retired now, the cleaned one not yet installed.
  const settled: { value?: unknown; error?: unknown } = {}
  const read = log.read(0n, 1 << 20).then(
    (value) => (settled.value = value),
    (error: unknown) => (settled.error = error),
  )
  await ticks(50)
  return { fs, store, log, maintained, read, settled }
}

describe('reads during a compaction swap (disk log)', () => {
  it('wait for the swap and read the cleaned segment', async () => {
    const { fs, store, log, maintained, read, settled } = await setUp(false)
    // Still waiting: neither failed against the retired segments nor answered from them.
    expect(settled.error).toBeUndefined()
    expect(settled.value).toBeUndefined()
    fs.release()
    await maintained
    await read
    expect(settled.error).toBeUndefined()
    expect((await readAllRecords(log)).map((r) => `${r.key}@${r.offset}`)).toEqual(['a@3', 'b@4'])
    const result = settled.value as Awaited<ReturnType<PartitionLog['read']>>
    const first = result.records[0]!
    // The answer comes from the log as the swap left it: segment 0 cleaned empty (a@0 is gone),
    // later segments cleaned or not yet, depending on where the pass is.
    expect(first.readBigInt64BE(0)).toBeGreaterThan(0n)
    await store.close()
  })

  it('fail with KAFKA_STORAGE_ERROR when the swap fails half way', async () => {
    const { fs, store, maintained, read, settled } = await setUp(true)
    expect(settled.error).toBeUndefined()
    fs.release()
    await expect(maintained).rejects.toThrow()
    await read
    expect(settled.error).toBeInstanceOf(KafkaError)
    expect((settled.error as KafkaError).code).toBe(new KafkaError('KAFKA_STORAGE_ERROR', '').code)
    await store.close().catch(() => undefined)
  })
})
