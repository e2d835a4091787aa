// Producer-state snapshot files: `<20-digit offset>.snapshot` in the partition directory, Kafka's
// ProducerSnapshot message (storage/src/main/resources/message/ProducerSnapshot.json, version 1,
// not flexible), as ProducerStateManager writes it. All integers big-endian:
//
//   int16   version                 1
//   uint32  crc                     CRC-32C of every byte after this field (offset 6 to the end)
//   int32   entry count             then that many 46-byte entries:
//     int64   producerId
//     int16   epoch                 the producer's current epoch
//     int32   lastSequence          last sequence of its last batch (-1 when it wrote none)
//     int64   lastOffset            last offset of its last batch (-1 when it wrote none)
//     int32   offsetDelta           lastOffset - first offset of that batch
//     int64   timestamp             when it last wrote (ms)
//     int32   coordinatorEpoch      of the last COMMIT/ABORT marker (-1 when none)
//     int64   currentTxnFirstOffset first offset of its open transaction (-1 when none)
//
// The file named N holds the state of every producer as of the log below offset N (every batch
// below N applied, none at or above). Which snapshots exist, and when they are written or
// deleted, is decided by the disk log (partition-log.ts, loader.ts); what they contain, by the
// producer-state owner (src/broker/txn/producer-state.ts).

import { crc32c } from '../../protocol/records/crc32c.ts'
import type { ProducerSnapshotEntry } from '../log-store.ts'

export const PRODUCER_SNAPSHOT_VERSION = 1
const CRC_OFFSET = 2
const ENTRIES_OFFSET = 6
const HEADER_BYTES = ENTRIES_OFFSET + 4
export const PRODUCER_SNAPSHOT_ENTRY_BYTES = 46

/** A snapshot that cannot be trusted: wrong version, bad CRC, or the wrong length. */
export class CorruptSnapshotError extends Error {
  override name = 'CorruptSnapshotError'
}

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + entries.length * PRODUCER_SNAPSHOT_ENTRY_BYTES)
  buf.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, 0)
  buf.writeInt32BE(entries.length, ENTRIES_OFFSET)
  let at = HEADER_BYTES
  for (const e of entries) {
    buf.writeBigInt64BE(e.producerId, at)
    buf.writeInt16BE(e.producerEpoch, at + 8)
    buf.writeInt32BE(e.lastSequence, at + 10)
    buf.writeBigInt64BE(e.lastOffset, at + 14)
    buf.writeInt32BE(e.offsetDelta, at + 22)
    buf.writeBigInt64BE(e.timestamp, at + 26)
    buf.writeInt32BE(e.coordinatorEpoch, at + 34)
    buf.writeBigInt64BE(e.currentTxnFirstOffset, at + 38)
    at += PRODUCER_SNAPSHOT_ENTRY_BYTES
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ENTRIES_OFFSET)), CRC_OFFSET)
  return buf
}

/** Throws CorruptSnapshotError for anything but a whole, valid version-1 snapshot. */
export function decodeProducerSnapshot(buf: Buffer): ProducerSnapshotEntry[] {
  if (buf.length < HEADER_BYTES)
    throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is shorter than its header`)
  const version = buf.readInt16BE(0)
  if (version !== PRODUCER_SNAPSHOT_VERSION)
    throw new CorruptSnapshotError(`snapshot has unknown version ${version}`)
  const stored = buf.readUInt32BE(CRC_OFFSET)
  const computed = crc32c(buf.subarray(ENTRIES_OFFSET))
  if (stored !== computed)
    throw new CorruptSnapshotError(`snapshot CRC ${stored} does not match its contents (${computed})`)
  const count = buf.readInt32BE(ENTRIES_OFFSET)
  if (count < 0 || buf.length !== HEADER_BYTES + count * PRODUCER_SNAPSHOT_ENTRY_BYTES)
    throw new CorruptSnapshotError(`snapshot declares ${count} entries in ${buf.length} bytes`)
  const entries: ProducerSnapshotEntry[] = []
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += PRODUCER_SNAPSHOT_ENTRY_BYTES)
    entries.push({
      producerId: buf.readBigInt64BE(at),
      producerEpoch: buf.readInt16BE(at + 8),
      lastSequence: buf.readInt32BE(at + 10),
      lastOffset: buf.readBigInt64BE(at + 14),
      offsetDelta: buf.readInt32BE(at + 22),
      timestamp: buf.readBigInt64BE(at + 26),
      coordinatorEpoch: buf.readInt32BE(at + 34),
      currentTxnFirstOffset: buf.readBigInt64BE(at + 38),
    })
  return entries
}
