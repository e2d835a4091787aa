// Memory the in-memory log keeps appended batches in, handed back for reuse when retention drops
// them: log-owned blocks the log copies appends into, and request receive buffers it adopts. A
// copy into a reused block touches no fresh page: at 1 GB/s, fresh memory per request was ~80,000
// page faults per GB and hundreds of MB of external memory for V8 to collect, while the log itself
// kept a few MB.
//
// Blocks: an append of up to PACK_MAX_BYTES is packed with its neighbours into the log's current
// pack block (PACK_BLOCK_BYTES); a larger one gets a block of its own, the next power of two from
// PACK_BLOCK_BYTES to MAX_BLOCK_BYTES (above that, a buffer of its exact size that is never
// reused). A block is written only past `used`, so views of the batches already in it never change.
//
// Adoption: an append that arrived in a pooled receive buffer (a frame larger than a 64 KiB slab,
// src/protocol/receive-buffers.ts) is not copied when it is larger than PACK_MAX_BYTES and fills at
// least half of that buffer (ADOPT_MIN_SHARE): the log keeps the received bytes as a block of one
// append that holds a reference on the buffer's FrameLease, and releasing that reference is how
// the block is "freed" — the buffer goes back to the receive pool once the request and every
// adopting block let go of it. The half rule bounds memory: what an adopted batch keeps alive is
// at most twice its bytes (as for the pools' power-of-two sizes), so a small batch never pins a
// 2 MiB buffer in a long-retention topic; a frame shared by several partitions (none of them half
// of it) and anything smaller is copied as before.
//
// Safety: a block may be written again (or its receive buffer carry another frame) only when
// nothing can still read it. It is freed only when it is closed (no more appends go into it),
// retention or the log's close dropped every batch in it (`live` reaches 0), no read reference on
// it is outstanding (`reads` is 0) and none of its batches left the log for good (`lent`).
//   - A Fetch read holds a reference (hold/unhold): the read registers the release on the
//     request's ReadLease (log-store.ts ReadOptions.lease), which Fetch releases once the
//     response's last chunk was handed to the kernel, or the connection closed first
//     (RequestContext.afterResponseWritten), or before a long poll reads again. So a block a
//     response still refers to is never reused while that response is being written.
//   - Any other reader (a read without a lease, a timestamp lookup, the cleaner) lends the batch
//     for good: the block is never reused and an adopted block pins its lease (rare paths).
// Any other way a batch leaves the log (truncation, compaction, the log emptied by a truncation)
// never frees its block: it is left to the GC (an adopted one never releases its reference: the
// buffer is collected). At most `maxFreeBytes` of free blocks are kept.
//
// Debug: with poisoning on (SAMSA_POISON_RELEASED=1 or SAMSA_DEBUG_POISON_READ_BUFFERS=1, or
// `poison = true`), a freed block is filled with POISON_BYTE (an adopted one's buffer is poisoned
// by the receive pool under SAMSA_POISON_RELEASED=1), so a response that still referred to it
// carries garbage that CRC checks and byte-for-byte tests catch.
//
// Block lifecycle: open (taken; appends go in) → closed (full, or a block of one append; an
// adopted block starts closed) → free (closed, live 0, reads 0, not lent: in the pool, or its
// lease released) → open again (pooled blocks only). A lent block never becomes free. Reads may
// be held and released in any state before free.

import { POISON_BYTE, type FrameLease } from '../../protocol/receive-buffers.ts'

export const PACK_BLOCK_BYTES = 64 * 1024
export const PACK_MAX_BYTES = 16 * 1024
const MAX_BLOCK_BYTES = 16 * 1024 * 1024
export const MAX_FREE_BLOCK_BYTES = 32 * 1024 * 1024
/** An append is adopted only when it fills at least this share of its receive buffer. */
export const ADOPT_MIN_SHARE = 0.5

/** One block of log memory; the log's batches in it are views of `buf`. */
export class Block {
  readonly buf: Buffer
  /** Bytes written from the start. */
  used = 0
  /** Batches in this block still in the log. */
  live = 0
  /** A view of one of its batches left the log for good: never reuse it. */
  lent = false
  /** Read references outstanding (views in responses not yet written). */
  reads = 0
  /** Appends may still go in (the log's current pack block). */
  open = true
  /** The receive buffer's lease an adopted block holds a reference on (undefined: pooled block). */
  readonly lease: FrameLease | undefined
  /** An adopted block's reference on its lease is not released yet. */
  holding: boolean

  constructor(buf: Buffer, lease?: FrameLease) {
    this.buf = buf
    this.lease = lease
    this.holding = lease !== undefined
  }

  /** A view of one of its batches leaves the log for good. */
  lend(): void {
    this.lent = true
    this.lease?.pin()
  }
}

/** Poisoning asked for in the environment (read when a pool is made: tests set it late). */
function poisonFromEnv(): boolean {
  const env = process.env
  return env['SAMSA_POISON_RELEASED'] === '1' || env['SAMSA_DEBUG_POISON_READ_BUFFERS'] === '1'
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

  constructor(maxFreeBytes = MAX_FREE_BLOCK_BYTES, poison = poisonFromEnv()) {
    this.maxFreeBytes = maxFreeBytes
    this.poison = poison
  }

  /** Bytes held in free blocks. */
  get freeBytes(): number {
    return this.#freeBytes
  }

  /** Bytes of appends adopted rather than copied (tests, diagnostics). */
  adoptedBytes = 0

  /**
   * A closed block of the append `records` (offsets patched), adopted from the receive buffer
   * `frame` holds when the rule at the top of the file allows it; undefined: copy it instead.
   */
  adopt(records: Buffer, batches: number, frame: FrameLease | undefined): Block | undefined {
    const n = records.length
    if (
      frame === undefined ||
      n <= PACK_MAX_BYTES ||
      n < frame.capacity * ADOPT_MIN_SHARE ||
      !frame.holds(records)
    )
      return undefined
    frame.retain()
    const block = new Block(records, frame)
    block.open = false
    block.used = n
    block.live = batches
    this.adoptedBytes += n
    return block
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

  /** A reader takes a reference on `block` (one of its batches is in the log); unhold() it once. */
  hold(block: Block): void {
    block.reads++
  }

  /** A reader's views of `block` are dead. */
  unhold(block: Block): void {
    if (block.reads <= 0) throw new Error('BlockPool.unhold without a hold')
    block.reads--
    this.#maybeFree(block)
  }

  #maybeFree(block: Block): void {
    if (block.open || block.live !== 0 || block.reads !== 0) return
    const lease = block.lease
    if (lease !== undefined) {
      // A lent block pinned its lease: releasing then only drops the buffer to the GC.
      if (block.holding) lease.release()
      block.holding = false
      return
    }
    if (block.lent) return
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
