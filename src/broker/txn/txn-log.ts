// Where the transaction coordinator keeps its state: the internal topic __transaction_state, in
// Kafka's record format, so Kafka's own tools can read it.
//
//   partition  abs(javaStringHashCode(transactionalId)) % transaction.state.log.num.partitions
//   key        int16 version (0) + TransactionLogKey   { TransactionalId string }
//   value      int16 version (0) + TransactionLogValue { ProducerId, ProducerEpoch, TimeoutMs,
//              Status int8, Partitions [{Topic, [PartitionId]}], LastUpdateMs, StartMs }
//              null value = tombstone (the transactional id expired: Dead)
//
// Value v0 is written, as Kafka does until the transaction.version feature is raised (we advertise
// no feature levels). The topic is compacted: the latest record of each id is its state. Loading
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
const VALUE_VERSION = 0
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

export function encodeTxnLogValue(v: TxnLogValue): Buffer {
  const w = new Writer(64)
  w.int16(VALUE_VERSION)
  encodeTransactionLogValue(w, VALUE_VERSION, {
    producerId: v.producerId,
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
    },
  }
}

/** The broker's TxnLog: the partitions of __transaction_state. */
export class TopicTxnLog implements TxnLog {
  private readonly logs: readonly PartitionLog[]
  private readonly now: () => number

  constructor(logs: readonly PartitionLog[], now: () => number) {
    if (logs.length === 0) throw new TxnLogFormatError('__transaction_state has no partitions')
    this.logs = logs
    this.now = now
  }

  async append(record: TxnLogRecord): Promise<void> {
    const log = this.logs[txnLogPartitionFor(record.transactionalId, this.logs.length)]!
    const batch = buildRecordBatch({
      records: [
        {
          key: encodeTxnLogKey(record.transactionalId),
          value: record.value === null ? null : encodeTxnLogValue(record.value),
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
