import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import produce from '../../../src/broker/handlers/00-produce.ts'
import type { ProducerBatch, ProducerStateGuard } from '../../../src/broker/produce/producer-state-hook.ts'
import { NO_RESPONSE } from '../../../src/broker/registry.ts'
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/index.ts'
import type { AppendResult } from '../../../src/storage/log-store.ts'
import { batch, harness } from '../handlers/data-path-harness.ts'

function req(records: Buffer | null, transactionalId: string | null = null) {
  return {
    transactionalId,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
  }
}

describe('Produce producer-state hook', () => {
  it('consults the guard for batches with a producer id: append, duplicate, reject', async () => {
    const h = await harness()
    await h.createTopic('t')
    const seen: string[] = []
    const guard: ProducerStateGuard = {
      check(_log, b: ProducerBatch) {
        seen.push(`check ${b.producerId}/${b.producerEpoch}/${b.baseSequence}x${b.recordsCount}`)
        if (b.baseSequence === 5) return { kind: 'duplicate', baseOffset: 0n, logAppendTime: -1n }
        if (b.baseSequence === 9) throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER')
        return { kind: 'append' }
      },
      appended(_log, b, r: AppendResult) {
        seen.push(`appended ${b.baseSequence}@${r.baseOffset}`)
      },
      appendFailed() {
        seen.push('failed')
      },
    }
    ;(h.services as { transactions: unknown }).transactions = {
      close: () => Promise.resolve(),
      producerState: guard,
    }
    const send = async (seq: number) => {
      const res = (await h.call(
        produce,
        9,
        req(batch(['a', 'b'], { producerId: 7n, producerEpoch: 1, baseSequence: seq })),
      )) as ProduceResponse
      return res.responses[0]!.partitionResponses[0]!
    }
    expect(await send(0)).toMatchObject({ errorCode: 0, baseOffset: 0n })
    expect(await send(5)).toMatchObject({ errorCode: 0, baseOffset: 0n })
    expect((await send(9)).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    // Batches without a producer id never reach the guard.
    await h.call(produce, 9, req(batch(['plain'])))
    expect(seen).toEqual(['check 7/1/0x2', 'appended 0@0', 'check 7/1/5x2', 'check 7/1/9x2'])
    expect(h.services.topics.partition('t', 0)!.logEndOffset()).toBe(3n)
  })
})

describe('Produce never crashes on bad records', () => {
  it('answers every random or mutated batch with a partition result', async () => {
    const h = await harness()
    await h.createTopic('t')
    const valid = batch(['hello', 'world'])
    const arb = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      fc
        .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        })
        .map((muts) => {
          const b = Buffer.from(valid)
          for (const [i, v] of muts) b[i] = v
          return b
        }),
    )
    await fc.assert(
      fc.asyncProperty(arb, async (records) => {
        let res
        try {
          res = await h.call(produce, 9, req(records))
        } catch (err) {
          // Whole-request errors (a transactional bit without a transactional id) are KafkaErrors
          // the dispatcher turns into the error response; anything else would be a crash.
          expect(err).toBeInstanceOf(KafkaError)
          return
        }
        expect(res).not.toBe(NO_RESPONSE)
        const p = (res as ProduceResponse).responses[0]!.partitionResponses[0]!
        expect(typeof p.errorCode).toBe('number')
        if (p.errorCode !== 0) expect(p.baseOffset).toBe(-1n)
      }),
      { numRuns: 300 },
    )
  })
})
