// The transaction coordinator on a ManualClock: producer ids, the state machine and its records in
// __transaction_state, fencing, markers and the aborted-transactions index, timeouts, expiry, and
// recovery by replaying the log into a second coordinator.

import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../../src/broker/clock.ts'
import { TransactionCoordinator } from '../../../src/broker/txn/coordinator.ts'
import {
  CONSUMER_OFFSETS_TOPIC,
  LogMarkerWriter,
  type MarkerRequest,
  type MarkerWriter,
} from '../../../src/broker/txn/markers.ts'
import { ProducerStateManager } from '../../../src/broker/txn/producer-state.ts'
import {
  decodeTxnLogRecord,
  encodeTxnLogKey,
  encodeTxnLogValue,
  MemoryTxnLog,
  txnLogPartitionFor,
  type TxnLogValue,
} from '../../../src/broker/txn/txn-log.ts'
import { TxnState } from '../../../src/broker/txn/txn-state.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { isControl, readBatchHeader } from '../../../src/protocol/records/batch-header.ts'
import { decodeControlKey } from '../../../src/protocol/records/control-record.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import { DEFAULT_LOG_CONFIG, type PartitionLog } from '../../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/index.ts'
import { batchBytes, produce, producerBatch } from './helpers.ts'

const CONFIG = {
  maxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 7 * 24 * 3600_000,
  abortTimedOutIntervalMs: 10_000,
  removeExpiredIntervalMs: 3600_000,
}

interface Harness {
  clock: ManualClock
  txnLog: MemoryTxnLog
  coordinator: TransactionCoordinator
  producers: ProducerStateManager
  logs: Map<string, PartitionLog>
  completed: Array<{ producerId: bigint; commit: boolean }>
  nextId: { n: bigint }
}

async function harness(shared?: Partial<Harness>): Promise<Harness> {
  const clock = shared?.clock ?? new ManualClock()
  const txnLog = shared?.txnLog ?? new MemoryTxnLog()
  const store = createMemoryLogStore()
  const logs = shared?.logs ?? new Map<string, PartitionLog>()
  if (shared?.logs === undefined)
    for (const [topic, n] of [
      ['t', 2],
      [CONSUMER_OFFSETS_TOPIC, 1],
    ] as const)
      for (let p = 0; p < n; p++)
        logs.set(`${topic}-${p}`, await store.open({ topic, partition: p }, DEFAULT_LOG_CONFIG))
  const producers = new ProducerStateManager({ now: () => clock.now(), producerIdExpirationMs: 86_400_000 })
  for (const log of logs.values()) await producers.load(log)
  const completed: Harness['completed'] = []
  const nextId = shared?.nextId ?? { n: 0n }
  const coordinator = new TransactionCoordinator({
    clock,
    log: txnLog,
    markers: new LogMarkerWriter({
      partition: (t, p) => logs.get(`${t}-${p}`),
      producers,
      offsets: () => ({
        completeTransaction: (producerId, commit) => {
          completed.push({ producerId, commit })
          return Promise.resolve()
        },
      }),
      now: () => clock.now(),
    }),
    config: CONFIG,
    allocateProducerIds: (count) => {
      const first = nextId.n
      nextId.n += BigInt(count)
      return Promise.resolve(first)
    },
    offsetsPartitionFor: () => 0,
    onError: () => {},
  })
  producers.verifier = (b) => coordinator.verifyBatch(b)
  producers.implicitAdd = (b) =>
    b.transactionalId === null
      ? undefined
      : coordinator.addPartitionImplicitly(b.transactionalId, b.producerId, b.producerEpoch, b.topicPartition)
  await coordinator.load()
  return { clock, txnLog, coordinator, producers, logs, completed, nextId }
}

function markers(log: PartitionLog): Promise<Array<{ type: number; producerId: bigint; epoch: number }>> {
  return log.read(0n, 1 << 20).then((r) => {
    const out: Array<{ type: number; producerId: bigint; epoch: number }> = []
    for (const chunk of r.records) {
      let pos = 0
      while (pos < chunk.length) {
        const h = readBatchHeader(chunk, pos)
        if (isControl(h.attributes))
          out.push({
            type: decodeControlKey(readRecords(chunk, pos)[0]!.key).type,
            producerId: h.producerId,
            epoch: h.producerEpoch,
          })
        pos += h.size
      }
    }
    return out
  })
}

const T0 = { topic: 't', partition: 0 }
const T1 = { topic: 't', partition: 1 }

/** A new transactional producer `id` (60 s timeout), as InitProducerId answers it. */
async function initTxn(h: Harness, id = 'tx'): Promise<{ pid: bigint; epoch: number }> {
  const r = await h.coordinator.initProducerId(id, 60_000, -1n, -1)
  expect(r.errorCode).toBe(ErrorCode.NONE)
  return { pid: r.producerId, epoch: r.producerEpoch }
}

/** A transactional batch of producer `p` of 'tx' (`count` records from sequence `seq`) through Produce. */
function produceTxn(
  h: Harness,
  log: PartitionLog,
  p: { pid: bigint; epoch: number },
  options: { seq?: number; count?: number } = {},
): ReturnType<typeof produce> {
  return produce(h.producers, log, {
    producerId: p.pid,
    epoch: p.epoch,
    seq: options.seq ?? 0,
    count: options.count,
    transactional: true,
    transactionalId: 'tx',
  })
}

describe('transaction coordinator', () => {
  it('gives idempotent producers fresh ids from reserved blocks', async () => {
    const h = await harness()
    const a = await h.coordinator.initProducerId(null, 0, -1n, -1)
    const b = await h.coordinator.initProducerId(null, 0, -1n, -1)
    expect([a, b]).toEqual([
      { errorCode: ErrorCode.NONE, producerId: 0n, producerEpoch: 0 },
      { errorCode: ErrorCode.NONE, producerId: 1n, producerEpoch: 0 },
    ])
    expect(h.nextId.n).toBe(1000n)
  })

  it('serialises two first InitProducerId calls for one transactional id', async () => {
    const h = await harness()
    const [a, b] = await Promise.all([
      h.coordinator.initProducerId('new', 60_000, -1n, -1),
      h.coordinator.initProducerId('new', 60_000, -1n, -1),
    ])
    expect([a.errorCode, b.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.CONCURRENT_TRANSACTIONS])
    expect(await h.coordinator.initProducerId('new', 60_000, -1n, -1)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: a.producerId,
      producerEpoch: 1,
    })
  })

  it('validates the transaction timeout', async () => {
    const h = await harness()
    expect((await h.coordinator.initProducerId('x', 0, -1n, -1)).errorCode).toBe(
      ErrorCode.INVALID_TRANSACTION_TIMEOUT,
    )
    expect((await h.coordinator.initProducerId('x', 900_001, -1n, -1)).errorCode).toBe(
      ErrorCode.INVALID_TRANSACTION_TIMEOUT,
    )
  })

  it('commits: Empty → Ongoing → PrepareCommit → CompleteCommit, markers on every partition', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h)
    expect(await h.coordinator.addPartitions('tx', pid, epoch, [T0, T1])).toBe(ErrorCode.NONE)
    const log0 = h.logs.get('t-0')!
    await produceTxn(h, log0, { pid, epoch }, { count: 2 })
    expect(log0.lastStableOffset()).toBe(0n)
    expect(await h.coordinator.endTxn('tx', pid, epoch, true)).toEqual({
      errorCode: 0,
      producerId: pid,
      producerEpoch: epoch,
    })
    expect(log0.lastStableOffset()).toBe(3n)
    expect(await markers(log0)).toEqual([{ type: 1, producerId: pid, epoch }])
    expect(await markers(h.logs.get('t-1')!)).toEqual([{ type: 1, producerId: pid, epoch }])
    expect(log0.abortedTransactions(0n, 10n)).toEqual([])
    expect(h.txnLog.records.map((r) => r.value?.state)).toEqual([
      TxnState.Empty,
      TxnState.Ongoing,
      TxnState.PrepareCommit,
      TxnState.CompleteCommit,
    ])
    // A retried EndTxn(commit) succeeds; an abort of the committed transaction does not.
    expect((await h.coordinator.endTxn('tx', pid, epoch, true)).errorCode).toBe(ErrorCode.NONE)
    expect((await h.coordinator.endTxn('tx', pid, epoch, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE)
  })

  it('aborts: records the aborted range and releases pending offsets', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h)
    await h.coordinator.addPartitions('tx', pid, epoch, [T0])
    expect(await h.coordinator.addOffsets('tx', pid, epoch, 'group')).toBe(ErrorCode.NONE)
    expect(h.coordinator.verifyOffsetCommit('tx', pid, epoch, 'group')).toBe(ErrorCode.NONE)
    const log0 = h.logs.get('t-0')!
    await produceTxn(h, log0, { pid, epoch }, { count: 3 })
    await h.coordinator.endTxn('tx', pid, epoch, false)
    expect(log0.abortedTransactions(0n, 10n)).toEqual([
      { producerId: pid, firstOffset: 0n, lastOffset: 3n, lastStableOffset: 4n },
    ])
    expect(await markers(h.logs.get(`${CONSUMER_OFFSETS_TOPIC}-0`)!)).toEqual([
      { type: 0, producerId: pid, epoch },
    ])
    expect(h.completed).toEqual([{ producerId: pid, commit: false }])
    // The coordinator's code; TxnOffsetCommit below v4 answers it as INVALID_TXN_STATE.
    expect(h.coordinator.verifyOffsetCommit('tx', pid, epoch, 'group')).toBe(ErrorCode.TRANSACTION_ABORTABLE)
  })

  it('indexes an abort whose data batch was still being appended when EndTxn arrived', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h)
    await h.coordinator.addPartitions('tx', pid, epoch, [T0])
    // A log whose appends take a while (in order), like a disk log waiting for its fsync.
    const real = h.logs.get('t-0')!
    const log0: PartitionLog = new Proxy(real, {
      get(target, prop) {
        if (prop === 'append')
          return (records: Buffer, options: { leaderEpoch: number }) => {
            const p = target.append(records, options)
            return new Promise((r) => setTimeout(r, 20)).then(() => p)
          }
        const v: unknown = Reflect.get(target, prop, target)
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    h.logs.set('t-0', log0)
    const spec = { producerId: pid, epoch, seq: 0, count: 2, transactional: true, transactionalId: 'tx' }
    const b = producerBatch(log0, spec)
    expect(h.producers.check(log0, b).kind).toBe('append')
    // As Produce does: the append is queued, its result reported when it resolves.
    const data = log0
      .append(batchBytes(spec), { leaderEpoch: 0 })
      .then((r) => h.producers.appended(log0, b, r))
    await h.coordinator.endTxn('tx', pid, epoch, false)
    await data
    expect(log0.abortedTransactions(0n, 10n)).toEqual([
      expect.objectContaining({ firstOffset: 0n, lastOffset: 2n }),
    ])
    expect(log0.lastStableOffset()).toBe(3n)
  })

  it('rejects transactional batches outside an ongoing transaction that added the partition', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h)
    const log1 = h.logs.get('t-1')!
    await expect(produceTxn(h, log1, { pid, epoch })).rejects.toMatchObject({
      code: ErrorCode.INVALID_TXN_STATE,
    })
    await h.coordinator.addPartitions('tx', pid, epoch, [T0])
    await expect(produceTxn(h, log1, { pid, epoch })).rejects.toMatchObject({
      code: ErrorCode.INVALID_TXN_STATE,
    })
  })

  it('fences a zombie: InitProducerId aborts its open transaction and bumps the epoch', async () => {
    const h = await harness()
    const old = await h.coordinator.initProducerId('tx', 60_000, -1n, -1)
    await h.coordinator.addPartitions('tx', old.producerId, old.producerEpoch, [T0])
    const log0 = h.logs.get('t-0')!
    await produceTxn(h, log0, { pid: old.producerId, epoch: 0 })
    const fresh = await h.coordinator.initProducerId('tx', 60_000, -1n, -1)
    expect(fresh).toEqual({ errorCode: ErrorCode.NONE, producerId: old.producerId, producerEpoch: 2 })
    // The zombie's transaction was aborted with the fencing epoch (1).
    expect(await markers(log0)).toEqual([{ type: 0, producerId: old.producerId, epoch: 1 }])
    expect(log0.abortedTransactions(0n, 10n)).toHaveLength(1)
    // Everything the zombie tries now is fenced.
    expect(await h.coordinator.addPartitions('tx', old.producerId, 0, [T1])).toBe(ErrorCode.PRODUCER_FENCED)
    expect((await h.coordinator.endTxn('tx', old.producerId, 0, true)).errorCode).toBe(
      ErrorCode.PRODUCER_FENCED,
    )
    await expect(produceTxn(h, log0, { pid: old.producerId, epoch: 0 }, { seq: 1 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_PRODUCER_EPOCH,
    })
    // KIP-360: a producer that names a stale id/epoch is fenced; the current one may bump.
    expect((await h.coordinator.initProducerId('tx', 60_000, old.producerId, 0)).errorCode).toBe(
      ErrorCode.PRODUCER_FENCED,
    )
    expect(await h.coordinator.initProducerId('tx', 60_000, old.producerId, 2)).toMatchObject({
      producerEpoch: 3,
    })
  })

  it('answers CONCURRENT_TRANSACTIONS while a transition is being written', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h)
    const first = h.coordinator.addPartitions('tx', pid, epoch, [T0])
    expect(await h.coordinator.addPartitions('tx', pid, epoch, [T1])).toBe(ErrorCode.CONCURRENT_TRANSACTIONS)
    expect(await first).toBe(ErrorCode.NONE)
  })

  it('leaves state unchanged when __transaction_state cannot be written', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h)
    h.txnLog.failAppends = new Error('disk full')
    expect(await h.coordinator.addPartitions('tx', pid, epoch, [T0])).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    )
    h.txnLog.failAppends = undefined
    expect(h.coordinator.describe(['tx'])[0]).toMatchObject({ transactionState: 'Empty', topics: [] })
    expect(await h.coordinator.addPartitions('tx', pid, epoch, [T0])).toBe(ErrorCode.NONE)
  })

  it('aborts a transaction that outlives its timeout and fences its producer', async () => {
    const h = await harness()
    const { producerId: pid, producerEpoch: epoch } = await h.coordinator.initProducerId('tx', 5_000, -1n, -1)
    await h.coordinator.addPartitions('tx', pid, epoch, [T0])
    await produceTxn(h, h.logs.get('t-0')!, { pid, epoch })
    h.clock.advance(10_000)
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
    expect(h.coordinator.describe(['tx'])[0]).toMatchObject({
      transactionState: 'CompleteAbort',
      producerEpoch: 1,
    })
    expect(h.logs.get('t-0')!.abortedTransactions(0n, 10n)).toHaveLength(1)
    expect((await h.coordinator.endTxn('tx', pid, epoch, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED)
  })

  it('expires idle transactional ids with a tombstone', async () => {
    const h = await harness()
    await h.coordinator.initProducerId('tx', 60_000, -1n, -1)
    h.clock.advance(CONFIG.transactionalIdExpirationMs + 1)
    expect(await h.coordinator.expireTransactionalIds()).toBe(1)
    expect(h.txnLog.records.at(-1)).toEqual({ transactionalId: 'tx', value: null })
    expect(h.coordinator.describe(['tx'])[0]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND)
  })

  it('recovers: replay rebuilds every id, prepared transactions complete, ongoing ones stay open', async () => {
    const h = await harness()
    const a = await h.coordinator.initProducerId('a', 60_000, -1n, -1)
    await h.coordinator.addPartitions('a', a.producerId, a.producerEpoch, [T0])
    const b = await h.coordinator.initProducerId('b', 60_000, -1n, -1)
    await h.coordinator.addPartitions('b', b.producerId, b.producerEpoch, [T1])
    // Simulate a crash right after PrepareCommit of b was written: append it by hand.
    const bState = h.txnLog.records.at(-1)!
    h.txnLog.records.push({
      transactionalId: 'b',
      value: { ...bState.value!, state: TxnState.PrepareCommit },
    })
    await h.coordinator.close()

    const r = await harness({ clock: h.clock, txnLog: h.txnLog, logs: h.logs, nextId: h.nextId })
    expect(r.coordinator.describe(['a', 'b']).map((d) => d.transactionState)).toEqual([
      'Ongoing',
      'CompleteCommit',
    ])
    expect(await markers(h.logs.get('t-1')!)).toEqual([{ type: 1, producerId: b.producerId, epoch: 0 }])
    // a's producer can still finish its transaction.
    expect((await r.coordinator.endTxn('a', a.producerId, a.producerEpoch, true)).errorCode).toBe(
      ErrorCode.NONE,
    )
    // New ids never repeat old ones.
    expect((await r.coordinator.initProducerId(null, 0, -1n, -1)).producerId).toBeGreaterThan(b.producerId)
  })

  it('lists and describes transactions with filters', async () => {
    const h = await harness()
    const a = await h.coordinator.initProducerId('a', 60_000, -1n, -1)
    await h.coordinator.addPartitions('a', a.producerId, a.producerEpoch, [T0, T1])
    await h.coordinator.initProducerId('b', 60_000, -1n, -1)
    expect(h.coordinator.list(['Ongoing', 'Bogus'], [], -1n)).toEqual({
      errorCode: 0,
      unknownStateFilters: ['Bogus'],
      transactions: [{ transactionalId: 'a', producerId: a.producerId, transactionState: 'Ongoing' }],
    })
    expect(h.coordinator.list([], [], -1n).transactions).toHaveLength(2)
    h.clock.advance(1000)
    // Running for 1 s: filtered out at 5 s, listed at 0.5 s (Kafka compares now - start with the filter).
    expect(h.coordinator.list(['Ongoing'], [], 5000n).transactions).toHaveLength(0)
    expect(h.coordinator.list(['Ongoing'], [], 500n).transactions.map((t) => t.transactionalId)).toEqual([
      'a',
    ])
    expect(h.coordinator.describe(['a'])[0]).toMatchObject({
      transactionState: 'Ongoing',
      topics: [{ topic: 't', partitions: [0, 1] }],
    })
  })

  it('places ids on __transaction_state partitions with Java String.hashCode', () => {
    // "hello".hashCode() = 99162322; Integer.MIN_VALUE maps to 0 (Kafka's Utils.abs).
    expect(txnLogPartitionFor('hello', 50)).toBe(99162322 % 50)
    expect(txnLogPartitionFor('polygenelubricants', 50)).toBe(0)
  })
})

// A marker writer that fails, for the retry path.
class FailingMarkers implements MarkerWriter {
  calls: MarkerRequest[] = []
  failures = 1
  write(req: MarkerRequest): Promise<void> {
    this.calls.push(req)
    if (this.failures-- > 0) return Promise.reject(new Error('log closed'))
    return Promise.resolve()
  }
}

/** A coordinator over `log` with its own marker writer, loaded; every block of ids starts at `firstId`. */
async function loadedCoordinator(
  clock: ManualClock,
  log: MemoryTxnLog,
  markers: MarkerWriter,
  firstId: bigint,
): Promise<TransactionCoordinator> {
  const c = new TransactionCoordinator({
    clock,
    log,
    markers,
    config: CONFIG,
    allocateProducerIds: () => Promise.resolve(firstId),
    offsetsPartitionFor: () => 0,
  })
  await c.load()
  return c
}

describe('transaction coordinator: marker failures', () => {
  it('answers after Prepare and retries the markers until the transaction completes', async () => {
    const clock = new ManualClock()
    const writer = new FailingMarkers()
    const c = await loadedCoordinator(clock, new MemoryTxnLog(), writer, 100n)
    const { producerId: pid } = await c.initProducerId('tx', 60_000, -1n, -1)
    await c.addPartitions('tx', pid, 0, [T0])
    expect((await c.endTxn('tx', pid, 0, true)).errorCode).toBe(ErrorCode.NONE)
    expect(c.describe(['tx'])[0]!.transactionState).toBe('PrepareCommit')
    expect(await c.addPartitions('tx', pid, 0, [T0])).toBe(ErrorCode.CONCURRENT_TRANSACTIONS)
    clock.advance(1000)
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
    expect(writer.calls).toHaveLength(2)
    expect(c.describe(['tx'])[0]!.transactionState).toBe('CompleteCommit')
    await c.close()
  })
})

/** One transactional batch as Produce v`apiVersion` handles it: prepare (KIP-890 part 2), check, append. */
async function produceAt(h: Harness, apiVersion: number, spec: Parameters<typeof produce>[2]) {
  const log = h.logs.get('t-0')!
  await h.producers.prepare(log, producerBatch(log, { ...spec, apiVersion }))
  return produce(h.producers, log, { ...spec, apiVersion })
}

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p
    return ErrorCode.NONE
  } catch (err) {
    return (err as { code: number }).code
  }
}

describe('transaction coordinator: transactions v2 (KIP-890 part 2)', () => {
  it('adds partitions implicitly and bumps the epoch at every end; markers carry the bumped epoch', async () => {
    const h = await harness()
    const { producerId: pid, producerEpoch: e0 } = await h.coordinator.initProducerId('v2', 60_000, -1n, -1)
    const spec = { producerId: pid, transactionalId: 'v2', transactional: true, count: 2 }
    await produceAt(h, 12, { ...spec, epoch: e0, seq: 0 })
    const d = h.coordinator.describe(['v2'])[0]!
    expect([d.transactionState, d.topics]).toEqual(['Ongoing', [{ topic: 't', partitions: [0] }]])
    expect(h.txnLog.records.at(-1)!.value!.clientTransactionVersion).toBe(2)

    expect(await h.coordinator.endTxn('v2', pid, e0, true, 2)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: pid,
      producerEpoch: e0 + 1,
    })
    expect(await markers(h.logs.get('t-0')!)).toEqual([{ type: 1, producerId: pid, epoch: e0 + 1 }])
    // Prepare and Complete both hold the bumped epoch.
    expect(h.txnLog.records.slice(-2).map((r) => [r.value!.state, r.value!.producerEpoch])).toEqual([
      [TxnState.PrepareCommit, e0 + 1],
      [TxnState.CompleteCommit, e0 + 1],
    ])
    // A retry (the epoch before the bump) gets the same answer; the new epoch again is the next
    // end, which for an empty transaction is a fenced request, as in Kafka.
    expect(await h.coordinator.endTxn('v2', pid, e0, true, 2)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: pid,
      producerEpoch: e0 + 1,
    })
    expect((await h.coordinator.endTxn('v2', pid, e0, false, 2)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE)
    expect((await h.coordinator.endTxn('v2', pid, e0 + 1, true, 2)).errorCode).toBe(ErrorCode.PRODUCER_FENCED)

    // The old epoch is a zombie now: on the partition and at the coordinator.
    expect(await codeOf(produceAt(h, 12, { ...spec, epoch: e0, seq: 2 }))).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    )
    // The next transaction runs at the bumped epoch, sequences restarting at 0; abort bumps again.
    await produceAt(h, 12, { ...spec, epoch: e0 + 1, seq: 0 })
    expect(await h.coordinator.endTxn('v2', pid, e0 + 1, false, 2)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: pid,
      producerEpoch: e0 + 2,
    })
    expect(h.logs.get('t-0')!.abortedTransactions(0n, 100n)).toHaveLength(1)
  })

  it('hands over to a new producer id when the epoch is exhausted; a retry of that end is recognised', async () => {
    const txnLog = new MemoryTxnLog()
    const exhausted: TxnLogValue = {
      producerId: 7n,
      producerEpoch: 32766,
      timeoutMs: 60_000,
      state: TxnState.CompleteCommit,
      partitions: [],
      lastUpdateTimestamp: 0,
      startTimestamp: -1,
      previousProducerId: -1n,
      nextProducerId: -1n,
      clientTransactionVersion: 2,
    }
    await txnLog.append({ transactionalId: 'old', value: exhausted })
    const h = await harness({ txnLog, nextId: { n: 500n } })
    await produceAt(h, 12, {
      producerId: 7n,
      epoch: 32766,
      seq: 0,
      transactionalId: 'old',
      transactional: true,
    })
    expect(await h.coordinator.endTxn('old', 7n, 32766, true, 2)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: 500n,
      producerEpoch: 0,
    })
    // The markers close the old id's transaction at the last epoch; the Prepare reserved the new id.
    expect(await markers(h.logs.get('t-0')!)).toEqual([{ type: 1, producerId: 7n, epoch: 32767 }])
    const [prepare, complete] = h.txnLog.records.slice(-2).map((r) => r.value!)
    expect([prepare!.producerId, prepare!.producerEpoch, prepare!.nextProducerId]).toEqual([7n, 32767, 500n])
    expect([complete!.producerId, complete!.producerEpoch, complete!.previousProducerId]).toEqual([
      500n,
      0,
      7n,
    ])
    // The client lost the answer and retries with the old id: the same answer.
    expect(await h.coordinator.endTxn('old', 7n, 32766, true, 2)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: 500n,
      producerEpoch: 0,
    })
    expect((await h.coordinator.endTxn('old', 8n, 0, true, 2)).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    )
  })

  it('completes a prepared transactions v2 end after a restart, with the reserved id', async () => {
    const clock = new ManualClock()
    const txnLog = new MemoryTxnLog()
    const writer = new FailingMarkers()
    writer.failures = 100
    const c = await loadedCoordinator(clock, txnLog, writer, 900n)
    await txnLog.append({
      transactionalId: 'crash',
      value: {
        producerId: 3n,
        producerEpoch: 32766,
        timeoutMs: 60_000,
        state: TxnState.Empty,
        partitions: [],
        lastUpdateTimestamp: 0,
        startTimestamp: -1,
        previousProducerId: -1n,
        nextProducerId: -1n,
        clientTransactionVersion: 0,
      },
    })
    await c.close()
    const c2 = await loadedCoordinator(clock, txnLog, writer, 900n)
    expect(await c2.addPartitionImplicitly('crash', 3n, 32766, T0)).toBe(ErrorCode.NONE)
    // Markers fail: the answer is decided at Prepare and already names the reserved id.
    expect(await c2.endTxn('crash', 3n, 32766, false, 2)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: 900n,
      producerEpoch: 0,
    })
    expect(c2.describe(['crash'])[0]!.transactionState).toBe('PrepareAbort')
    await c2.close()

    writer.failures = 0
    const c3 = await loadedCoordinator(clock, txnLog, writer, 901n)
    const d = c3.describe(['crash'])[0]!
    expect([d.transactionState, d.producerId, d.producerEpoch]).toEqual(['CompleteAbort', 900n, 0])
    expect(writer.calls.at(-1)).toMatchObject({ producerId: 3n, producerEpoch: 32767, commit: false })
    await c3.close()
  })

  it('writes the implicit adds of one request as one record, in arrival order', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h, 'many')
    const before = h.txnLog.records.length
    const a = h.coordinator.addPartitionImplicitly('many', pid, epoch, T0)
    const b = h.coordinator.addPartitionImplicitly('many', pid, epoch, T1)
    expect(a).toBe(b)
    expect(await a).toBe(ErrorCode.NONE)
    expect(h.txnLog.records.length - before).toBe(1)
    expect(h.coordinator.addPartitionImplicitly('many', pid, epoch, T1)).toBeUndefined()
    expect(await h.coordinator.addPartitionImplicitly('many', pid, epoch + 1, T0)).toBe(
      ErrorCode.PRODUCER_FENCED,
    )
    expect(await h.coordinator.addPartitionImplicitly('nobody', pid, epoch, T0)).toBe(
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    )
  })

  it('transactions v1 clients keep one epoch per producer session', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h, 'v1')
    await h.coordinator.addPartitions('v1', pid, epoch, [T0])
    expect(await h.coordinator.endTxn('v1', pid, epoch, true)).toEqual({
      errorCode: ErrorCode.NONE,
      producerId: pid,
      producerEpoch: epoch,
    })
    expect(await markers(h.logs.get('t-0')!)).toEqual([{ type: 1, producerId: pid, epoch }])
    expect(h.txnLog.records.at(-1)!.value!.clientTransactionVersion).toBe(0)
  })
})

describe('KIP-890 part 1: verification errors by Produce version', () => {
  it('answers a batch for a partition not in the transaction per version', async () => {
    const h = await harness()
    const { pid, epoch } = await initTxn(h, 'p1')
    await h.coordinator.addPartitions('p1', pid, epoch, [T1])
    const spec = { producerId: pid, epoch, seq: 0, transactional: true, transactionalId: 'p1' }
    const log0 = h.logs.get('t-0')!
    const check = (apiVersion: number, s = spec) => {
      try {
        h.producers.check(log0, producerBatch(log0, { ...s, apiVersion }))
        return ErrorCode.NONE
      } catch (err) {
        return (err as { code: number }).code
      }
    }
    expect(check(3)).toBe(ErrorCode.INVALID_TXN_STATE)
    expect(check(10)).toBe(ErrorCode.INVALID_TXN_STATE)
    expect(check(11)).toBe(ErrorCode.TRANSACTION_ABORTABLE)
    // A stale epoch is INVALID_PRODUCER_EPOCH at every version (the coordinator says PRODUCER_FENCED).
    expect(check(11, { ...spec, epoch: epoch + 1 })).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
    expect(check(11, { ...spec, producerId: pid + 50n })).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  })
})

describe('__transaction_state value versions', () => {
  it('writes v0 for transactions v1 state at level 0, v1 with tagged fields otherwise, and reads both', () => {
    const v: TxnLogValue = {
      producerId: 5n,
      producerEpoch: 3,
      timeoutMs: 1000,
      state: TxnState.PrepareCommit,
      partitions: [{ topic: 't', partitions: [0, 1] }],
      lastUpdateTimestamp: 10,
      startTimestamp: 9,
      previousProducerId: -1n,
      nextProducerId: -1n,
      clientTransactionVersion: 0,
    }
    const key = encodeTxnLogKey('id')
    expect(encodeTxnLogValue(v, 0).readInt16BE(0)).toBe(0)
    expect(encodeTxnLogValue(v, 1).readInt16BE(0)).toBe(1)
    const v2 = { ...v, nextProducerId: 6n, clientTransactionVersion: 2 }
    const bytes = encodeTxnLogValue(v2, 0)
    expect(bytes.readInt16BE(0)).toBe(1)
    expect(decodeTxnLogRecord(key, bytes).value).toEqual(v2)
    expect(decodeTxnLogRecord(key, encodeTxnLogValue(v, 0)).value).toEqual(v)
  })
})
