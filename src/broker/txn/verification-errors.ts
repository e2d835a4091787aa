// What a client is told when the transaction coordinator does not confirm that a partition belongs
// to the producer's transaction (KIP-890): the coordinator answers in its own codes (verify:
// NONE, INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS,
// TRANSACTION_ABORTABLE; implicit add: AddPartitionsToTxn's codes), and Kafka's broker translates
// them by request version (AddPartitionsToTxnManager + ReplicaManager; GroupCoordinatorService for
// TxnOffsetCommit):
//   PRODUCER_FENCED        → INVALID_PRODUCER_EPOCH (every version)
//   TRANSACTION_ABORTABLE  → kept for Produce v11+ and TxnOffsetCommit v4+, which know it;
//                            INVALID_TXN_STATE ("Partition was not added to the transaction") below
//   CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
//   NOT_COORDINATOR        → Produce: NOT_ENOUGH_REPLICAS (retried without a metadata refresh);
//                            TxnOffsetCommit: COORDINATOR_NOT_AVAILABLE
//   anything else          → unchanged

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'

/** Produce v11 introduced TRANSACTION_ABORTABLE; TxnOffsetCommit v4 did. */
const PRODUCE_ABORTABLE_SINCE = 11
const TXN_OFFSET_COMMIT_ABORTABLE_SINCE = 4

function isCoordinatorRetriable(code: number): boolean {
  return (
    code === ErrorCode.CONCURRENT_TRANSACTIONS ||
    code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ||
    code === ErrorCode.COORDINATOR_NOT_AVAILABLE ||
    code === ErrorCode.NOT_COORDINATOR
  )
}

function errorName(code: number): string {
  return new KafkaError(code).errorName
}

/** The error a Produce of `apiVersion` fails the batch with, or undefined when verified. */
export function produceVerificationError(code: number, apiVersion: number): KafkaError | undefined {
  if (code === ErrorCode.NONE) return undefined
  if (code === ErrorCode.PRODUCER_FENCED) return new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH)
  if (code === ErrorCode.TRANSACTION_ABORTABLE && apiVersion < PRODUCE_ABORTABLE_SINCE)
    code = ErrorCode.INVALID_TXN_STATE
  if (code === ErrorCode.INVALID_TXN_STATE)
    return new KafkaError(ErrorCode.INVALID_TXN_STATE, 'Partition was not added to the transaction')
  if (isCoordinatorRetriable(code))
    return new KafkaError(
      ErrorCode.NOT_ENOUGH_REPLICAS,
      `Unable to verify the partition has been added to the transaction. Underlying error: ${errorName(code)}`,
    )
  return new KafkaError(code)
}

/** The error code a TxnOffsetCommit of `apiVersion` answers with. */
export function txnOffsetCommitVerificationError(code: number, apiVersion: number): number {
  if (code === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH
  if (code === ErrorCode.TRANSACTION_ABORTABLE && apiVersion < TXN_OFFSET_COMMIT_ABORTABLE_SINCE)
    return ErrorCode.INVALID_TXN_STATE
  if (isCoordinatorRetriable(code)) return ErrorCode.COORDINATOR_NOT_AVAILABLE
  return code
}
