// Receive buffers for request frames that do not fit a slab (frame-receiver.ts), and the free list
// that lets one carry frame after frame. A fresh 2 MiB buffer per produce request costs the kernel
// ~512 page faults (first touch) and V8 external-memory pressure until it is collected; at 1 GB/s
// that was most of the broker's sys time. A released buffer is already mapped.
//
// Ownership: FrameReceiver emits a frame held in a pooled buffer with a FrameLease. Whoever
// holds the lease and knows that no view of the frame survives (today only Produce, see
// src/broker/produce/produce.ts) calls release(); the buffer then goes to the free list, unless
// the list is full (it is dropped to the GC). A lease never released costs nothing: the buffer is
// collected as before. release() is idempotent, so a buffer enters the list at most once per use.
//
// Debug: with poisoning on (`SAMSA_POISON_RELEASED=1`, or `receiveBuffers.poison = true` in
// tests), every released buffer is filled with POISON_BYTE, so a view used after its release reads
// garbage that CRC checks and byte-for-byte tests catch.

/** Largest pooled receive buffer: every default client request (~1 MB) fits one. */
export const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024
/** Smallest pooled receive buffer (a frame that fits a 64 KiB slab gets none). */
export const MIN_RECEIVE_BUFFER_BYTES = 128 * 1024
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

/** The right to give a frame's receive buffer back, once nothing views the frame any more. */
export class FrameLease {
  #buf: Buffer | undefined
  readonly #pool: ReceiveBufferPool

  constructor(buf: Buffer, pool: ReceiveBufferPool) {
    this.#buf = buf
    this.#pool = pool
  }

  get released(): boolean {
    return this.#buf === undefined
  }

  /** The frame and every view of it are dead: its buffer may carry another frame. */
  release(): void {
    const buf = this.#buf
    if (buf === undefined) return
    this.#buf = undefined
    this.#pool.give(buf)
  }
}
