// What the cleaner knows about transactions as it walks a log in offset order (Kafka's
// CleanedTransactionMetadata, restated). Fed with the log's aborted transactions (its .txnindex
// entries overlapping the range walked), it classifies each batch:
//
//   transactional data batch  "aborted" when its producer's transaction is in the aborted list
//                             (its first offset at or below the batch): the cleaner discards its
//                             records; otherwise "committed" (below the last stable offset every
//                             transaction is decided, and one not indexed as aborted committed)
//                             and compacted like any other batch.
//   ABORT marker              may be discarded when no batch of its transaction was seen in this
//                             walk (a previous pass removed them all); otherwise it stays, and its
//                             index entry stays only if some batch of the transaction is kept
//                             (Kafka keeps the entry one pass longer; with no records left it
//                             filters nothing).
//   COMMIT marker             may be discarded when no batch of its transaction was seen.
//   other control batches     stay.
//
// "May be discarded" starts the KIP-534 delete horizon (compact-batch.ts): the marker goes only
// once a later pass finds it discardable again after the horizon.

import type { BatchHeader } from '../../protocol/records/batch-header.ts'
import { isTransactional } from '../../protocol/records/batch-header.ts'
import { ControlType } from '../../protocol/records/control-record.ts'
import type { AbortedTxn } from '../log-store.ts'

interface OpenAborted {
  txn: AbortedTxn
  /** A batch of it was read in this walk. */
  seen: boolean
  /** A batch of it was kept (an empty batch retained for its producer's state). */
  kept: boolean
}

export type DataKind = 'plain' | 'committed' | 'aborted'

export interface MarkerVerdict {
  /** The marker may be removed (once its delete horizon has passed). */
  discardable: boolean
  /** The aborted transaction it ends, to keep in the index (undefined: none or not needed). */
  indexed?: AbortedTxn
}

export class TxnCleanState {
  /** Aborted transactions not yet reached, by first offset (ascending). */
  readonly #pending: AbortedTxn[]
  #next = 0
  readonly #aborted = new Map<bigint, OpenAborted>()
  readonly #committed = new Set<bigint>()

  constructor(aborted: readonly AbortedTxn[]) {
    this.#pending = [...aborted].sort((a, b) =>
      a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
    )
  }

  #reach(offset: bigint): void {
    while (this.#next < this.#pending.length && this.#pending[this.#next]!.firstOffset <= offset) {
      const txn = this.#pending[this.#next++]!
      if (!this.#aborted.has(txn.producerId))
        this.#aborted.set(txn.producerId, { txn, seen: false, kept: false })
    }
  }

  /** A data (non-control) batch was read. */
  onData(h: BatchHeader): DataKind {
    this.#reach(h.baseOffset + BigInt(h.lastOffsetDelta))
    if (h.producerId < 0n || !isTransactional(h.attributes)) return 'plain'
    const open = this.#aborted.get(h.producerId)
    if (open !== undefined) {
      open.seen = true
      return 'aborted'
    }
    this.#committed.add(h.producerId)
    return 'committed'
  }

  /** The aborted batch just classified is kept (empty) for its producer's state. */
  keptAborted(producerId: bigint): void {
    const open = this.#aborted.get(producerId)
    if (open !== undefined) open.kept = true
  }

  /** A control batch was read: `type` of its record ('empty': it has none; -1: unreadable). */
  onControl(h: BatchHeader, type: number | 'empty'): MarkerVerdict {
    this.#reach(h.baseOffset + BigInt(h.lastOffsetDelta))
    // An empty control batch was cleaned before (Kafka: safe to discard).
    if (type === 'empty') return { discardable: true }
    if (type === ControlType.Abort) {
      const open = this.#aborted.get(h.producerId)
      this.#aborted.delete(h.producerId)
      if (open === undefined || !open.seen) return { discardable: true }
      return open.kept ? { discardable: false, indexed: open.txn } : { discardable: false }
    }
    if (type === ControlType.Commit) return { discardable: !this.#committed.delete(h.producerId) }
    return { discardable: false }
  }
}
