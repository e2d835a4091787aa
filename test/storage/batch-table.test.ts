import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BatchTable } from '../../src/storage/memory/batch-table.ts'

interface Row {
  buf: Buffer
  baseOffset: bigint
  lastOffset: bigint
  maxTimestamp: bigint
  leaderEpoch: number
}

function rows(table: BatchTable): Row[] {
  const out: Row[] = []
  for (let i = 0; i < table.length; i++)
    out.push({
      buf: table.buf(i),
      baseOffset: table.baseOffset(i),
      lastOffset: table.lastOffset(i),
      maxTimestamp: table.maxTimestamp(i),
      leaderEpoch: table.leaderEpoch(i),
    })
  return out
}

describe('BatchTable', () => {
  it('keeps what was pushed through growth and truncation, as an array of records would', () => {
    const op = fc.oneof(
      fc.record({
        push: fc.record({
          records: fc.integer({ min: 1, max: 50 }),
          maxTimestamp: fc.bigInt({ min: -1n, max: 2n ** 62n }),
          leaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        }),
      }),
      fc.record({ truncate: fc.nat({ max: 60 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const table = new BatchTable()
        const model: Row[] = []
        let next = 2n ** 40n
        for (const o of ops) {
          if ('push' in o) {
            const row = {
              buf: Buffer.from([model.length & 0xff]),
              baseOffset: next,
              lastOffset: next + BigInt(o.push.records - 1),
              maxTimestamp: o.push.maxTimestamp,
              leaderEpoch: o.push.leaderEpoch,
            }
            next = row.lastOffset + 1n
            table.push(row.buf, undefined, row.baseOffset, row.lastOffset, row.maxTimestamp, row.leaderEpoch)
            model.push(row)
          } else {
            table.truncate(o.truncate)
            model.length = Math.min(model.length, o.truncate)
            next = model.length > 0 ? model[model.length - 1]!.lastOffset + 1n : 2n ** 40n
          }
        }
        expect(rows(table)).toEqual(model)
        for (const r of model) {
          const first = model.findIndex((m) => m.lastOffset >= r.baseOffset)
          expect(table.indexFor(r.baseOffset)).toBe(first)
          expect(table.indexFor(r.lastOffset)).toBe(first)
        }
        expect(table.indexFor(next)).toBe(model.length)
        expect(table.indexFor(0n)).toBe(0)
      }),
    )
  })
})
