// Record schemas of the __transaction_state topic (the transaction coordinator's log).
//
// Storage format: key = int16 key version (always 0) + TransactionLogKey; value = int16 value version
// + TransactionLogValue, or null (tombstone: the transactional id expired and is forgotten).
// The reference coordinator writes value v0, or v1 (flexible) once the transaction.version feature
// is >= 1; v1 carries the KIP-890 producer-id rotation and client transaction version as tagged fields.
//
// Facts from shared/kafka-protocol/internal/transaction-coordinator/ (pre-4.0 snapshot), plus the
// NextProducerEpoch tag added in Kafka 4.1 (KIP-939).

import { f, message, struct } from '../dsl.ts'

export const TransactionLogKey = message('TransactionLogKey', '0', 'none', {
  transactionalId: f.string().versions('0').entity('transactionalId'),
})

/** TransactionLogValue.transactionStatus values (the reference coordinator's TransactionState ids). */
export const TransactionStatus = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus]

export const TransactionLogValue = message('TransactionLogValue', '0-1', '1+', {
  producerId: f.int64().entity('producerId'),
  // The producer id before the last epoch-overflow rotation (KIP-890), -1 if none.
  previousProducerId: f.int64().tag(0, '1+').default(-1n).entity('producerId'),
  // The producer id handed to the client for its next transaction after a rotation, -1 if none.
  nextProducerId: f.int64().tag(1, '1+').default(-1n).entity('producerId'),
  producerEpoch: f.int16(),
  transactionTimeoutMs: f.int32(),
  transactionStatus: f.int8(),
  // Null in states without partitions (Empty, Complete*, Dead).
  transactionPartitions: f
    .array(
      struct('PartitionsSchema', {
        topic: f.string().entity('topicName'),
        partitionIds: f.array(f.int32()),
      }),
    )
    .nullable('0+'),
  transactionLastUpdateTimestampMs: f.int64(),
  transactionStartTimestampMs: f.int64(),
  // 0/1 = transactions v1 (KIP-98), 2 = transactions v2 (KIP-890 part 2).
  clientTransactionVersion: f.int16().tag(2, '1+').default(0),
  // Kafka 4.1 (KIP-939): the epoch that goes with nextProducerId, -1 if none.
  nextProducerEpoch: f.int16().tag(3, '1+').default(-1),
})

export const TRANSACTION_LOG_MESSAGES = [TransactionLogKey, TransactionLogValue] as const
