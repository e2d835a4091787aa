import { describe, expect, it } from 'vitest'
import { createMemoryLogStore } from '../../src/storage/memory/index.ts'
import { batchOffsets, simpleBatch } from './batches.ts'
import { config, describeLogBehaviour } from './log-behaviour.ts'

describeLogBehaviour('memory', () => {
  let now = 0
  const store = createMemoryLogStore({ now: () => now })
  return Promise.resolve({
    store,
    setNow: (ms: number) => {
      now = ms
    },
    cleanup: () => Promise.resolve(),
  })
})

describe('memory: retention.bytes applied as segments roll', () => {
  const T0 = 1_700_000_000_000
  const tp = { topic: 't', partition: 0 }

  it('keeps the log within retention.bytes + one segment without maintain()', async () => {
    const store = createMemoryLogStore({ now: () => T0 })
    const size = simpleBatch(4, 50).length
    const log = await store.open(tp, config({ segmentBytes: 1000, retentionBytes: 3 * size, retentionMs: 1 }))
    const perSegment = Math.floor(1000 / size)
    for (let i = 0; i < 200; i++) {
      await log.append(simpleBatch(4, 50), { leaderEpoch: 0 })
      // Whole segments go once a roll finds the rest at or above retention.bytes.
      expect(log.sizeInBytes()).toBeLessThan(3 * size + 2 * perSegment * size)
    }
    expect(log.logStartOffset()).toBeGreaterThan(0n)
    expect(log.logStartOffset() % BigInt(perSegment * 4)).toBe(0n)
    // What is left reads from the new log start; below it is out of range.
    const first = await log.read(log.logStartOffset(), 1 << 20)
    expect(batchOffsets(first.records)[0]!.base).toBe(log.logStartOffset())
    expect(batchOffsets(first.records).at(-1)!.last).toBe(log.logEndOffset() - 1n)
    await expect(log.read(0n, 100)).rejects.toMatchObject({ code: 1 })
    // retention.ms (1 ms, long past for these timestamps) waits for maintain(), as on disk.
    expect(log.sizeInBytes()).toBeGreaterThanOrEqual(3 * size)
    await store.close()
  })

  it('leaves the log alone on roll without retention.bytes, or when retentionOnRoll is false', async () => {
    for (const [opts, cfg] of [
      [{}, config({ segmentBytes: 1000, retentionBytes: -1, retentionMs: -1 })],
      [{ retentionOnRoll: false }, config({ segmentBytes: 1000, retentionBytes: 100, retentionMs: -1 })],
      [
        {},
        config({ segmentBytes: 1000, retentionBytes: 100, cleanupPolicy: { delete: false, compact: true } }),
      ],
    ] as const) {
      const store = createMemoryLogStore({ now: () => T0, ...opts })
      const log = await store.open(tp, cfg)
      for (let i = 0; i < 50; i++) await log.append(simpleBatch(4, 50), { leaderEpoch: 0 })
      expect(log.logStartOffset()).toBe(0n)
      expect(log.sizeInBytes()).toBe(50 * simpleBatch(4, 50).length)
      await store.close()
    }
  })
})
