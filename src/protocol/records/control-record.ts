// Control records (batch attribute bit 5): transaction markers and KRaft metadata markers.
//
//   key    version int16 (0; readers accept higher and parse as v0), type int16:
//          0 ABORT, 1 COMMIT, 2 LEADER_CHANGE, 3 SNAPSHOT_HEADER, 4 SNAPSHOT_FOOTER,
//          5 KRAFT_VERSION, 6 KRAFT_VOTERS; other types are unknown and to be ignored
//   value  for ABORT/COMMIT (EndTransactionMarker): version int16 (0), coordinatorEpoch int32
//
// A transaction marker batch: magic 2, uncompressed, CreateTime, transactional + control set,
// the transaction's producer id/epoch, baseSequence -1, exactly one record.

import { ProtocolError } from '../errors-protocol.ts'
import { buildRecordBatch } from './batch-builder.ts'

export const ControlType = {
  Abort: 0,
  Commit: 1,
  LeaderChange: 2,
  SnapshotHeader: 3,
  SnapshotFooter: 4,
  KRaftVersion: 5,
  KRaftVoters: 6,
} as const
export type ControlType = (typeof ControlType)[keyof typeof ControlType]

export const CONTROL_KEY_SIZE = 4
export const END_TXN_MARKER_SIZE = 6

export function encodeControlKey(type: number, version = 0): Buffer {
  const b = Buffer.allocUnsafe(CONTROL_KEY_SIZE)
  b.writeInt16BE(version, 0)
  b.writeInt16BE(type, 2)
  return b
}

/** Reads a control record key; the type may be one this code does not know (callers ignore it). */
export function decodeControlKey(key: Buffer | null): { version: number; type: number } {
  if (key === null || key.length < CONTROL_KEY_SIZE) throw new ProtocolError('control record key too short')
  const version = key.readInt16BE(0)
  if (version < 0) throw new ProtocolError(`bad control record key version ${version}`)
  return { version, type: key.readInt16BE(2) }
}

export function encodeEndTxnMarker(coordinatorEpoch: number, version = 0): Buffer {
  const b = Buffer.allocUnsafe(END_TXN_MARKER_SIZE)
  b.writeInt16BE(version, 0)
  b.writeInt32BE(coordinatorEpoch, 2)
  return b
}

export function decodeEndTxnMarker(value: Buffer | null): { version: number; coordinatorEpoch: number } {
  if (value === null || value.length < END_TXN_MARKER_SIZE)
    throw new ProtocolError('transaction marker value too short')
  const version = value.readInt16BE(0)
  if (version < 0) throw new ProtocolError(`bad transaction marker version ${version}`)
  return { version, coordinatorEpoch: value.readInt32BE(2) }
}

export interface TxnMarkerInput {
  commit: boolean
  producerId: bigint
  producerEpoch: number
  coordinatorEpoch: number
  /** Marker timestamp (ms). */
  timestamp: bigint
  baseOffset?: bigint
  partitionLeaderEpoch?: number
}

/** A COMMIT or ABORT marker batch, as the transaction coordinator writes to each partition. */
export function buildTxnMarkerBatch(m: TxnMarkerInput): Buffer {
  return buildRecordBatch({
    baseOffset: m.baseOffset ?? 0n,
    partitionLeaderEpoch: m.partitionLeaderEpoch ?? -1,
    transactional: true,
    control: true,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    baseSequence: -1,
    records: [
      {
        key: encodeControlKey(m.commit ? ControlType.Commit : ControlType.Abort),
        value: encodeEndTxnMarker(m.coordinatorEpoch),
        timestamp: m.timestamp,
      },
    ],
  })
}
