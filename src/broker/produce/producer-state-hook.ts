// The hook where idempotent/transactional producer-state checks plug into Produce. The transactions
// work (src/broker/txn) installs a guard on its services slot; until then no guard exists and
// batches with a producer id are appended as they come — what a broker without sequence checks
// does: retried batches are stored twice, sequence gaps and stale epochs are not detected.
//
// Order contract: `check` is called synchronously, in request arrival order, right before the
// partition's append is queued, so a guard that tracks sequences sees batches in log order. It
// may throw KafkaError (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, PRODUCER_FENCED,
// INVALID_TXN_STATE, ...) to reject the batch, or answer `duplicate` with the offsets the original
// append got (Kafka's DuplicateSequence handling). Exactly one of `appended` / `appendFailed`
// follows every `append` answer.
//
// `prepare` (optional) runs first: a transactional batch of Produce v12+ (KIP-890 part 2) may need
// its partition added to the producer's transaction by the coordinator, which is asynchronous. It
// answers undefined when the batch may go on to `check` at once, else a promise that settles once
// it may (or rejects with the KafkaError to answer). Promises of one producer settle in arrival
// order, so the `check`s that follow them still run in arrival order.

import type { AppendResult, PartitionLog, TopicPartition } from '../../storage/log-store.ts'

export interface ProducerBatch {
  readonly topicPartition: TopicPartition
  readonly transactionalId: string | null
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
  readonly recordsCount: number
  readonly transactional: boolean
  /** The Produce request version (error codes and KIP-890 behaviour depend on it). */
  readonly apiVersion: number
}

export type ProducerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly baseOffset: bigint; readonly logAppendTime: bigint }

export interface ProducerStateGuard {
  prepare?(log: PartitionLog, batch: ProducerBatch): Promise<void> | undefined
  check(log: PartitionLog, batch: ProducerBatch): ProducerCheck
  appended(log: PartitionLog, batch: ProducerBatch, result: AppendResult): void
  appendFailed(log: PartitionLog, batch: ProducerBatch, err: unknown): void
}

declare module '../services.ts' {
  interface TransactionCoordinatorSlot {
    /** Producer-state checks for Produce; absent until the transactions work provides them. */
    readonly producerState?: ProducerStateGuard
  }
}
