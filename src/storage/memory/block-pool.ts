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
// src/protocol/receive-buffers.ts) and is larger than PACK_MAX_BYTES is not copied: the log keeps
// the received bytes as a block of one append that holds a reference on the buffer's FrameLease,
// and releasing that reference is how the block is "freed" — the buffer goes back to the receive
// pool once the request and every adopting block let go of it. One frame may be adopted by many
// logs (a request carrying a batch for each of 16 partitions: 16 blocks, one buffer, 16
// references).
//
// Memory bound: a buffer is worth keeping while its live bytes fill at least half of it
// (ADOPT_MIN_SHARE: it then costs at most twice its bytes, like the pools' power-of-two sizes). A
// batch that fills half by itself needs no more bookkeeping (the common case: one partition's
// batch filling a frame). Smaller ones are bookkept per buffer as an AdoptedFrame: `live`, the
// bytes of those adopted blocks whose batches are still in a log (a half-filling batch sharing
// the buffer is not counted: its small neighbours may be moved out early, never too late). A
// frame whose live bytes fill less than half its buffer is "stranded" (a batch surviving the
// others: a topic with a longer retention, a partition that never gets more data) and its waste,
// capacity − live, counts against `maxStrandedBytes`. Two checks move surviving batches out (relocate: the owning log copies them
// into log-owned blocks and drops them from the adopted block, which lets its reference go), both
// run once the current task is done (setImmediate: Produce appends a request's partitions in one
// synchronous pass, and retention or a deleted topic often drops a frame's batches in one pass):
//   - a frame whose appends together fill less than half of its buffer is relocated at once (so
//     adopting costs a copy only when copying would have been needed anyway);
//   - while the stranded waste exceeds maxStrandedBytes, the frames stranded longest are relocated.
// So adopted buffers never hold more than twice their live bytes plus maxStrandedBytes (plus
// what one task strands before the check runs). Each byte is relocated at most once. A compacted
// log adopts only a batch filling half its buffer by itself: the cleaner may keep views of its
// batches beyond the log's bookkeeping (a log switched to compaction later may too: those views
// keep the buffer from the GC, outside this bound). Truncation drops its cut batches like
// retention.
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
// Compaction replacing a segment never frees its blocks: they are left to the GC (an adopted one
// never releases its reference unless relocation finds its batches gone: the buffer is
// collected). At most `maxFreeBytes` of free blocks are kept.
//
// Debug: with poisoning on (SAMSA_POISON_RELEASED=1 or SAMSA_DEBUG_POISON_READ_BUFFERS=1, or
// `poison = true`), a freed block is filled with POISON_BYTE (an adopted one's buffer is poisoned
// by the receive pool under SAMSA_POISON_RELEASED=1), so a response that still referred to it
// carries garbage that CRC checks and byte-for-byte tests catch.
//
// Block lifecycle: open (taken; appends go in) → closed (full, or a block of one append; an
// adopted block starts closed) → free (closed, live 0, reads 0, not lent: in the pool, or its
// lease released) → open again (pooled blocks only). A lent block never becomes free. Reads may
// be held and released in any state before free. An adopted frame: adopted (first block) →
// stranded (live below half) ↔ healthy → gone (no block with live batches; the last reference
// released once no read holds them); relocation sends any state but gone to gone.

import { POISON_BYTE, type FrameLease } from '../../protocol/receive-buffers.ts'

export const PACK_BLOCK_BYTES = 64 * 1024
export const PACK_MAX_BYTES = 16 * 1024
const MAX_BLOCK_BYTES = 16 * 1024 * 1024
export const MAX_FREE_BLOCK_BYTES = 32 * 1024 * 1024
/** An adopted buffer is worth keeping while its live bytes fill at least this share of it. */
export const ADOPT_MIN_SHARE = 0.5
/** Waste of stranded adopted buffers (live below ADOPT_MIN_SHARE) tolerated before relocating. */
export const MAX_STRANDED_BYTES = 32 * 1024 * 1024

/** The log an adopted block's batches are in: it can move them into log-owned memory. */
export interface BlockOwner {
  /**
   * Copies the batches of `block` still in the log into log-owned blocks and points the log at
   * the copies; the pool then drops them from `block`. Views of `block` already read stay valid.
   */
  relocate(block: Block): void
}

/** A receive buffer adopted by one or more blocks (one per adopting append). */
class AdoptedFrame {
  readonly lease: FrameLease
  readonly capacity: number
  /** Bytes of its adopted blocks that still have batches in a log. */
  live = 0
  /** Its adopted blocks that still have batches in a log. */
  readonly blocks = new Set<Block>()
  /** What it adds to the pool's stranded bytes (capacity − live while stranded, else 0). */
  waste = 0

  constructor(lease: FrameLease) {
    this.lease = lease
    this.capacity = lease.capacity
  }
}

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
  /** A block adopted with less than half its buffer: the buffer's bookkeeping. */
  readonly frame: AdoptedFrame | undefined
  /** A shared block's log, and the first offset of its append there (how the log finds it). */
  readonly owner: BlockOwner | undefined
  readonly firstOffset: bigint

  constructor(buf: Buffer, lease?: FrameLease, frame?: AdoptedFrame, owner?: BlockOwner, firstOffset = -1n) {
    this.buf = buf
    this.lease = lease
    this.holding = lease !== undefined
    this.frame = frame
    this.owner = owner
    this.firstOffset = firstOffset
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

/** What adopt() needs to know of the adopting log. */
export interface AdoptOptions {
  /** The log that will hold the block (relocate moves its batches out). */
  owner: BlockOwner
  /** First offset of the append in that log. */
  firstOffset: bigint
  /** Whether the buffer may be shared with other appends (false: compacted logs). */
  shared: boolean
}

export class BlockPool {
  readonly maxFreeBytes: number
  readonly maxStrandedBytes: number
  /** Fill blocks as they are freed with POISON_BYTE (debug, tests). */
  poison: boolean
  /** Free blocks by size class. */
  readonly #free = new Map<number, Buffer[]>()
  #freeBytes = 0
  /** Adopted receive buffers by lease, while any of their blocks has batches in a log. */
  readonly #frames = new WeakMap<FrameLease, AdoptedFrame>()
  /** Stranded frames, longest stranded first (a Set keeps insertion order). */
  readonly #stranded = new Set<AdoptedFrame>()
  #strandedBytes = 0
  /** Frames adopted from since the last check, to relocate when they fill less than half. */
  #fresh: AdoptedFrame[] = []
  #checkScheduled = false

  constructor(
    maxFreeBytes = MAX_FREE_BLOCK_BYTES,
    poison = poisonFromEnv(),
    maxStrandedBytes = MAX_STRANDED_BYTES,
  ) {
    this.maxFreeBytes = maxFreeBytes
    this.poison = poison
    this.maxStrandedBytes = maxStrandedBytes
  }

  /** Bytes held in free blocks. */
  get freeBytes(): number {
    return this.#freeBytes
  }

  /** Waste of stranded adopted buffers (tests, diagnostics). */
  get strandedBytes(): number {
    return this.#strandedBytes
  }

  /** Bytes of appends adopted rather than copied (tests, diagnostics). */
  adoptedBytes = 0
  /** Bytes of adopted appends moved out again (tests, diagnostics). */
  relocatedBytes = 0

  /**
   * A closed block of the append `records` (offsets patched), adopted from the receive buffer
   * `lease` holds when the rules at the top of the file allow it; undefined: copy it instead.
   */
  adopt(
    records: Buffer,
    batches: number,
    lease: FrameLease | undefined,
    options: AdoptOptions,
  ): Block | undefined {
    const n = records.length
    // A slab's frames are small, and its lease is shared by requests that hold it for a moment.
    if (lease === undefined || lease.slab || n <= PACK_MAX_BYTES || !lease.holds(records)) return undefined
    // A batch filling half the buffer by itself keeps it worth its memory whatever the others do:
    // no bookkeeping (the common case: one partition's batch filling a frame).
    let frame: AdoptedFrame | undefined
    if (n < lease.capacity * ADOPT_MIN_SHARE) {
      if (!options.shared) return undefined
      frame = this.#frames.get(lease)
      if (frame === undefined) {
        frame = new AdoptedFrame(lease)
        this.#frames.set(lease, frame)
        this.#fresh.push(frame)
        this.#scheduleCheck()
      }
    }
    lease.retain()
    const block = new Block(records, lease, frame, options.owner, options.firstOffset)
    block.open = false
    block.used = n
    block.live = batches
    if (frame !== undefined) {
      frame.live += n
      frame.blocks.add(block)
      this.#updateStranded(frame)
    }
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

  /** Retention (or truncation, or the log's close) dropped `batches` of `block`'s batches. */
  dropped(block: Block, batches = 1): void {
    block.live -= batches
    const frame = block.frame
    if (frame !== undefined && block.live <= 0 && frame.blocks.delete(block)) {
      frame.live -= block.buf.length
      this.#updateStranded(frame)
      // A later append of the same request (a deferred transactional one) starts a new record.
      if (frame.blocks.size === 0) this.#frames.delete(frame.lease)
    }
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

  /** Runs the deferred checks now (tests; otherwise they run once the current task is done). */
  check(): void {
    this.#checkScheduled = false
    const fresh = this.#fresh
    this.#fresh = []
    for (const frame of fresh)
      if (frame.live > 0 && frame.live < frame.capacity * ADOPT_MIN_SHARE) this.#relocate(frame)
    for (const frame of this.#stranded) {
      if (this.#strandedBytes <= this.maxStrandedBytes) break
      this.#relocate(frame)
    }
  }

  #scheduleCheck(): void {
    if (this.#checkScheduled) return
    this.#checkScheduled = true
    setImmediate(() => {
      if (this.#checkScheduled) this.check()
    })
  }

  #updateStranded(frame: AdoptedFrame): void {
    const waste =
      frame.live > 0 && frame.live < frame.capacity * ADOPT_MIN_SHARE ? frame.capacity - frame.live : 0
    this.#strandedBytes += waste - frame.waste
    frame.waste = waste
    if (waste === 0) this.#stranded.delete(frame)
    else {
      this.#stranded.add(frame)
      if (this.#strandedBytes > this.maxStrandedBytes) this.#scheduleCheck()
    }
  }

  /** Moves every batch still in a log out of `frame`'s buffer (a log that lost them moves none). */
  #relocate(frame: AdoptedFrame): void {
    for (const block of [...frame.blocks]) {
      this.relocatedBytes += block.buf.length
      block.owner?.relocate(block)
      if (block.live > 0) this.dropped(block, block.live)
    }
  }

  #maybeFree(block: Block): void {
    if (block.open || block.live > 0 || block.reads !== 0) return
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
