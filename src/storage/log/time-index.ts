// The sparse time index (`.timeindex`), Kafka's TimeIndex format:
//
//   entries of 12 bytes, big-endian, no header, no checksum:
//     timestamp      int64   the segment's max timestamp so far when the entry was written
//     relativeOffset int32   offset (minus the segment base) of the batch carrying it
//
// Timestamps and offsets never decrease; an entry is added only when the max timestamp grew.
// On roll and close a final entry records the segment's max timestamp, so the last entry of an
// inactive segment is its largest timestamp (what retention.ms compares). A lookup finds the
// largest entry with timestamp <= target; the reader then scans from that offset's position.
// Validated structurally on load, rebuilt from the log on recovery (no checksum).

import { IndexCorruptError } from './offset-index.ts'

export const TIME_ENTRY_SIZE = 12

export class TimeIndex {
  readonly baseOffset: bigint
  #buf: Buffer
  #entries = 0
  #persisted = 0

  constructor(baseOffset: bigint, initialCapacity = 64) {
    this.baseOffset = baseOffset
    this.#buf = Buffer.alloc(initialCapacity * TIME_ENTRY_SIZE)
  }

  static fromBytes(baseOffset: bigint, bytes: Buffer): TimeIndex {
    if (bytes.length % TIME_ENTRY_SIZE !== 0)
      throw new IndexCorruptError(`time index size ${bytes.length} is not a multiple of ${TIME_ENTRY_SIZE}`)
    const idx = new TimeIndex(baseOffset, Math.max(64, bytes.length / TIME_ENTRY_SIZE))
    bytes.copy(idx.#buf)
    idx.#entries = bytes.length / TIME_ENTRY_SIZE
    idx.#persisted = idx.#entries
    let lastTs = -1n
    let lastRel = -1
    for (let i = 0; i < idx.#entries; i++) {
      const ts = idx.#buf.readBigInt64BE(i * TIME_ENTRY_SIZE)
      const rel = idx.#buf.readInt32BE(i * TIME_ENTRY_SIZE + 8)
      if (ts < lastTs || rel < lastRel || rel < 0)
        throw new IndexCorruptError(`time index entry ${i} (${ts}, ${rel}) is out of order`)
      lastTs = ts
      lastRel = rel
    }
    return idx
  }

  get entries(): number {
    return this.#entries
  }

  /** The last entry, or (-1, baseOffset) when empty (Kafka's convention). */
  lastEntry(): { timestamp: bigint; offset: bigint } {
    if (this.#entries === 0) return { timestamp: -1n, offset: this.baseOffset }
    return this.#entry(this.#entries - 1)
  }

  #entry(i: number): { timestamp: bigint; offset: bigint } {
    return {
      timestamp: this.#buf.readBigInt64BE(i * TIME_ENTRY_SIZE),
      offset: this.baseOffset + BigInt(this.#buf.readInt32BE(i * TIME_ENTRY_SIZE + 8)),
    }
  }

  /** Appends when `timestamp` is newer than the last entry (Kafka's maybeAppend). */
  maybeAppend(timestamp: bigint, offset: bigint): boolean {
    const last = this.lastEntry()
    if (this.#entries > 0 && offset < last.offset)
      throw new RangeError(`time index append offset ${offset} before ${last.offset}`)
    if (timestamp <= last.timestamp) return false
    if ((this.#entries + 1) * TIME_ENTRY_SIZE > this.#buf.length) {
      const grown = Buffer.alloc(this.#buf.length * 2)
      this.#buf.copy(grown)
      this.#buf = grown
    }
    this.#buf.writeBigInt64BE(timestamp, this.#entries * TIME_ENTRY_SIZE)
    this.#buf.writeInt32BE(Number(offset - this.baseOffset), this.#entries * TIME_ENTRY_SIZE + 8)
    this.#entries++
    return true
  }

  /** The largest entry with timestamp <= target, or (-1, baseOffset). */
  lookup(target: bigint): { timestamp: bigint; offset: bigint } {
    let lo = 0
    let hi = this.#entries - 1
    if (this.#entries === 0 || this.#buf.readBigInt64BE(0) > target)
      return { timestamp: -1n, offset: this.baseOffset }
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.#buf.readBigInt64BE(mid * TIME_ENTRY_SIZE) <= target) lo = mid
      else hi = mid - 1
    }
    return this.#entry(lo)
  }

  /** Removes entries with offset >= `offset`. */
  truncateTo(offset: bigint): void {
    while (this.#entries > 0 && this.#entry(this.#entries - 1).offset >= offset) this.#entries--
    this.#persisted = Math.min(this.#persisted, this.#entries)
  }

  bytes(): Buffer {
    return this.#buf.subarray(0, this.#entries * TIME_ENTRY_SIZE)
  }

  unpersisted(): { position: number; data: Buffer; entries: number } {
    return {
      position: this.#persisted * TIME_ENTRY_SIZE,
      data: this.#buf.subarray(this.#persisted * TIME_ENTRY_SIZE, this.#entries * TIME_ENTRY_SIZE),
      entries: this.#entries,
    }
  }

  markPersisted(entries: number): void {
    this.#persisted = Math.max(this.#persisted, Math.min(entries, this.#entries))
  }

  fileSize(): number {
    return this.#entries * TIME_ENTRY_SIZE
  }
}
