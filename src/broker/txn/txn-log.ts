// Where the transaction coordinator keeps its state: the internal topic __transaction_state, in
// Kafka's record format, so Kafka's own tools can read it.
//
//   partition  abs(javaStringHashCode(transactionalId)) % transaction.state.log.num.partitions
//   key        int16 version (0) + TransactionLogKey   { TransactionalId string }
//   value      int16 version (0 or 1) + TransactionLogValue { ProducerId, ProducerEpoch, TimeoutMs,
//              Status int8, Partitions [{Topic, [PartitionId]}], LastUpdateMs, StartMs }
//              v1 is flexible and adds tagged fields: PreviousProducerId (tag 0), NextProducerId
//              (tag 1: the id a transactions-v2 commit/abort hands over to when the epoch is
//              exhausted, set in the Prepare record), ClientTransactionVersion (tag 2: 2 when the
//              transaction uses transactions v2, whose every end bumps the epoch).
//              null value = tombstone (the transactional id expired: Dead)
//
// Value version: 1 when the finalized transaction.version is ≥ 1 (as Kafka), and also whenever the
// record carries transactions-v2 state (so a restart never loses it); 0 otherwise, readable by any
// Kafka. Both are read. The topic is compacted: the latest record of each id is its state. Loading
// the coordinator replays every partition in offset order.

import {
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
} from '../../protocol/generated/records-transaction-log.ts'
import { Reader } from '../../protocol/primitives/reader.ts'
import { Writer } from '../../protocol/primitives/writer.ts'
import { buildRecordBatch } from '../../protocol/records/batch-builder.ts'
import { isControl, readBatchHeader, scanBatches } from '../../protocol/records/batch-header.ts'
import { readRecords } from '../../protocol/records/records.ts'
import type { PartitionLog } from '../../storage/log-store.ts'
import { signalAppend } from '../fetch/append-signal.ts'
import { isTxnState, type TxnState } from './txn-state.ts'

export const TRANSACTION_STATE_TOPIC = '__transaction_state'
const KEY_VERSION = 0
const NO_PRODUCER_ID = -1n
const READ_CHUNK_BYTES = 1024 * 1024

/** One transactional id's durable state (the fields of TransactionLogValue). */
export interface TxnLogValue {
  producerId: bigint
  producerEpoch: number
  timeoutMs: number
  state: TxnState
  partitions: Array<{ topic: string; partitions: number[] }>
  lastUpdateTimestamp: number
  startTimestamp: number
  /** v1 tag 0: the producer id before the last rotation (-1 when none). */
  previousProducerId: bigint
  /** v1 tag 1: the producer id a transactions-v2 end hands over to (-1 when none). */
  nextProducerId: bigint
  /** v1 tag 2: the transaction version of the client's last transition (0 or 2). */
  clientTransactionVersion: number
}

export interface TxnLogRecord {
  transactionalId: string
  /** null = tombstone. */
  value: TxnLogValue | null
}

export interface TxnLog {
  /** Resolves once the record is in the log (as durable as the log is configured). */
  append(record: TxnLogRecord): Promise<void>
  /** Feeds every stored record, oldest first. */
  replay(apply: (record: TxnLogRecord) => void): Promise<void>
}

export class TxnLogFormatError extends Error {
  override name = 'TxnLogFormatError'
}

/** Java's String.hashCode over UTF-16 code units, then Kafka's Utils.abs. */
export function txnLogPartitionFor(transactionalId: string, partitions: number): number {
  let h = 0
  for (let i = 0; i < transactionalId.length; i++) h = (Math.imul(h, 31) + transactionalId.charCodeAt(i)) | 0
  const abs = h === -0x80000000 ? 0 : Math.abs(h)
  return abs % partitions
}

export function encodeTxnLogKey(transactionalId: string): Buffer {
  const w = new Writer(32)
  w.int16(KEY_VERSION)
  encodeTransactionLogKey(w, KEY_VERSION, { transactionalId })
  return w.toBuffer()
}

/** The value version to write: see the header. */
export function txnLogValueVersion(v: TxnLogValue, transactionVersion: number): number {
  return transactionVersion >= 1 ||
    v.clientTransactionVersion >= 2 ||
    v.nextProducerId !== NO_PRODUCER_ID ||
    v.previousProducerId !== NO_PRODUCER_ID
    ? 1
    : 0
}

export function encodeTxnLogValue(v: TxnLogValue, transactionVersion = 0): Buffer {
  const version = txnLogValueVersion(v, transactionVersion)
  const w = new Writer(64)
  w.int16(version)
  encodeTransactionLogValue(w, version, {
    producerId: v.producerId,
    previousProducerId: v.previousProducerId,
    nextProducerId: v.nextProducerId,
    clientTransactionVersion: v.clientTransactionVersion,
    producerEpoch: v.producerEpoch,
    transactionTimeoutMs: v.timeoutMs,
    transactionStatus: v.state,
    transactionPartitions: v.partitions.map((p) => ({ topic: p.topic, partitionIds: p.partitions })),
    transactionLastUpdateTimestampMs: BigInt(v.lastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(v.startTimestamp),
  })
  return w.toBuffer()
}

export function decodeTxnLogRecord(key: Buffer, value: Buffer | null): TxnLogRecord {
  const kr = new Reader(key)
  const kv = kr.int16()
  if (kv !== KEY_VERSION) throw new TxnLogFormatError(`unknown __transaction_state key version ${kv}`)
  const { transactionalId } = decodeTransactionLogKey(kr, kv)
  if (value === null) return { transactionalId, value: null }
  const vr = new Reader(value)
  const vv = vr.int16()
  if (vv < 0 || vv > 1) throw new TxnLogFormatError(`unknown __transaction_state value version ${vv}`)
  const d = decodeTransactionLogValue(vr, vv)
  if (!isTxnState(d.transactionStatus))
    throw new TxnLogFormatError(`unknown transaction status ${d.transactionStatus} for ${transactionalId}`)
  return {
    transactionalId,
    value: {
      producerId: d.producerId,
      producerEpoch: d.producerEpoch,
      timeoutMs: d.transactionTimeoutMs,
      state: d.transactionStatus,
      partitions: (d.transactionPartitions ?? []).map((p) => ({
        topic: p.topic,
        partitions: p.partitionIds,
      })),
      lastUpdateTimestamp: Number(d.transactionLastUpdateTimestampMs),
      startTimestamp: Number(d.transactionStartTimestampMs),
      previousProducerId: d.previousProducerId,
      nextProducerId: d.nextProducerId,
      clientTransactionVersion: d.clientTransactionVersion,
    },
  }
}

/** The broker's TxnLog: the partitions of __transaction_state. */
export class TopicTxnLog implements TxnLog {
  private readonly logs: readonly PartitionLog[]
  private readonly now: () => number
  private readonly transactionVersion: () => number

  /** `transactionVersion`: the finalized transaction.version (chooses the value version). */
  constructor(logs: readonly PartitionLog[], now: () => number, transactionVersion: () => number = () => 0) {
    if (logs.length === 0) throw new TxnLogFormatError('__transaction_state has no partitions')
    this.logs = logs
    this.now = now
    this.transactionVersion = transactionVersion
  }

  async append(record: TxnLogRecord): Promise<void> {
    const log = this.logs[txnLogPartitionFor(record.transactionalId, this.logs.length)]!
    const batch = buildRecordBatch({
      records: [
        {
          key: encodeTxnLogKey(record.transactionalId),
          value: record.value === null ? null : encodeTxnLogValue(record.value, this.transactionVersion()),
        },
      ],
      baseTimestamp: BigInt(this.now()),
    })
    await log.append(batch, { leaderEpoch: 0 })
    signalAppend(log)
  }

  async replay(apply: (record: TxnLogRecord) => void): Promise<void> {
    for (const log of this.logs) {
      let offset = log.logStartOffset()
      const end = log.logEndOffset()
      while (offset < end) {
        const read = await log.read(offset, READ_CHUNK_BYTES, { maxOffset: end })
        let next = offset
        for (const chunk of read.records)
          scanBatches(chunk, 0, chunk.length, false, (pos) => {
            const h = readBatchHeader(chunk, pos)
            const last = h.baseOffset + BigInt(h.lastOffsetDelta)
            if (last >= next) next = last + 1n
            if (last < offset || isControl(h.attributes)) return
            for (const r of readRecords(chunk, pos)) {
              if (h.baseOffset + BigInt(r.offsetDelta) < offset || r.key === null) continue
              apply(decodeTxnLogRecord(r.key, r.value))
            }
          })
        if (next <= offset) break
        offset = next
      }
    }
  }
}

/** Records kept in an array: for coordinator tests, and to check that replay rebuilds the state. */
export class MemoryTxnLog implements TxnLog {
  readonly records: TxnLogRecord[] = []
  failAppends: Error | undefined

  append(record: TxnLogRecord): Promise<void> {
    if (this.failAppends !== undefined) return Promise.reject(this.failAppends)
    // Round-trip through the wire format so tests exercise the encoding.
    this.records.push(
      decodeTxnLogRecord(
        encodeTxnLogKey(record.transactionalId),
        record.value === null ? null : encodeTxnLogValue(record.value),
      ),
    )
    return Promise.resolve()
  }

  replay(apply: (record: TxnLogRecord) => void): Promise<void> {
    for (const r of this.records) apply(r)
    return Promise.resolve()
  }
}
