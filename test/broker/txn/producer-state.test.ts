// Producer state: the sequence/epoch rules of Kafka's ProducerStateManager, duplicates answered
// with their original offsets, LSO publication for open transactions, and the rebuild from the log
// after a restart.

import { describe, expect, it } from 'vitest'
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.ts'
import { buildTxnMarkerBatch } from '../../../src/protocol/records/control-record.ts'
import {
  BATCHES_TO_RETAIN,
  incrementSequence,
  ProducerStateManager,
} from '../../../src/broker/txn/producer-state.ts'
import { memoryLog, produce, producerBatch } from './helpers.ts'

function manager(now = { t: 1_000 }): ProducerStateManager {
  return new ProducerStateManager({ now: () => now.t, producerIdExpirationMs: 60_000 })
}

function codeOf(fn: () => unknown): number {
  try {
    fn()
  } catch (err) {
    if (err instanceof KafkaError) return err.code
    throw err
  }
  return ErrorCode.NONE
}

describe('producer state: sequences', () => {
  it('accepts in-order batches and answers a retried batch with its original offset', async () => {
    const log = await memoryLog()
    const m = manager()
    const a = await produce(m, log, { producerId: 7n, epoch: 0, seq: 0, count: 3 })
    const b = await produce(m, log, { producerId: 7n, epoch: 0, seq: 3, count: 2 })
    expect([a.baseOffset, b.baseOffset]).toEqual([0n, 3n])
    const retry = await produce(m, log, { producerId: 7n, epoch: 0, seq: 0, count: 3 })
    expect(retry.check.kind).toBe('duplicate')
    expect(retry.baseOffset).toBe(0n)
    expect(log.logEndOffset()).toBe(5n)
  })

  it('remembers exactly the last five batches', async () => {
    const log = await memoryLog()
    const m = manager()
    for (let i = 0; i < BATCHES_TO_RETAIN + 1; i++)
      await produce(m, log, { producerId: 1n, epoch: 0, seq: i })
    // seq 0 fell out of the window: a retry of it is out of order, not a duplicate.
    expect(codeOf(() => m.check(log, producerBatch(log, { producerId: 1n, epoch: 0, seq: 0 })))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    )
    const dup = m.check(log, producerBatch(log, { producerId: 1n, epoch: 0, seq: 1 }))
    expect(dup).toMatchObject({ kind: 'duplicate', baseOffset: 1n })
  })

  it('rejects a gap with OUT_OF_ORDER_SEQUENCE_NUMBER and writes nothing', async () => {
    const log = await memoryLog()
    const m = manager()
    await produce(m, log, { producerId: 1n, epoch: 0, seq: 0 })
    expect(codeOf(() => m.check(log, producerBatch(log, { producerId: 1n, epoch: 0, seq: 2 })))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    )
    // The expected next sequence is unchanged by the rejection.
    await expect(produce(m, log, { producerId: 1n, epoch: 0, seq: 1 })).resolves.toMatchObject({
      baseOffset: 1n,
    })
  })

  it('counts batches still being appended (pipelined requests)', async () => {
    const log = await memoryLog()
    const m = manager()
    const b0 = producerBatch(log, { producerId: 1n, epoch: 0, seq: 0, count: 2 })
    const b1 = producerBatch(log, { producerId: 1n, epoch: 0, seq: 2 })
    expect(m.check(log, b0).kind).toBe('append')
    expect(m.check(log, b1).kind).toBe('append')
    // A retry of an in-flight batch cannot be answered yet: a retriable error.
    expect(
      codeOf(() => m.check(log, producerBatch(log, { producerId: 1n, epoch: 0, seq: 0, count: 2 }))),
    ).toBe(ErrorCode.REQUEST_TIMED_OUT)
    expect(codeOf(() => m.check(log, producerBatch(log, { producerId: 1n, epoch: 0, seq: 4 })))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    )
  })

  it('fences a stale epoch and restarts sequences at a new epoch', async () => {
    const log = await memoryLog()
    const m = manager()
    await produce(m, log, { producerId: 1n, epoch: 3, seq: 0 })
    expect(codeOf(() => m.check(log, producerBatch(log, { producerId: 1n, epoch: 2, seq: 1 })))).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    )
    expect(codeOf(() => m.check(log, producerBatch(log, { producerId: 1n, epoch: 4, seq: 5 })))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    )
    await expect(produce(m, log, { producerId: 1n, epoch: 4, seq: 0 })).resolves.toMatchObject({
      baseOffset: 1n,
    })
  })

  it('accepts an unknown producer at any sequence, and wraps sequences at Int32.MAX', async () => {
    const log = await memoryLog()
    const m = manager()
    await produce(m, log, { producerId: 9n, epoch: 0, seq: 0x7fffffff })
    await expect(produce(m, log, { producerId: 9n, epoch: 0, seq: 0 })).resolves.toMatchObject({
      baseOffset: 1n,
    })
    expect(incrementSequence(0x7ffffffe, 3)).toBe(1)
  })

  it('rolls back a failed append so the client can retry the same sequence', async () => {
    const log = await memoryLog()
    const m = manager()
    const b = producerBatch(log, { producerId: 1n, epoch: 0, seq: 0 })
    m.check(log, b)
    m.appendFailed(log, b)
    await expect(produce(m, log, { producerId: 1n, epoch: 0, seq: 0 })).resolves.toMatchObject({
      baseOffset: 0n,
    })
  })
})

describe('producer state: transactions and recovery', () => {
  it('holds the LSO at the first offset of an open transaction until its marker', async () => {
    const log = await memoryLog()
    const m = manager()
    await produce(m, log, { producerId: 1n, epoch: 0, seq: 0 })
    await produce(m, log, { producerId: 2n, epoch: 0, seq: 0, transactional: true })
    await produce(m, log, { producerId: 1n, epoch: 0, seq: 1 })
    expect(log.lastStableOffset()).toBe(1n)
    expect(m.openTxnFirstOffset(log, 2n)).toBe(1n)
    await log.append(
      buildTxnMarkerBatch({
        commit: true,
        producerId: 2n,
        producerEpoch: 0,
        coordinatorEpoch: 0,
        timestamp: 0n,
      }),
      {
        leaderEpoch: 0,
      },
    )
    m.markerAppended(log, 2n, 0, 0)
    expect(log.lastStableOffset()).toBe(log.logEndOffset())
  })

  it('bounds the LSO by the log end while a transaction-opening batch is in flight', async () => {
    const log = await memoryLog()
    const m = manager()
    await produce(m, log, { producerId: 1n, epoch: 0, seq: 0, count: 4 })
    const b = producerBatch(log, { producerId: 2n, epoch: 0, seq: 0, transactional: true })
    m.check(log, b)
    expect(log.lastStableOffset()).toBe(4n)
    m.appendFailed(log, b)
    expect(log.lastStableOffset()).toBe(4n)
  })

  it('rebuilds duplicates, epochs, open transactions and aborted ranges from the log', async () => {
    const log = await memoryLog()
    const m = manager()
    await produce(m, log, { producerId: 1n, epoch: 0, seq: 0, count: 2 })
    await produce(m, log, { producerId: 1n, epoch: 0, seq: 2 })
    await produce(m, log, { producerId: 5n, epoch: 1, seq: 0, transactional: true }) // offset 3, aborted
    await log.append(
      buildTxnMarkerBatch({
        commit: false,
        producerId: 5n,
        producerEpoch: 1,
        coordinatorEpoch: 0,
        timestamp: 0n,
      }),
      {
        leaderEpoch: 0,
      },
    ) // offset 4
    await produce(m, log, { producerId: 6n, epoch: 0, seq: 0, transactional: true }) // offset 5, open

    const fresh = manager()
    await fresh.load(log)
    expect(fresh.check(log, producerBatch(log, { producerId: 1n, epoch: 0, seq: 2 }))).toMatchObject({
      kind: 'duplicate',
      baseOffset: 2n,
    })
    expect(codeOf(() => fresh.check(log, producerBatch(log, { producerId: 5n, epoch: 0, seq: 1 })))).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    )
    expect(log.lastStableOffset()).toBe(5n)
    expect(log.abortedTransactions(0n, 10n)).toEqual([
      expect.objectContaining({ producerId: 5n, firstOffset: 3n, lastOffset: 4n }),
    ])
    expect(fresh.describe(log).map((p) => [p.producerId, p.currentTxnStartOffset])).toEqual([
      [1n, -1n],
      [5n, -1n],
      [6n, 5n],
    ])
  })

  it('expires idle producers without open transactions', async () => {
    const log = await memoryLog()
    const now = { t: 1_000 }
    const m = manager(now)
    await produce(m, log, { producerId: 1n, epoch: 0, seq: 0 })
    await produce(m, log, { producerId: 2n, epoch: 0, seq: 0, transactional: true })
    now.t += 60_001
    expect(m.expire(log)).toBe(1)
    expect(m.describe(log).map((p) => p.producerId)).toEqual([2n])
    // An expired producer is unknown again: any sequence is accepted.
    expect(m.check(log, producerBatch(log, { producerId: 1n, epoch: 0, seq: 40 })).kind).toBe('append')
  })
})
