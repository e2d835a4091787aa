// Receive buffers for request frames that do not fit a slab, and for the slabs themselves
// (frame-receiver.ts), and the free list that lets one carry frame after frame. A fresh 2 MiB
// buffer per produce request costs the kernel ~512 page faults (first touch) and V8 external-memory
// pressure until it is collected; at 1 GB/s that was most of the broker's sys time. A released
// buffer is already mapped.
//
// Ownership: FrameReceiver emits a frame held in a pooled buffer with a FrameLease, a reference
// count on the buffer that starts at one: the request's own reference, which dispatch hands to
// Produce (src/broker/produce/produce.ts), the only handler that releases it, once every append
// settled. Anything else that keeps a view of the frame past that takes a reference of its own
// (retain) and releases it when it drops its last view: each memory log adopting a batch of the
// frame (src/storage/memory/block-pool.ts; a request with a batch for each of 16 partitions may
// leave 16 references, the buffer reused once the last partition dropped its batch). Whoever lets a view go where nothing will ever release it
// (a fetch response holding the log's batches, a log that keeps views untracked, a failed append)
// pins the lease. When the last reference is released the buffer goes to the free list, unless it
// is pinned or the list is full (it is dropped to the GC). A lease never released costs nothing:
// the buffer is collected as before. Each holder releases its reference exactly once; releasing
// a lease whose buffer is gone does nothing.
//
// A slab (64 KiB, several small frames) has one lease for all of them: the receiver holds one
// reference while it reads into the slab and each frame emitted from it one more, so the slab is
// reused once the receiver moved on and every frame's holder released; frames of requests other
// than Produce are never released, and their slab goes to the GC as before. A slab lease says so
// (`slab`): the memory log does not adopt batches from it (they are copied, as before).
//
// Lease states: held (refs ≥ 1) → released (refs 0: buffer given back, or dropped when pinned).
// pin() may happen in any state and is never undone.
//
// Debug: with poisoning on (`SAMSA_POISON_RELEASED=1`, or `receiveBuffers.poison = true` in
// tests), every released buffer is filled with POISON_BYTE, so a view used after its release reads
// garbage that CRC checks and byte-for-byte tests catch.

/** Largest pooled receive buffer: every default client request (~1 MB) fits one. */
export const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024
/** Smallest pooled receive buffer: a slab. A frame larger than a slab gets one of 128 KiB or more. */
export const MIN_RECEIVE_BUFFER_BYTES = 64 * 1024
/** Bytes of free buffers kept across all connections. */
export const MAX_FREE_RECEIVE_BYTES = 32 * 1024 * 1024
export const POISON_BYTE = 0xdb

/**
 * Free receive buffers by size: powers of two from `minBytes` up to `bufferBytes` (a frame gets
 * the smallest that holds it, so a frame held long, never released, wastes less than half its
 * buffer, no worse than the exact buffers before), at most `maxFreeBytes` of them in all.
 */
export class ReceiveBufferPool {
  readonly bufferBytes: number
  readonly minBytes: number
  readonly maxFreeBytes: number
  /** Fill released buffers with POISON_BYTE (debug, tests). */
  poison: boolean
  /** Buffers taken from the free list rather than allocated (tests, diagnostics). */
  reused = 0
  readonly #free = new Map<number, Buffer[]>()
  #freeBytes = 0

  constructor(
    bufferBytes = RECEIVE_BUFFER_BYTES,
    maxFreeBytes = MAX_FREE_RECEIVE_BYTES,
    poison = false,
    minBytes = MIN_RECEIVE_BUFFER_BYTES,
  ) {
    this.bufferBytes = bufferBytes
    this.minBytes = Math.min(minBytes, bufferBytes)
    this.maxFreeBytes = maxFreeBytes
    this.poison = poison
  }

  /** Bytes held in free buffers. */
  get freeBytes(): number {
    return this.#freeBytes
  }

  /** Size of the buffer for `n` bytes (bufferBytes when n is larger: the caller grows past it). */
  sizeFor(n: number): number {
    if (n >= this.bufferBytes) return this.bufferBytes
    return Math.min(this.bufferBytes, Math.max(this.minBytes, 2 ** Math.ceil(Math.log2(Math.max(n, 1)))))
  }

  /** A buffer of sizeFor(n) bytes: a released one when there is one, else a new one. */
  take(n = this.bufferBytes): Buffer {
    const size = this.sizeFor(n)
    const buf = this.#free.get(size)?.pop()
    if (buf === undefined) return Buffer.allocUnsafeSlow(size)
    this.#freeBytes -= size
    this.reused++
    return buf
  }

  /** Gives back a buffer from take() that nothing views any more (any other buffer is ignored). */
  give(buf: Buffer): void {
    const size = buf.length
    if (buf.byteOffset !== 0 || size !== buf.buffer.byteLength || this.sizeFor(size) !== size) return
    if (this.poison) buf.fill(POISON_BYTE)
    if (this.#freeBytes + size > this.maxFreeBytes) return
    let list = this.#free.get(size)
    if (list === undefined) this.#free.set(size, (list = []))
    list.push(buf)
    this.#freeBytes += size
  }
}

/** The process-wide pool all connections share. */
export const receiveBuffers = new ReceiveBufferPool(
  RECEIVE_BUFFER_BYTES,
  MAX_FREE_RECEIVE_BYTES,
  process.env['SAMSA_POISON_RELEASED'] === '1',
)

/** A reference count on a frame's receive buffer: the buffer is reused once no view of it survives. */
export class FrameLease {
  #buf: Buffer | undefined
  readonly #pool: ReceiveBufferPool
  #refs = 1
  #pinned = false
  /** The buffer is a slab: views of several frames share it. */
  readonly slab: boolean

  constructor(buf: Buffer, pool: ReceiveBufferPool, slab = false) {
    this.#buf = buf
    this.#pool = pool
    this.slab = slab
  }

  /** Every reference was released: the buffer is gone (given back, or left to the GC). */
  get released(): boolean {
    return this.#buf === undefined
  }

  /** References still held. */
  get refs(): number {
    return this.#buf === undefined ? 0 : this.#refs
  }

  /** A view escaped untracked: the buffer never goes back to the pool. */
  get pinned(): boolean {
    return this.#pinned
  }

  /** Bytes of the whole buffer (what a view of the frame keeps alive). */
  get capacity(): number {
    return this.#buf?.length ?? 0
  }

  /** Whether `view` lies in this lease's buffer, while it is still held. */
  holds(view: Buffer): boolean {
    return this.#buf !== undefined && view.buffer === this.#buf.buffer
  }

  /** One more holder of views of the buffer; it calls release() once when it drops them. */
  retain(): void {
    if (this.#buf === undefined) throw new Error('FrameLease.retain after the buffer was released')
    this.#refs++
  }

  /** A view of the buffer went where nothing releases it: never reuse the buffer. */
  pin(): void {
    this.#pinned = true
  }

  /** The caller's views of the buffer are dead; the last release lets it carry another frame. */
  release(): void {
    const buf = this.#buf
    if (buf === undefined || --this.#refs > 0) return
    this.#buf = undefined
    if (!this.#pinned) this.#pool.give(buf)
  }
}
