// The sparse offset index (`.index`), Kafka's OffsetIndex format:
//
//   entries of 8 bytes, big-endian, no header, no checksum:
//     relativeOffset int32   offset - segment base offset
//     position       int32   byte position in the .log file of a batch at or before that offset
//
// Entries are strictly increasing in both fields; one is added every index.interval.bytes of
// log, mapping an append's last offset to the append's first byte. A lookup finds the largest
// entry <= the target and the reader scans batch headers forward from its position. Having no
// checksum, the index is validated structurally on load and rebuilt from the log on recovery.
// The active segment's index lives in memory (Node has no mmap) and is written out on flush,
// roll and close; its file is exactly entries * 8 bytes.

export const OFFSET_ENTRY_SIZE = 8

export class IndexCorruptError extends Error {
  override name = 'IndexCorruptError'
}

export class OffsetIndex {
  readonly baseOffset: bigint
  #buf: Buffer
  #entries = 0
  /** Entries already written to the file. */
  #persisted = 0

  constructor(baseOffset: bigint, initialCapacity = 64) {
    this.baseOffset = baseOffset
    this.#buf = Buffer.alloc(initialCapacity * OFFSET_ENTRY_SIZE)
  }

  /** Loads a file's bytes, checking the structure against a log of `logSize` bytes. */
  static fromBytes(baseOffset: bigint, bytes: Buffer, logSize: number): OffsetIndex {
    if (bytes.length % OFFSET_ENTRY_SIZE !== 0)
      throw new IndexCorruptError(
        `offset index size ${bytes.length} is not a multiple of ${OFFSET_ENTRY_SIZE}`,
      )
    const idx = new OffsetIndex(baseOffset, Math.max(64, bytes.length / OFFSET_ENTRY_SIZE))
    bytes.copy(idx.#buf)
    idx.#entries = bytes.length / OFFSET_ENTRY_SIZE
    idx.#persisted = idx.#entries
    let lastRel = -1
    let lastPos = -1
    for (let i = 0; i < idx.#entries; i++) {
      const rel = idx.#buf.readInt32BE(i * OFFSET_ENTRY_SIZE)
      const pos = idx.#buf.readInt32BE(i * OFFSET_ENTRY_SIZE + 4)
      if (rel <= lastRel || pos <= lastPos || pos >= logSize || (i === 0 && rel < 0))
        throw new IndexCorruptError(
          `offset index entry ${i} (${rel}, ${pos}) is out of order or past the log`,
        )
      lastRel = rel
      lastPos = pos
    }
    return idx
  }

  get entries(): number {
    return this.#entries
  }

  append(offset: bigint, position: number): void {
    const rel = Number(offset - this.baseOffset)
    const last = this.lastEntry()
    if (this.#entries > 0 && (offset <= last.offset || position <= last.position))
      throw new RangeError(
        `offset index append (${offset}, ${position}) after (${last.offset}, ${last.position})`,
      )
    if ((this.#entries + 1) * OFFSET_ENTRY_SIZE > this.#buf.length) {
      const grown = Buffer.alloc(this.#buf.length * 2)
      this.#buf.copy(grown)
      this.#buf = grown
    }
    this.#buf.writeInt32BE(rel, this.#entries * OFFSET_ENTRY_SIZE)
    this.#buf.writeInt32BE(position, this.#entries * OFFSET_ENTRY_SIZE + 4)
    this.#entries++
  }

  lastEntry(): { offset: bigint; position: number } {
    if (this.#entries === 0) return { offset: this.baseOffset, position: 0 }
    return this.#entry(this.#entries - 1)
  }

  #entry(i: number): { offset: bigint; position: number } {
    return {
      offset: this.baseOffset + BigInt(this.#buf.readInt32BE(i * OFFSET_ENTRY_SIZE)),
      position: this.#buf.readInt32BE(i * OFFSET_ENTRY_SIZE + 4),
    }
  }

  /** The largest entry with offset <= target, or (baseOffset, 0). 32-bit compares only. */
  lookup(target: bigint): { offset: bigint; position: number } {
    const relBig = target - this.baseOffset
    if (relBig < 0n || this.#entries === 0) return { offset: this.baseOffset, position: 0 }
    const rel = relBig > 0x7fffffffn ? 0x7fffffff : Number(relBig)
    let lo = 0
    let hi = this.#entries - 1
    if (this.#buf.readInt32BE(0) > rel) return { offset: this.baseOffset, position: 0 }
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.#buf.readInt32BE(mid * OFFSET_ENTRY_SIZE) <= rel) lo = mid
      else hi = mid - 1
    }
    return this.#entry(lo)
  }

  /** Removes entries with offset >= `offset` (log truncation). */
  truncateTo(offset: bigint): void {
    while (this.#entries > 0 && this.#entry(this.#entries - 1).offset >= offset) this.#entries--
    this.#persisted = Math.min(this.#persisted, this.#entries)
  }

  /** All entries as file bytes. */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#entries * OFFSET_ENTRY_SIZE)
  }

  /** Entries not yet written: the file position and bytes to write there. */
  unpersisted(): { position: number; data: Buffer; entries: number } {
    return {
      position: this.#persisted * OFFSET_ENTRY_SIZE,
      data: this.#buf.subarray(this.#persisted * OFFSET_ENTRY_SIZE, this.#entries * OFFSET_ENTRY_SIZE),
      entries: this.#entries,
    }
  }

  markPersisted(entries: number): void {
    this.#persisted = Math.max(this.#persisted, Math.min(entries, this.#entries))
  }

  /** File length the index should have once written. */
  fileSize(): number {
    return this.#entries * OFFSET_ENTRY_SIZE
  }
}
