// The batches of one in-memory segment, stored column-wise: the batch Buffers in one array and
// their offsets, max timestamp and leader epoch in one BigInt64Array (4 lanes per batch). A
// segment of small batches (one produce request of 100 B is one batch) then holds one JS object
// per batch, the Buffer, instead of a record object with three BigInts: the old generation grows
// five times slower and every mark-compact has five times fewer objects to trace, which is what
// set the memory log's ack-latency tail (W4: major GCs of 5-10 ms every few hundred ms).
//
// Each batch also names the block its Buffer is a view of (block-pool.ts: log-owned, or an adopted
// receive buffer), undefined for batches the cleaner wrote.
//
// The column array is allocated on the first push and grows by doubling, so an empty segment (one
// per idle partition) costs no typed array.

import type { Block } from './block-pool.ts'

const LANES = 4 // baseOffset, lastOffset, maxTimestamp, leaderEpoch
const EMPTY = new BigInt64Array(0)
let lastEpoch = 0
let lastEpochBig = 0n

export class BatchTable {
  #bufs: Buffer[] = []
  #blocks: Array<Block | undefined> = []
  #cols: BigInt64Array = EMPTY

  get length(): number {
    return this.#bufs.length
  }

  push(
    buf: Buffer,
    block: Block | undefined,
    baseOffset: bigint,
    lastOffset: bigint,
    maxTimestamp: bigint,
    leaderEpoch: number,
  ): void {
    const i = this.#bufs.length
    if ((i + 1) * LANES > this.#cols.length) {
      const grown = new BigInt64Array(Math.max(16, this.#cols.length * 2))
      grown.set(this.#cols)
      this.#cols = grown
    }
    const at = i * LANES
    this.#cols[at] = baseOffset
    this.#cols[at + 1] = lastOffset
    this.#cols[at + 2] = maxTimestamp
    // The epoch is the same append after append: its BigInt is made once, not per batch.
    if (leaderEpoch !== lastEpoch) {
      lastEpoch = leaderEpoch
      lastEpochBig = BigInt(leaderEpoch)
    }
    this.#cols[at + 3] = lastEpochBig
    this.#bufs.push(buf)
    this.#blocks.push(block)
  }

  /** The batch's bytes for the log's own use (nothing may keep them past a synchronous step). */
  buf(i: number): Buffer {
    return this.#bufs[i]!
  }

  /** The batch's bytes for use outside the log: its block is never reused from then on. */
  lend(i: number): Buffer {
    this.#blocks[i]?.lend()
    return this.#bufs[i]!
  }

  block(i: number): Block | undefined {
    return this.#blocks[i]
  }

  /** Points batch `i` at a copy of its bytes in `block` (an adopted batch relocated). */
  move(i: number, buf: Buffer, block: Block): void {
    this.#bufs[i] = buf
    this.#blocks[i] = block
  }

  baseOffset(i: number): bigint {
    return this.#cols[i * LANES]!
  }

  lastOffset(i: number): bigint {
    return this.#cols[i * LANES + 1]!
  }

  maxTimestamp(i: number): bigint {
    return this.#cols[i * LANES + 2]!
  }

  leaderEpoch(i: number): number {
    return Number(this.#cols[i * LANES + 3]!)
  }

  /** Keeps the first `count` batches. */
  truncate(count: number): void {
    // Columns past the length are never read; push overwrites them.
    if (count < this.#bufs.length) {
      this.#bufs.length = count
      this.#blocks.length = count
    }
  }

  /** Index of the first batch whose lastOffset >= offset (length when none). */
  indexFor(offset: bigint): number {
    let lo = 0
    let hi = this.#bufs.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.lastOffset(mid) < offset) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
