// Shared fixtures for the transaction tests: memory logs, producer batches, and a driver that
// runs a batch through the producer-state hook and the log the way Produce does.

import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { DEFAULT_LOG_CONFIG, type PartitionLog } from '../../../src/storage/log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/index.ts'
import type { ProducerBatch, ProducerCheck } from '../../../src/broker/produce/producer-state-hook.ts'
import type { ProducerStateManager } from '../../../src/broker/txn/producer-state.ts'

export async function memoryLog(topic = 't', partition = 0): Promise<PartitionLog> {
  return createMemoryLogStore().open({ topic, partition }, DEFAULT_LOG_CONFIG)
}

export interface BatchSpec {
  producerId: bigint
  epoch: number
  seq: number
  count?: number
  transactional?: boolean
  transactionalId?: string | null
  /** The Produce version the batch comes with (default 9, as the wire tests send). */
  apiVersion?: number
}

export function batchBytes(spec: BatchSpec): Buffer {
  const n = spec.count ?? 1
  return buildRecordBatch({
    producerId: spec.producerId,
    producerEpoch: spec.epoch,
    baseSequence: spec.seq,
    transactional: spec.transactional ?? false,
    records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${spec.seq + i}`) })),
  })
}

export function producerBatch(log: PartitionLog, spec: BatchSpec): ProducerBatch {
  return {
    topicPartition: log.topicPartition,
    transactionalId: spec.transactionalId ?? null,
    producerId: spec.producerId,
    producerEpoch: spec.epoch,
    baseSequence: spec.seq,
    recordsCount: spec.count ?? 1,
    transactional: spec.transactional ?? false,
    apiVersion: spec.apiVersion ?? 9,
  }
}

/** What Produce does with one batch: check, then append and report back. Returns the base offset. */
export async function produce(
  guard: ProducerStateManager,
  log: PartitionLog,
  spec: BatchSpec,
): Promise<{ check: ProducerCheck; baseOffset: bigint }> {
  const b = producerBatch(log, spec)
  const check = guard.check(log, b)
  if (check.kind === 'duplicate') return { check, baseOffset: check.baseOffset }
  try {
    const r = await log.append(batchBytes(spec), { leaderEpoch: 0 })
    guard.appended(log, b, r)
    return { check, baseOffset: r.baseOffset }
  } catch (err) {
    guard.appendFailed(log, b, err)
    throw err
  }
}
