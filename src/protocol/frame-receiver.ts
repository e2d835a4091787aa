// FrameReceiver: splits a TCP byte stream into Kafka frames, with the socket reading straight into
// the memory the frames are emitted in (net.Socket's `onread` with a buffer function), so no frame
// byte is copied after the kernel wrote it. FrameDecoder (framing.ts) does the same splitting for
// streams that arrive as chunks ('data' events); the wire format and limits are the same.
//
// Memory: reads land in a slab: 64 KiB, except a connection's first, which is 2 KiB (from Node's
// shared pool, so an idle connection that sent one small request holds no page of its own) until a
// read fills it. A frame wholly inside the slab is emitted as a view of it. A 64 KiB slab comes
// from the receive-buffer pool with one FrameLease for all its frames (receive-buffers.ts): the
// receiver's reference until it replaces the slab, and one per frame emitted, so a slab whose
// frames were all released (Produce does) carries more frames instead of becoming garbage — at 20
// MB/s of ~20 KB produce requests, fresh slabs and straddling frames' buffers were ~23 MB/s of
// external memory that made V8 run a full GC several times a second. A frame that fits a slab but
// not the rest of this one moves, with the bytes already read, to a new slab (a 2 KiB first slab
// instead gives it a buffer of exactly its size, no lease). A frame larger than a slab gets a
// buffer of its own, into which the bytes already read are copied once (less than a slab) and every
// later read lands directly, never past the frame's end: a pooled receive buffer
// (receive-buffers.ts: the power of two from 128 KiB to 2 MiB that holds it), so that every default
// client request (librdkafka and Java cap a request near 1 MB) is then one buffer and no copy, and
// the buffer comes from a shared free list when a handler gave one back. Such a frame is emitted
// with a FrameLease: releasing it (only when no view of the frame survives) returns the buffer to
// that list; never releasing it leaves it to the GC. Above 2 MiB, the buffer grows ×4 as bytes
// actually arrive (capped at the frame's size; the pooled buffer it outgrew goes back to the list),
// so a peer that announces a large frame and sends little cannot make us allocate the announced
// size. A slab is never written again where a frame was emitted from it (handlers may keep frames
// across awaits; the slab is reused only once its lease is released): a nearly full slab is
// replaced by a new one, the partial frame at its end moved over.
//
// Limits: a size above `maxFrameBytes` or below zero is refused before anything is allocated, with
// FrameSizeError; the receiver is then dead and the connection must close (as FrameDecoder).
//
// States: slab (no frame being assembled in a buffer of its own; possibly a partial frame at the
// slab's end) → body (a frame's own buffer is being filled) → slab when that frame is emitted; any
// state → failed on FrameSizeError.

import { DEFAULT_MAX_FRAME_BYTES, FrameSizeError, type FrameDecoderOptions } from './framing.ts'
import { FrameLease, receiveBuffers, type ReceiveBufferPool } from './receive-buffers.ts'

export interface FrameReceiverOptions extends FrameDecoderOptions {
  /** Where pooled receive buffers come from and go back to (default: the shared pool). */
  buffers?: ReceiveBufferPool
}

/** Called for each frame; `lease` is set when the frame sits in a pooled receive buffer. */
export type OnFrame = (frame: Buffer, lease: FrameLease | undefined) => void

const SLAB_BYTES = 64 * 1024
const FIRST_SLAB_BYTES = 2 * 1024
/** A slab with less room than this left (a quarter of a small one) is replaced before the next read. */
const MIN_READ_BYTES = 16 * 1024
const GROWTH = 4

export class FrameReceiver {
  readonly maxFrameBytes: number
  private readonly buffers: ReceiveBufferPool

  private slab: Buffer
  /** The slab's lease (the receiver's own reference), when it is a pooled one. */
  private slabLease: FrameLease | undefined
  /** Whether slabs come from `buffers` (its smallest class is a slab). */
  private readonly pooledSlabs: boolean
  /** Size of the next slab: FIRST_SLAB_BYTES until a read fills the room it was offered. */
  private slabBytes = FIRST_SLAB_BYTES
  private offered = 0
  /** slab[start, end) holds bytes read but not yet emitted (a partial frame). */
  private start = 0
  private end = 0
  /** The buffer of a frame being assembled on its own, or undefined in state slab. */
  private body: Buffer | undefined
  private bodyLen = 0
  private bodySize = -1
  /** `body` is a pooled buffer of `buffers` (it may be longer than the frame). */
  private bodyPooled = false
  private failed: FrameSizeError | undefined

  constructor(options: FrameReceiverOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    if (!Number.isInteger(max) || max < 0 || max > 0x7fffffff)
      throw new RangeError(`maxFrameBytes must be an integer in [0, 2^31-1], got ${max}`)
    this.maxFrameBytes = max
    this.buffers = options.buffers ?? receiveBuffers
    this.pooledSlabs = this.buffers.sizeFor(SLAB_BYTES) === SLAB_BYTES
    this.slab = Buffer.allocUnsafe(FIRST_SLAB_BYTES)
  }

  /** Bytes received but not yet emitted (for per-connection memory accounting). */
  get bufferedBytes(): number {
    return this.body !== undefined ? this.bodyLen : this.end - this.start
  }

  /** Size of the frame currently being received, or -1 when none is (for admission control). */
  get pendingFrameSize(): number {
    if (this.body !== undefined) return this.bodySize
    return this.end - this.start >= 4 ? this.slab.readInt32BE(this.start) : -1
  }

  /** Where the next socket read must land; it must be followed by `received` before another call. */
  readBuffer(): Buffer {
    if (this.body !== undefined) return this.body.subarray(this.bodyLen, this.bodySize)
    if (this.slab.length - this.end < Math.min(MIN_READ_BYTES, this.slab.length >>> 2)) this.replaceSlab()
    this.offered = this.slab.length - this.end
    return this.slab.subarray(this.end)
  }

  /** Whether the next slab comes from the pool: a 64 KiB one, from a pool with that class. */
  private get nextSlabPooled(): boolean {
    return this.pooledSlabs && this.slabBytes === SLAB_BYTES
  }

  /** A new slab of `slabBytes` with the partial frame slab[start, end) moved to its start. */
  private replaceSlab(): void {
    const pooled = this.nextSlabPooled
    const next = pooled ? this.buffers.take(SLAB_BYTES) : Buffer.allocUnsafe(this.slabBytes)
    this.slab.copy(next, 0, this.start, this.end)
    this.end -= this.start
    this.start = 0
    this.slab = next
    this.slabLease?.release()
    this.slabLease = pooled ? new FrameLease(next, this.buffers, true) : undefined
  }

  /**
   * `n` bytes were read into the last `readBuffer()`; calls `onFrame` for each frame completed, in
   * order. Throws FrameSizeError (after emitting the frames before the bad one) on a refused size.
   */
  received(n: number, onFrame: OnFrame): void {
    if (this.failed !== undefined) throw this.failed
    const body = this.body
    if (body !== undefined) {
      this.bodyLen += n
      if (this.bodyLen === this.bodySize) {
        const size = this.bodySize
        const pooled = this.bodyPooled
        this.dropBody()
        if (pooled) onFrame(body.subarray(0, size), new FrameLease(body, this.buffers))
        else onFrame(body, undefined)
      } else if (this.bodyLen === body.length) {
        const grown = Buffer.allocUnsafe(Math.min(body.length * GROWTH, this.bodySize))
        body.copy(grown, 0, 0, this.bodyLen)
        // No view of the outgrown buffer was ever handed out.
        if (this.bodyPooled) this.buffers.give(body)
        this.body = grown
        this.bodyPooled = false
      }
      return
    }
    this.end += n
    if (n === this.offered) this.slabBytes = SLAB_BYTES
    const slab = this.slab
    while (this.end - this.start >= 4) {
      const size = this.checkSize(slab.readInt32BE(this.start))
      const from = this.start + 4
      if (this.end - from >= size) {
        this.start = from + size
        const lease = this.slabLease
        lease?.retain()
        onFrame(slab.subarray(from, from + size), lease)
        continue
      }
      // The frame continues in later reads: into the slab if it fits there, else into a new slab
      // when it fits one, else into a buffer of its own.
      if (from + size > slab.length) {
        if (this.nextSlabPooled && size + 4 <= SLAB_BYTES) this.replaceSlab()
        else this.startBody(size, from)
      }
      return
    }
  }

  /** Moves the partial frame slab[from, end) into a buffer of its own; later reads fill it. */
  private startBody(size: number, from: number): void {
    const have = this.end - from
    // A frame that fits a slab (it only straddles this one's end) is not worth a pooled one.
    const pooled = size > SLAB_BYTES
    const body = pooled ? this.buffers.take(size) : Buffer.allocUnsafe(size)
    this.slab.copy(body, 0, from, this.end)
    this.body = body
    this.bodyPooled = pooled
    this.bodyLen = have
    this.bodySize = size
    this.start = this.end
  }

  private dropBody(): void {
    this.body = undefined
    this.bodyLen = 0
    this.bodySize = -1
    this.bodyPooled = false
  }

  private checkSize(size: number): number {
    if (size < 0 || size > this.maxFrameBytes) {
      this.failed = new FrameSizeError(size, this.maxFrameBytes)
      this.start = this.end
      this.dropBody()
      throw this.failed
    }
    return size
  }
}
