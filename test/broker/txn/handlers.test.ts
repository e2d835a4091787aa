// The transaction APIs on the wire (raw frames against a running broker): idempotent Produce
// (duplicates, gaps, stale epochs), transactional Produce verification, per-version error codes
// (PRODUCER_FENCED vs INVALID_PRODUCER_EPOCH), AddPartitionsToTxn v3 and batched v4 with
// verifyOnly, read_committed Fetch (LSO and aborted transactions), and the admin APIs
// DescribeProducers, DescribeTransactions and ListTransactions.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ApiKey } from '../../../src/protocol/generated/index.ts'
import type { RunningBroker } from '../../../src/index.ts'
import { testBroker } from '../../e2e/helpers.ts'
import { WireClient } from '../wire-client.ts'
import { batchBytes, type BatchSpec } from './helpers.ts'

let broker: RunningBroker
let client: WireClient

async function call<T = Record<string, unknown>>(apiKey: number, version: number, body: object): Promise<T> {
  const n = client.responseCount
  client.send(apiKey, version, body)
  await client.waitFor(n + 1)
  return client.response<T>(n).body
}

interface PartitionResult {
  index: number
  errorCode: number
  baseOffset: bigint
}

async function produce(
  topic: string,
  partition: number,
  spec: BatchSpec,
  transactionalId: string | null = null,
) {
  const r = await call<{ responses: Array<{ partitionResponses: PartitionResult[] }> }>(ApiKey.Produce, 9, {
    transactionalId,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batchBytes(spec) }] }],
  })
  return r.responses[0]!.partitionResponses[0]!
}

async function initProducerId(transactionalId: string | null, version = 4, timeoutMs = 60_000) {
  return call<{ errorCode: number; producerId: bigint; producerEpoch: number }>(
    ApiKey.InitProducerId,
    version,
    {
      transactionalId,
      transactionTimeoutMs: timeoutMs,
      producerId: -1n,
      producerEpoch: -1,
    },
  )
}

beforeAll(async () => {
  broker = await testBroker()
  client = await WireClient.open(broker.port)
  await call(ApiKey.CreateTopics, 4, {
    topics: [
      { name: 'idem', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'txn', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'kip890', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  })
})

afterAll(async () => {
  client?.close()
  await broker?.close()
})

describe('idempotent Produce', () => {
  it('acknowledges a retried batch with its original offset, rejects gaps and stale epochs', async () => {
    const { producerId, producerEpoch, errorCode } = await initProducerId(null, 0)
    expect(errorCode).toBe(ErrorCode.NONE)
    const first = await produce('idem', 0, { producerId, epoch: producerEpoch, seq: 0, count: 3 })
    const second = await produce('idem', 0, { producerId, epoch: producerEpoch, seq: 3, count: 1 })
    const retry = await produce('idem', 0, { producerId, epoch: producerEpoch, seq: 0, count: 3 })
    expect([first.baseOffset, second.baseOffset, retry.baseOffset]).toEqual([0n, 3n, 0n])
    expect(retry.errorCode).toBe(ErrorCode.NONE)
    expect(broker.services.topics.partition('idem', 0)!.logEndOffset()).toBe(4n)
    expect((await produce('idem', 0, { producerId, epoch: producerEpoch, seq: 9 })).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    )
    await produce('idem', 0, { producerId, epoch: producerEpoch + 1, seq: 0 })
    expect((await produce('idem', 0, { producerId, epoch: producerEpoch, seq: 4 })).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    )
  })
})

describe('transactions on the wire', () => {
  it('verifies transactional batches, answers read_committed fetches with the LSO and aborted ranges', async () => {
    const { producerId: pid, producerEpoch: epoch } = await initProducerId('wire-tx')
    // Not added to the transaction yet: rejected.
    const early = await produce('txn', 0, { producerId: pid, epoch, seq: 0, transactional: true }, 'wire-tx')
    expect(early.errorCode).toBe(ErrorCode.INVALID_TXN_STATE)

    const add = await call<{
      resultsByTopicV3AndBelow: Array<{ resultsByPartition: Array<{ partitionErrorCode: number }> }>
    }>(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: 'wire-tx',
      v3AndBelowProducerId: pid,
      v3AndBelowProducerEpoch: epoch,
      v3AndBelowTopics: [{ name: 'txn', partitions: [0] }],
    })
    expect(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.NONE)
    const p = await produce(
      'txn',
      0,
      { producerId: pid, epoch, seq: 0, count: 2, transactional: true },
      'wire-tx',
    )
    expect(p.errorCode).toBe(ErrorCode.NONE)

    const fetch = async (isolationLevel: number) =>
      (
        await call<{
          responses: Array<{
            partitions: Array<{
              lastStableOffset: bigint
              highWatermark: bigint
              abortedTransactions: unknown[] | null
              records: Buffer | null
            }>
          }>
        }>(ApiKey.Fetch, 11, {
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          isolationLevel,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic: 'txn',
              partitions: [
                {
                  partition: 0,
                  fetchOffset: 0n,
                  logStartOffset: -1n,
                  partitionMaxBytes: 1 << 20,
                  currentLeaderEpoch: -1,
                },
              ],
            },
          ],
          forgottenTopicsData: [],
          rackId: '',
        })
      ).responses[0]!.partitions[0]!
    const open = await fetch(1)
    expect(open.lastStableOffset).toBe(0n)
    expect(open.highWatermark).toBe(2n)
    expect(open.records?.length ?? 0).toBe(0)
    expect((await fetch(0)).records!.length).toBeGreaterThan(0)

    const end = await call<{ errorCode: number }>(ApiKey.EndTxn, 3, {
      transactionalId: 'wire-tx',
      producerId: pid,
      producerEpoch: epoch,
      committed: false,
    })
    expect(end.errorCode).toBe(ErrorCode.NONE)
    const aborted = await fetch(1)
    expect(aborted.lastStableOffset).toBe(3n)
    expect(aborted.abortedTransactions).toEqual([{ producerId: pid, firstOffset: 0n }])
  })

  it('KIP-890: a partition or group not in the transaction, per request version', async () => {
    const { producerId: pid, producerEpoch: epoch } = await initProducerId('kip890-tx')
    const produceAt = async (version: number, seq: number) => {
      const r = await call<{ responses: Array<{ partitionResponses: PartitionResult[] }> }>(
        ApiKey.Produce,
        version,
        {
          transactionalId: 'kip890-tx',
          acks: -1,
          timeoutMs: 5000,
          topicData: [
            {
              name: 'kip890',
              partitionData: [
                { index: 1, records: batchBytes({ producerId: pid, epoch, seq, transactional: true }) },
              ],
            },
          ],
        },
      )
      return r.responses[0]!.partitionResponses[0]!.errorCode
    }
    // Part 1: rejected, in the code each version knows; part 2 (v12): added, then written.
    expect(await produceAt(10, 0)).toBe(ErrorCode.INVALID_TXN_STATE)
    expect(await produceAt(11, 0)).toBe(ErrorCode.TRANSACTION_ABORTABLE)
    expect(await produceAt(12, 0)).toBe(ErrorCode.NONE)
    expect(await produceAt(11, 1)).toBe(ErrorCode.NONE)

    const offsetsAt = async (version: number) => {
      const r = await call<{ topics: Array<{ partitions: Array<{ errorCode: number }> }> }>(
        ApiKey.TxnOffsetCommit,
        version,
        {
          transactionalId: 'kip890-tx',
          groupId: 'kip890-group',
          producerId: pid,
          producerEpoch: epoch,
          generationId: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [
            {
              name: 'kip890',
              partitions: [
                { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null },
              ],
            },
          ],
        },
      )
      return r.topics[0]!.partitions[0]!.errorCode
    }
    expect(await offsetsAt(3)).toBe(ErrorCode.INVALID_TXN_STATE)
    expect(await offsetsAt(4)).toBe(ErrorCode.TRANSACTION_ABORTABLE)
    expect(await offsetsAt(5)).toBe(ErrorCode.NONE)
    expect(await offsetsAt(4)).toBe(ErrorCode.NONE)
    const end = await call<{ errorCode: number; producerId: bigint; producerEpoch: number }>(
      ApiKey.EndTxn,
      5,
      {
        transactionalId: 'kip890-tx',
        producerId: pid,
        producerEpoch: epoch,
        committed: false,
      },
    )
    expect(end).toMatchObject({ errorCode: ErrorCode.NONE, producerId: pid, producerEpoch: epoch + 1 })
    // The epoch the abort retired is fenced, at every version.
    expect(await produceAt(12, 2)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
    expect(await offsetsAt(5)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH)
  })

  it('transaction.partition.verification.enable=false appends transactions v1 batches unverified', async () => {
    const setVerification = async (value: string) => {
      const r = await call<{ responses: Array<{ errorCode: number }> }>(ApiKey.IncrementalAlterConfigs, 1, {
        resources: [
          {
            resourceType: 4,
            resourceName: '',
            configs: [{ name: 'transaction.partition.verification.enable', configOperation: 0, value }],
          },
        ],
        validateOnly: false,
      })
      expect(r.responses[0]!.errorCode).toBe(ErrorCode.NONE)
    }
    const { producerId: pid, producerEpoch: epoch } = await initProducerId('unverified-tx')
    const spec = { producerId: pid, epoch, transactional: true }
    await setVerification('false')
    try {
      expect((await produce('kip890', 0, { ...spec, seq: 0 }, 'unverified-tx')).errorCode).toBe(
        ErrorCode.NONE,
      )
    } finally {
      await setVerification('true')
    }
    expect((await produce('kip890', 0, { ...spec, seq: 1 }, 'unverified-tx')).errorCode).toBe(
      ErrorCode.INVALID_TXN_STATE,
    )
  })

  it('maps PRODUCER_FENCED to INVALID_PRODUCER_EPOCH for old versions', async () => {
    const old = await initProducerId('fence-tx')
    await initProducerId('fence-tx')
    const body = {
      transactionalId: 'fence-tx',
      producerId: old.producerId,
      producerEpoch: old.producerEpoch,
      committed: true,
    }
    expect((await call<{ errorCode: number }>(ApiKey.EndTxn, 1, body)).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    )
    expect((await call<{ errorCode: number }>(ApiKey.EndTxn, 3, body)).errorCode).toBe(
      ErrorCode.PRODUCER_FENCED,
    )
    const add = {
      transactionalId: 'fence-tx',
      producerId: old.producerId,
      producerEpoch: old.producerEpoch,
      groupId: 'g',
    }
    expect((await call<{ errorCode: number }>(ApiKey.AddOffsetsToTxn, 0, add)).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    )
    expect((await call<{ errorCode: number }>(ApiKey.AddOffsetsToTxn, 2, add)).errorCode).toBe(
      ErrorCode.PRODUCER_FENCED,
    )
    expect((await initProducerId('fence-tx', 4, 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT)
  })

  it('AddPartitionsToTxn: unknown partitions fail the request; v4 batches transactions and verifies', async () => {
    const { producerId: pid, producerEpoch: epoch } = await initProducerId('batch-tx')
    const v3 = await call<{
      resultsByTopicV3AndBelow: Array<{
        name: string
        resultsByPartition: Array<{ partitionIndex: number; partitionErrorCode: number }>
      }>
    }>(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: 'batch-tx',
      v3AndBelowProducerId: pid,
      v3AndBelowProducerEpoch: epoch,
      v3AndBelowTopics: [{ name: 'txn', partitions: [1, 7] }],
    })
    expect(v3.resultsByTopicV3AndBelow[0]!.resultsByPartition).toEqual([
      { partitionIndex: 1, partitionErrorCode: ErrorCode.OPERATION_NOT_ATTEMPTED },
      { partitionIndex: 7, partitionErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ])
    type V4 = {
      errorCode: number
      resultsByTransaction: Array<{
        transactionalId: string
        topicResults: Array<{ resultsByPartition: Array<{ partitionErrorCode: number }> }>
      }>
    }
    const tx = (verifyOnly: boolean) => ({
      transactionalId: 'batch-tx',
      producerId: pid,
      producerEpoch: epoch,
      verifyOnly,
      topics: [{ name: 'txn', partitions: [1] }],
    })
    const codes = (r: V4) =>
      r.resultsByTransaction.map((t) => t.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode)
    // The coordinator's own code for "not in the transaction" (the broker translates it per client).
    expect(codes(await call<V4>(ApiKey.AddPartitionsToTxn, 4, { transactions: [tx(true)] }))).toEqual([
      ErrorCode.TRANSACTION_ABORTABLE,
    ])
    expect(codes(await call<V4>(ApiKey.AddPartitionsToTxn, 4, { transactions: [tx(false)] }))).toEqual([
      ErrorCode.NONE,
    ])
    expect(codes(await call<V4>(ApiKey.AddPartitionsToTxn, 5, { transactions: [tx(true)] }))).toEqual([
      ErrorCode.NONE,
    ])
  })

  it('DescribeTransactions, ListTransactions and DescribeProducers report the state', async () => {
    const { producerId: pid, producerEpoch: epoch } = await initProducerId('admin-tx')
    await call(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: 'admin-tx',
      v3AndBelowProducerId: pid,
      v3AndBelowProducerEpoch: epoch,
      v3AndBelowTopics: [{ name: 'txn', partitions: [1] }],
    })
    await produce('txn', 1, { producerId: pid, epoch, seq: 0, transactional: true }, 'admin-tx')

    const described = await call<{ transactionStates: Array<Record<string, unknown>> }>(
      ApiKey.DescribeTransactions,
      0,
      { transactionalIds: ['admin-tx', 'nope'] },
    )
    expect(described.transactionStates).toEqual([
      expect.objectContaining({
        errorCode: 0,
        transactionalId: 'admin-tx',
        transactionState: 'Ongoing',
        producerId: pid,
        topics: [{ topic: 'txn', partitions: [1] }],
      }),
      expect.objectContaining({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: 'nope' }),
    ])
    const listed = await call<{
      unknownStateFilters: string[]
      transactionStates: Array<{ transactionalId: string }>
    }>(ApiKey.ListTransactions, 1, {
      stateFilters: ['Ongoing', 'Weird'],
      producerIdFilters: [pid],
      durationFilter: -1n,
    })
    expect(listed.unknownStateFilters).toEqual(['Weird'])
    expect(listed.transactionStates.map((t) => t.transactionalId)).toEqual(['admin-tx'])

    const producers = await call<{
      topics: Array<{
        partitions: Array<{ errorCode: number; activeProducers: Array<Record<string, unknown>> }>
      }>
    }>(ApiKey.DescribeProducers, 0, {
      topics: [{ name: 'txn', partitionIndexes: [1, 9] }],
    })
    const [p1, p9] = producers.topics[0]!.partitions
    expect(p1!.activeProducers).toEqual([
      expect.objectContaining({
        producerId: pid,
        producerEpoch: epoch,
        lastSequence: 0,
        currentTxnStartOffset: 0n,
      }),
    ])
    expect(p9!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })
})
