// The aborted-transaction index (`.txnindex`), Kafka's TransactionIndex format:
//
//   entries of 34 bytes, big-endian, no header:
//     version          int16   0
//     producerId       int64
//     firstOffset      int64   first offset of the aborted transaction
//     lastOffset       int64   offset of its ABORT marker
//     lastStableOffset int64   the LSO when the abort was written
//
// One file per segment, holding the transactions whose ABORT marker lies in that segment, in
// marker order. Not sparse: every aborted transaction is written when its marker is appended
// (PartitionLog.addAbortedTransaction, from the broker's marker writer). Durability: appended
// without fsync and fsynced by the flush that moves the recovery point past the segment (at once
// when the segment is no longer the active one); recovery derives the entries of every segment
// from the one holding the recovery point again from the log (loader.ts, aborted-txn-scan.ts),
// so an entry never outlives its marker and none is lost with an unsynced tail.

import type { AbortedTxn } from '../log-store.ts'

export const TXN_ENTRY_SIZE = 34
const VERSION = 0

export class TxnIndexCorruptError extends Error {
  override name = 'TxnIndexCorruptError'
}

export function encodeAbortedTxn(txn: AbortedTxn): Buffer {
  const b = Buffer.alloc(TXN_ENTRY_SIZE)
  b.writeInt16BE(VERSION, 0)
  b.writeBigInt64BE(txn.producerId, 2)
  b.writeBigInt64BE(txn.firstOffset, 10)
  b.writeBigInt64BE(txn.lastOffset, 18)
  b.writeBigInt64BE(txn.lastStableOffset, 26)
  return b
}

/** Decodes a whole file; a torn tail (partial last entry) is dropped, other damage throws. */
export function decodeTxnIndex(bytes: Buffer): AbortedTxn[] {
  const { entries, validBytes } = decodeTxnIndexPrefix(bytes)
  if (validBytes + TXN_ENTRY_SIZE <= bytes.length)
    throw new TxnIndexCorruptError(
      `txn index entry at ${validBytes} has version ${bytes.readInt16BE(validBytes)} or bad offsets`,
    )
  return entries
}

/**
 * The valid entries before the first damaged one, and the bytes they take. The index is written
 * without fsync, so after a crash its unsynced tail may be torn or garbage (the loader then
 * rebuilds the segment's entries from the log).
 */
export function decodeTxnIndexPrefix(bytes: Buffer): { entries: AbortedTxn[]; validBytes: number } {
  const entries: AbortedTxn[] = []
  let pos = 0
  for (; pos + TXN_ENTRY_SIZE <= bytes.length; pos += TXN_ENTRY_SIZE) {
    const txn = {
      producerId: bytes.readBigInt64BE(pos + 2),
      firstOffset: bytes.readBigInt64BE(pos + 10),
      lastOffset: bytes.readBigInt64BE(pos + 18),
      lastStableOffset: bytes.readBigInt64BE(pos + 26),
    }
    if (bytes.readInt16BE(pos) !== VERSION || txn.firstOffset < 0n || txn.lastOffset < txn.firstOffset) break
    entries.push(txn)
  }
  return { entries, validBytes: pos }
}
