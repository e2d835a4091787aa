// The group committer's contract, over random interleavings of requests and fsyncs of random
// duration that may fail: a request is acknowledged only by an fsync of its path that began
// after it (so it covers every write made before the request) and completed before the
// acknowledgement; a failed fsync rejects with KAFKA_STORAGE_ERROR; a file never has two fsyncs
// in flight; requests share fsyncs (never more fsyncs than requests).

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../src/protocol/errors.ts'
import { GroupCommitter } from '../../src/storage/log/group-commit.ts'

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

interface SyncRecord {
  path: string
  start: number
  end?: number
  failed: boolean
}

describe('group committer contract', () => {
  it('acknowledges a request only after an fsync of its path that began after the request', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ path: fc.constantFrom('/a', '/b', '/c'), gap: fc.nat(3) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.record({ turns: fc.nat(4), fails: fc.boolean() }), { minLength: 1, maxLength: 20 }),
        async (requests, fsyncs) => {
          let clock = 0
          const records: SyncRecord[] = []
          const inFlight = new Set<string>()
          let calls = 0
          const gc = new GroupCommitter(async (path) => {
            expect(inFlight.has(path)).toBe(false)
            inFlight.add(path)
            const shape = fsyncs[calls++ % fsyncs.length]!
            const rec: SyncRecord = { path, start: ++clock, failed: shape.fails }
            records.push(rec)
            await turns(shape.turns)
            rec.end = ++clock
            inFlight.delete(path)
            if (shape.fails) throw new Error('EIO')
          })
          const outcomes: Promise<void>[] = []
          for (const req of requests) {
            await turns(req.gap)
            const asked = ++clock
            outcomes.push(
              gc.sync(req.path).then(
                () => {
                  const at = ++clock
                  const covering = records.filter(
                    (r) => r.path === req.path && r.start > asked && r.end !== undefined && r.end < at,
                  )
                  expect(covering.some((r) => !r.failed)).toBe(true)
                },
                (err: unknown) => {
                  expect(err).toBeInstanceOf(KafkaError)
                  expect((err as KafkaError).errorName).toBe('KAFKA_STORAGE_ERROR')
                  expect(records.some((r) => r.path === req.path && r.start > asked && r.failed)).toBe(true)
                },
              ),
            )
          }
          await Promise.all(outcomes)
          expect(records.length).toBeLessThanOrEqual(requests.length)
          expect(gc.syncs).toBe(records.filter((r) => !r.failed).length)
        },
      ),
      { numRuns: 200 },
    )
  })
})
