// Unit tests of each on-disk format: file names, offset/time/txn indexes, checkpoint files.

import { describe, expect, it } from 'vitest'
import {
  decodeLeaderEpochCheckpoint,
  decodeOffsetCheckpoint,
  encodeLeaderEpochCheckpoint,
  encodeOffsetCheckpoint,
  CheckpointCorruptError,
} from '../../src/storage/log/checkpoint-file.ts'
import {
  offsetPrefix,
  parsePartitionDirName,
  parseSegmentFileName,
  segmentFileName,
} from '../../src/storage/log/file-names.ts'
import { IndexCorruptError, OffsetIndex } from '../../src/storage/log/offset-index.ts'
import { TimeIndex } from '../../src/storage/log/time-index.ts'
import {
  decodeTxnIndex,
  decodeTxnIndexPrefix,
  encodeAbortedTxn,
  TxnIndexCorruptError,
} from '../../src/storage/log/txn-index.ts'

describe('file names', () => {
  it('pads base offsets to 20 digits and parses them back', () => {
    expect(segmentFileName(0n, '.log')).toBe('00000000000000000000.log')
    expect(segmentFileName(9223372036854775807n, '.index')).toBe('09223372036854775807.index')
    expect(parseSegmentFileName('00000000000000000042.timeindex')).toEqual({
      baseOffset: 42n,
      suffix: '.timeindex',
      transient: '',
    })
    expect(parseSegmentFileName('00000000000000000042.log.deleted')).toEqual({
      baseOffset: 42n,
      suffix: '.log',
      transient: '.deleted',
    })
    expect(parseSegmentFileName('00000000000000000042.log.swap')?.transient).toBe('.swap')
    expect(parseSegmentFileName('0000000000000000042.log')).toBeUndefined()
    expect(parseSegmentFileName('99999999999999999999.log')).toBeUndefined()
    expect(parseSegmentFileName('leader-epoch-checkpoint')).toBeUndefined()
    expect(() => offsetPrefix(-1n)).toThrow(RangeError)
  })

  it('parses partition directory names, topic names with dashes included', () => {
    expect(parsePartitionDirName('my-topic-12')).toEqual({ topic: 'my-topic', partition: 12 })
    expect(parsePartitionDirName('__consumer_offsets-0')).toEqual({
      topic: '__consumer_offsets',
      partition: 0,
    })
    expect(parsePartitionDirName('t-0.abc-delete')).toBeUndefined()
    expect(parsePartitionDirName('recovery-point-offset-checkpoint')).toBeUndefined()
    expect(parsePartitionDirName('t-99999999999')).toBeUndefined()
  })
})

describe('offset index (.index)', () => {
  it('stores 8-byte big-endian (relative offset, position) entries', () => {
    const idx = new OffsetIndex(100n, 1)
    idx.append(105n, 0)
    idx.append(120n, 4096)
    idx.append(130n, 9000)
    const bytes = idx.bytes()
    expect(bytes.length).toBe(24)
    expect(bytes.readInt32BE(8)).toBe(20)
    expect(bytes.readInt32BE(12)).toBe(4096)
    const back = OffsetIndex.fromBytes(100n, Buffer.from(bytes), 10000)
    expect(back.lookup(99n)).toEqual({ offset: 100n, position: 0 })
    expect(back.lookup(104n)).toEqual({ offset: 100n, position: 0 })
    expect(back.lookup(105n)).toEqual({ offset: 105n, position: 0 })
    expect(back.lookup(125n)).toEqual({ offset: 120n, position: 4096 })
    expect(back.lookup(1_000_000n)).toEqual({ offset: 130n, position: 9000 })
    expect(() => back.append(130n, 10000)).toThrow(RangeError)
    back.truncateTo(120n)
    expect(back.entries).toBe(1)
    expect(back.unpersisted()).toMatchObject({ position: 8, entries: 1 })
  })

  it('rejects structurally invalid files', () => {
    expect(() => OffsetIndex.fromBytes(0n, Buffer.alloc(7), 100)).toThrow(IndexCorruptError)
    const backwards = Buffer.alloc(16)
    backwards.writeInt32BE(5, 0)
    backwards.writeInt32BE(10, 4)
    backwards.writeInt32BE(4, 8)
    backwards.writeInt32BE(20, 12)
    expect(() => OffsetIndex.fromBytes(0n, backwards, 100)).toThrow(IndexCorruptError)
    const pastLog = Buffer.alloc(8)
    pastLog.writeInt32BE(5, 0)
    pastLog.writeInt32BE(500, 4)
    expect(() => OffsetIndex.fromBytes(0n, pastLog, 100)).toThrow(IndexCorruptError)
    // A preallocated, zero-filled tail (Kafka's on-disk shape after a crash) is not valid either.
    expect(() => OffsetIndex.fromBytes(0n, Buffer.alloc(32), 100)).toThrow(IndexCorruptError)
  })
})

describe('time index (.timeindex)', () => {
  it('stores 12-byte (timestamp, relative offset) entries and only appends newer timestamps', () => {
    const idx = new TimeIndex(50n, 1)
    expect(idx.lastEntry()).toEqual({ timestamp: -1n, offset: 50n })
    expect(idx.maybeAppend(1000n, 55n)).toBe(true)
    expect(idx.maybeAppend(1000n, 60n)).toBe(false)
    expect(idx.maybeAppend(2000n, 70n)).toBe(true)
    const bytes = idx.bytes()
    expect(bytes.length).toBe(24)
    expect(bytes.readBigInt64BE(12)).toBe(2000n)
    expect(bytes.readInt32BE(20)).toBe(20)
    const back = TimeIndex.fromBytes(50n, Buffer.from(bytes))
    expect(back.lookup(999n)).toEqual({ timestamp: -1n, offset: 50n })
    expect(back.lookup(1500n)).toEqual({ timestamp: 1000n, offset: 55n })
    expect(back.lookup(5000n)).toEqual({ timestamp: 2000n, offset: 70n })
    expect(() => back.maybeAppend(3000n, 60n)).toThrow(RangeError)
    expect(() => TimeIndex.fromBytes(0n, Buffer.alloc(13))).toThrow(IndexCorruptError)
  })
})

describe('transaction index (.txnindex)', () => {
  it('round-trips 34-byte entries and drops a torn tail', () => {
    const t = { producerId: 7n, firstOffset: 10n, lastOffset: 20n, lastStableOffset: 10n }
    const u = { producerId: 8n, firstOffset: 30n, lastOffset: 31n, lastStableOffset: 25n }
    const bytes = Buffer.concat([encodeAbortedTxn(t), encodeAbortedTxn(u)])
    expect(bytes.length).toBe(68)
    expect(bytes.readInt16BE(0)).toBe(0)
    expect(bytes.readBigInt64BE(18)).toBe(20n)
    expect(decodeTxnIndex(bytes)).toEqual([t, u])
    expect(decodeTxnIndex(bytes.subarray(0, 50))).toEqual([t])
    const bad = Buffer.from(bytes)
    bad.writeInt16BE(3, 34)
    expect(() => decodeTxnIndex(bad)).toThrow(TxnIndexCorruptError)
  })

  it('keeps the valid entries before a damaged one (a torn unsynced tail after a crash)', () => {
    const t = { producerId: 7n, firstOffset: 10n, lastOffset: 20n, lastStableOffset: 10n }
    const u = { producerId: 8n, firstOffset: 30n, lastOffset: 31n, lastStableOffset: 25n }
    const good = Buffer.concat([encodeAbortedTxn(t), encodeAbortedTxn(u)])
    const garbage = Buffer.concat([good, Buffer.from('0'.repeat(40))])
    expect(decodeTxnIndexPrefix(garbage)).toEqual({ entries: [t, u], validBytes: 68 })
    const backwards = Buffer.concat([encodeAbortedTxn(t), encodeAbortedTxn({ ...u, lastOffset: 29n })])
    expect(decodeTxnIndexPrefix(backwards)).toEqual({ entries: [t], validBytes: 34 })
    expect(() => decodeTxnIndex(backwards)).toThrow(TxnIndexCorruptError)
  })
})

describe('checkpoint files', () => {
  it('writes the leader-epoch checkpoint in Kafka text form', () => {
    const bytes = encodeLeaderEpochCheckpoint([
      { epoch: 0, startOffset: 0n },
      { epoch: 3, startOffset: 120n },
    ])
    expect(bytes.toString()).toBe('0\n2\n0 0\n3 120\n')
    expect(decodeLeaderEpochCheckpoint(bytes)).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: 3, startOffset: 120n },
    ])
  })

  it('writes offset checkpoints as topic partition offset lines', () => {
    const bytes = encodeOffsetCheckpoint([
      { topic: 'a', partition: 0, offset: 5n },
      { topic: 'b-c', partition: 3, offset: 0n },
    ])
    expect(bytes.toString()).toBe('0\n2\na 0 5\nb-c 3 0\n')
    expect(decodeOffsetCheckpoint(bytes)).toEqual([
      { topic: 'a', partition: 0, offset: 5n },
      { topic: 'b-c', partition: 3, offset: 0n },
    ])
    expect(decodeOffsetCheckpoint(Buffer.from('0\n0\n'))).toEqual([])
  })

  it('rejects damaged checkpoints', () => {
    for (const text of ['', '1\n0\n', '0\n2\na 0 5\n', '0\n1\na 0\n', '0\n1\na x 5\n', '0\n1\na 0 5x\n'])
      expect(() => decodeOffsetCheckpoint(Buffer.from(text)), text).toThrow(CheckpointCorruptError)
  })
})
