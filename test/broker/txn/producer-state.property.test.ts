// Property test of the duplicate/sequence rules against a reference model: random interleavings of
// several idempotent producers sending new batches, retrying any earlier batch, skipping
// sequences and bumping epochs. Every accepted batch is in the log exactly once, a retry of one of
// the producer's last five batches is answered with the offset it first got, and everything else
// out of order is rejected without touching the log — also after rebuilding the state from the log.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.ts'
import { ProducerStateManager } from '../../../src/broker/txn/producer-state.ts'
import { memoryLog, produce } from './helpers.ts'

type Op =
  | { kind: 'next'; producer: number; count: number }
  | { kind: 'retry'; producer: number; back: number }
  | { kind: 'gap'; producer: number; skip: number }
  | { kind: 'bump'; producer: number }
  | { kind: 'restart' }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('next' as const),
      producer: fc.integer({ min: 0, max: 2 }),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('retry' as const),
      producer: fc.integer({ min: 0, max: 2 }),
      back: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('gap' as const),
      producer: fc.integer({ min: 0, max: 2 }),
      skip: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('bump' as const), producer: fc.integer({ min: 0, max: 2 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
)

interface Sent {
  epoch: number
  seq: number
  count: number
  offset: bigint
}

describe('producer state: model', () => {
  it('writes each batch once and answers retries like Kafka', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), async (ops) => {
        const log = await memoryLog()
        let m = new ProducerStateManager({ now: () => 0, producerIdExpirationMs: 1e12 })
        const model = [0, 1, 2].map(() => ({ epoch: 0, nextSeq: 0, sent: [] as Sent[] }))
        let expectedEnd = 0n
        const codeOf = async (p: Promise<unknown>): Promise<number> =>
          p.then(
            () => ErrorCode.NONE,
            (err: unknown) => (err instanceof KafkaError ? err.code : -999),
          )
        for (const o of ops) {
          if (o.kind === 'restart') {
            m = new ProducerStateManager({ now: () => 0, producerIdExpirationMs: 1e12 })
            await m.load(log)
            continue
          }
          const st = model[o.producer]!
          const producerId = BigInt(o.producer + 10)
          if (o.kind === 'bump') {
            st.epoch++
            st.nextSeq = 0
            continue
          }
          if (o.kind === 'next') {
            const r = await produce(m, log, { producerId, epoch: st.epoch, seq: st.nextSeq, count: o.count })
            expect(r.check.kind).toBe('append')
            expect(r.baseOffset).toBe(expectedEnd)
            st.sent.push({ epoch: st.epoch, seq: st.nextSeq, count: o.count, offset: r.baseOffset })
            st.nextSeq += o.count
            expectedEnd += BigInt(o.count)
            continue
          }
          if (o.kind === 'gap') {
            const code = await codeOf(
              produce(m, log, { producerId, epoch: st.epoch, seq: st.nextSeq + o.skip }),
            )
            // A producer the partition has never seen is accepted at any sequence (KIP-360).
            if (st.sent.length === 0) {
              st.sent.push({ epoch: st.epoch, seq: st.nextSeq + o.skip, count: 1, offset: expectedEnd })
              st.nextSeq += o.skip + 1
              expectedEnd += 1n
              expect(code).toBe(ErrorCode.NONE)
            } else if (st.sent.at(-1)!.epoch < st.epoch) {
              expect(code).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) // a new epoch must start at 0
            } else expect(code).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
            continue
          }
          // retry
          const target = st.sent[st.sent.length - o.back]
          if (target === undefined) continue
          const sameEpoch = st.sent.filter((s) => s.epoch === target.epoch)
          const recent = sameEpoch.slice(-5).includes(target)
          const r = await produce(m, log, {
            producerId,
            epoch: target.epoch,
            seq: target.seq,
            count: target.count,
          }).catch((err: unknown) => err)
          if (target.epoch < st.sent.at(-1)!.epoch) {
            expect(r).toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH })
          } else if (recent) {
            expect(r).toMatchObject({ check: { kind: 'duplicate' }, baseOffset: target.offset })
          } else {
            expect(r).toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER })
          }
        }
        expect(log.logEndOffset()).toBe(expectedEnd)
      }),
      { numRuns: 150 },
    )
  })
})
