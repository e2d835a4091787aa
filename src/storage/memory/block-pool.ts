// Memory the in-memory log copies appended batches into, handed back for reuse when retention
// drops them. The log copies every append (it keeps no view of the caller's buffer, so Produce can
// give its receive buffer back, src/protocol/receive-buffers.ts), and a copy into a reused block
// touches no fresh page: at 1 GB/s, fresh memory per request was ~80,000 page faults per GB and
// hundreds of MB of external memory for V8 to collect, while the log itself kept a few MB.
//
// Blocks: an append of up to PACK_MAX_BYTES is packed with its neighbours into the log's current
// pack block (PACK_BLOCK_BYTES); a larger one gets a block of its own, the next power of two from
// PACK_BLOCK_BYTES to MAX_BLOCK_BYTES (above that, a buffer of its exact size that is never
// reused). A block is written only past `used`, so views of the batches already in it never change.
//
// Safety: a block may be written again only when nothing can still read it. It goes back to the
// pool only when it is closed (no more appends go into it), retention dropped every batch in it
// (`live` reaches 0) and none of them was ever handed out (`lent`: a read, a timestamp lookup or
// the cleaner saw it; a fetch response holds views until the socket wrote them). Any other way a
// batch leaves the log (truncation, compaction, a deleted topic or closed log) never gives its
// block back: it is left to the GC. At most `maxFreeBytes` of free blocks are kept.
//
// Block lifecycle: open (taken; appends go in) → closed (full, or a block of one append) →
// free (closed, live 0, not lent: in the pool) → open again. A lent block never becomes free.

import { POISON_BYTE } from '../../protocol/receive-buffers.ts'

export const PACK_BLOCK_BYTES = 64 * 1024
export const PACK_MAX_BYTES = 16 * 1024
const MAX_BLOCK_BYTES = 16 * 1024 * 1024
export const MAX_FREE_BLOCK_BYTES = 32 * 1024 * 1024

/** One block of log memory; the log's batches in it are views of `buf`. */
export class Block {
  readonly buf: Buffer
  /** Bytes written from the start. */
  used = 0
  /** Batches in this block still in the log. */
  live = 0
  /** A view of one of its batches left the log: never reuse it. */
  lent = false
  /** Appends may still go in (the log's current pack block). */
  open = true

  constructor(buf: Buffer) {
    this.buf = buf
  }
}

/** log2 of the block size for `n` bytes, or -1 when no pooled size fits. */
function sizeClass(n: number): number {
  if (n > MAX_BLOCK_BYTES) return -1
  return 32 - Math.clz32(Math.max(n, PACK_BLOCK_BYTES) - 1)
}

export class BlockPool {
  readonly maxFreeBytes: number
  /** Fill blocks as they are freed with POISON_BYTE (debug, tests). */
  poison: boolean
  /** Free blocks by size class. */
  readonly #free = new Map<number, Buffer[]>()
  #freeBytes = 0

  constructor(maxFreeBytes = MAX_FREE_BLOCK_BYTES, poison = process.env['SAMSA_POISON_RELEASED'] === '1') {
    this.maxFreeBytes = maxFreeBytes
    this.poison = poison
  }

  /** Bytes held in free blocks. */
  get freeBytes(): number {
    return this.#freeBytes
  }

  /** An open, empty block of at least `n` bytes (reused when one of its size is free). */
  take(n: number): Block {
    const cls = sizeClass(n)
    if (cls < 0) return new Block(Buffer.allocUnsafeSlow(n))
    const buf = this.#free.get(cls)?.pop()
    if (buf === undefined) return new Block(Buffer.allocUnsafeSlow(2 ** cls))
    this.#freeBytes -= buf.length
    return new Block(buf)
  }

  /** No more appends go into `block`. */
  close(block: Block): void {
    block.open = false
    this.#maybeFree(block)
  }

  /** Retention dropped `batches` of `block`'s batches from the log. */
  dropped(block: Block, batches = 1): void {
    block.live -= batches
    this.#maybeFree(block)
  }

  #maybeFree(block: Block): void {
    if (block.open || block.live !== 0 || block.lent) return
    // Whatever happens next, the block is dead to its log: never free it twice.
    block.lent = true
    const size = block.buf.length
    const cls = sizeClass(size)
    if (cls < 0 || 2 ** cls !== size) return
    if (this.poison) block.buf.fill(POISON_BYTE)
    if (this.#freeBytes + size > this.maxFreeBytes) return
    let list = this.#free.get(cls)
    if (list === undefined) this.#free.set(cls, (list = []))
    list.push(block.buf)
    this.#freeBytes += size
  }
}
