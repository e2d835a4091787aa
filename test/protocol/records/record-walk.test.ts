// walkRecords (the validation-only walk on the produce path) must accept exactly what
// RecordCursor accepts, and report the facts produce validation relies on.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildRecordBatch, type RecordInput } from '../../../src/protocol/records/batch-builder.ts'
import { BATCH_OVERHEAD } from '../../../src/protocol/records/batch-header.ts'
import { newRecordWalk, walkRecords } from '../../../src/protocol/records/record-walk.ts'
import { RecordCursor } from '../../../src/protocol/records/records.ts'

function cursorAccepts(buf: Buffer, start: number, end: number, count: number): boolean {
  try {
    const c = new RecordCursor(buf, start, end, count)
    while (c.next());
    return true
  } catch {
    return false
  }
}

const record: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    { nil: null },
  ),
  value: fc.option(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    { nil: null },
  ),
  headers: fc.array(
    fc.record({
      key: fc.string({ maxLength: 5 }),
      value: fc.option(
        fc.uint8Array({ maxLength: 5 }).map((a) => Buffer.from(a)),
        { nil: null },
      ),
    }),
    { maxLength: 2 },
  ),
  timestamp: fc.bigInt({ min: 0n, max: 1n << 42n }),
})

describe('walkRecords', () => {
  it('agrees with RecordCursor on well-formed and mutated records', () => {
    const walk = newRecordWalk()
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        fc.integer({ min: -1, max: 1 }),
        (records, mutations, countSkew) => {
          const batch = buildRecordBatch({ records })
          const region = Buffer.from(batch.subarray(BATCH_OVERHEAD))
          for (const [at, byte] of mutations) region[at % region.length] = byte
          // Trailing bytes in the buffer beyond `end` must not be read as part of the records.
          const buf = Buffer.concat([region, Buffer.from([0, 0, 0])])
          const count = records.length + countSkew
          if (count < 0) return
          const ok = walkRecords(buf, 0, region.length, count, walk)
          expect(ok).toBe(cursorAccepts(buf, 0, region.length, count))
          if (!ok) expect(walk.problem).toBeTypeOf('string')
          if (mutations.length === 0 && countSkew === 0) {
            expect(ok).toBe(true)
            const deltas = records.map((r) => Number(r.timestamp! - records[0]!.timestamp!))
            expect(walk.minTimestampDelta).toBe(Math.min(...deltas))
            expect(walk.maxTimestampDelta).toBe(Math.max(...deltas))
            expect(walk.nullKeys).toBe(records.filter((r) => r.key === null).length)
            expect(walk.sequentialOffsets).toBe(true)
            expect(walk.zeroAttributes).toBe(true)
          }
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('decodes 1-, 2- and 3-byte offset deltas inline and notices non-sequential ones', () => {
    const walk = newRecordWalk()
    const records = Array.from({ length: 9000 }, () => ({ key: null, value: Buffer.from('v') }))
    const b = buildRecordBatch({ records })
    expect(walkRecords(b, BATCH_OVERHEAD, b.length, 9000, walk)).toBe(true)
    expect(walk.sequentialOffsets).toBe(true)
    const gap = buildRecordBatch({ records: [{ value: null }, { value: null, offsetDelta: 8500 }] })
    expect(walkRecords(gap, BATCH_OVERHEAD, gap.length, 2, walk)).toBe(true)
    expect(walk.sequentialOffsets).toBe(false)
  })
})
