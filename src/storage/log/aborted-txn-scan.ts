// Deriving a log's aborted transactions from its batches, as Kafka's LogSegment.recover does with
// the producer state it rebuilds while scanning (ProducerAppendInfo.append, ProducerStateManager
// .lastStableOffset / completeTxn), restated for what the .txnindex needs:
//
//   transactional data batch   opens the producer's transaction at its base offset, unless one
//                              is open already
//   ABORT control batch        closes it; when one was open, yields the aborted transaction
//                              { producerId, firstOffset: where it opened, lastOffset: the
//                              marker's offset, lastStableOffset: the first offset of the earliest
//                              transaction of another producer still open, else marker + 1 }
//   COMMIT control batch       closes it
//   other control batches      (KRaft markers, unknown types) change nothing
//
// This matches what the broker indexes when it writes a marker (src/broker/txn/markers.ts: only
// an ABORT closing a transaction that wrote to the partition is indexed). The scan reads batch
// headers only, plus the key of a control batch's record (the marker type); data records are
// never decoded.

import {
  isControl,
  isTransactional,
  readBatchHeader,
  type BatchHeader,
} from '../../protocol/records/batch-header.ts'
import { ControlType, decodeControlKey } from '../../protocol/records/control-record.ts'
import { openBatch } from '../../protocol/records/records.ts'
import type { AbortedTxn } from '../log-store.ts'

export class AbortedTxnScan {
  /** First offset of each producer's open transaction. */
  readonly #open: Map<bigint, bigint>

  /** Starts from the open transactions of a producer-state snapshot (producerId -> first offset). */
  constructor(open: Iterable<[bigint, bigint]> = []) {
    this.#open = new Map(open)
  }

  /**
   * Applies one batch (its header and whole bytes); returns the aborted transaction it ends, if
   * any. A control batch whose record cannot be read counts as neither marker.
   */
  visit(h: BatchHeader, batch: Buffer): AbortedTxn | undefined {
    if (h.producerId < 0n || !isTransactional(h.attributes)) return undefined
    if (!isControl(h.attributes)) {
      if (!this.#open.has(h.producerId)) this.#open.set(h.producerId, h.baseOffset)
      return undefined
    }
    const type = markerType(batch)
    if (type !== ControlType.Abort && type !== ControlType.Commit) return undefined
    const first = this.#open.get(h.producerId)
    if (first === undefined) return undefined
    this.#open.delete(h.producerId)
    if (type === ControlType.Commit) return undefined
    const last = h.baseOffset + BigInt(h.lastOffsetDelta)
    let lso = last + 1n
    for (const f of this.#open.values()) if (f < lso) lso = f
    return { producerId: h.producerId, firstOffset: first, lastOffset: last, lastStableOffset: lso }
  }

  /** Applies a batch given only its bytes. */
  visitBytes(batch: Buffer): AbortedTxn | undefined {
    return this.visit(readBatchHeader(batch, 0), batch)
  }
}

/** The control type of a control batch's (first) record, or undefined when it cannot be read. */
function markerType(batch: Buffer): number | undefined {
  try {
    const { cursor } = openBatch(batch, 0)
    if (!cursor.next()) return undefined
    return decodeControlKey(cursor.key()).type
  } catch {
    return undefined
  }
}
