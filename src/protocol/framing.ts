// FrameDecoder: splits a TCP byte stream into Kafka frames.
//
// Wire format: every request and response is `int32 size` (big-endian, bytes that follow) then
// `size` bytes of header + body. A frame emitted here is those `size` bytes, without the prefix.
//
// Copying: a frame that lies wholly inside one socket chunk is emitted as a view of that chunk
// (no copy). Only a frame split across chunks is assembled in a buffer of our own, which grows as
// its bytes actually arrive (at least 256 KiB, then ×4, capped at the frame's size) so a peer that
// announces a large frame and sends little cannot make us allocate the announced size; growing by
// four rather than two keeps a 1 MiB request to two allocations and ~1.25 copies of each byte
// (the produce profile had a third of broker CPU in this assembly); once complete it is emitted
// and forgotten, and the rest of the chunk is again parsed in place. Emitted frames are therefore
// never overwritten later (handlers may hold them across awaits).
//
// Limits: a size above `maxFrameBytes` (Kafka's socket.request.max.bytes, default 100 MiB) or below
// zero is refused before anything is allocated, with FrameSizeError. The decoder is then dead:
// the connection must close, as Kafka does (InvalidReceiveException).
//
// States: idle (nothing buffered) → header (1–3 prefix bytes buffered) → body (size known, part of
// the frame buffered) → idle when the frame is emitted; any state → failed on FrameSizeError.

import { ProtocolError } from './errors-protocol.ts'

/** Kafka's socket.request.max.bytes default. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024

/** First buffer size for a split frame's assembly, unless the frame is smaller. */
const MIN_ASSEMBLY_BYTES = 256 * 1024
const GROWTH = 4

export class FrameSizeError extends ProtocolError {
  override name = 'FrameSizeError'
  readonly size: number
  readonly max: number

  constructor(size: number, max: number) {
    super(size < 0 ? `negative frame size ${size}` : `frame size ${size} exceeds the maximum of ${max} bytes`)
    this.size = size
    this.max = max
  }
}

export interface FrameDecoderOptions {
  /** Largest accepted frame (bytes after the size prefix); socket.request.max.bytes. */
  maxFrameBytes?: number
}

export class FrameDecoder {
  readonly maxFrameBytes: number

  /** Prefix bytes of a frame whose size is not yet complete. */
  private readonly header = Buffer.alloc(4)
  private headerLen = 0
  /** Assembly buffer of a split frame (its body only), or undefined when no body is pending. */
  private body: Buffer | undefined
  private bodyLen = 0
  /** Size of the frame being assembled, or -1. */
  private bodySize = -1
  private failed: FrameSizeError | undefined

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    if (!Number.isInteger(max) || max < 0 || max > 0x7fffffff)
      throw new RangeError(`maxFrameBytes must be an integer in [0, 2^31-1], got ${max}`)
    this.maxFrameBytes = max
  }

  /** Bytes received but not yet emitted (for per-connection memory accounting). */
  get bufferedBytes(): number {
    return this.headerLen + this.bodyLen
  }

  /** Size of the frame currently being assembled, or -1 when none is (for admission control). */
  get pendingFrameSize(): number {
    return this.bodySize
  }

  /**
   * Feeds one chunk from the socket; calls `onFrame` for each frame it completes, in order.
   * Throws FrameSizeError (after emitting the frames before the bad one) on a refused size.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    if (this.failed !== undefined) throw this.failed
    const end = chunk.length
    let pos = 0

    // Finish whatever is pending from earlier chunks.
    if (this.headerLen > 0) {
      const take = Math.min(4 - this.headerLen, end)
      chunk.copy(this.header, this.headerLen, 0, take)
      this.headerLen += take
      pos = take
      if (this.headerLen < 4) return
      this.headerLen = 0
      const size = this.checkSize(this.header.readInt32BE(0))
      if (end - pos >= size) {
        // The rest of the frame lies in this chunk: emit in place.
        const frame = chunk.subarray(pos, pos + size)
        pos += size
        onFrame(frame)
      } else {
        this.startBody(size, chunk, pos)
        return
      }
    } else if (this.body !== undefined) {
      pos = this.appendBody(chunk, onFrame)
      if (this.body !== undefined) return
    }

    // In place: every frame wholly inside the chunk is a view of it.
    while (end - pos >= 4) {
      const size = this.checkSize(chunk.readInt32BE(pos))
      if (end - pos - 4 < size) {
        this.startBody(size, chunk, pos + 4)
        return
      }
      const frame = chunk.subarray(pos + 4, pos + 4 + size)
      pos += 4 + size
      onFrame(frame)
    }
    if (pos < end) {
      chunk.copy(this.header, 0, pos, end)
      this.headerLen = end - pos
    }
  }

  private checkSize(size: number): number {
    if (size < 0 || size > this.maxFrameBytes) {
      this.failed = new FrameSizeError(size, this.maxFrameBytes)
      this.headerLen = 0
      this.body = undefined
      this.bodyLen = 0
      this.bodySize = -1
      throw this.failed
    }
    return size
  }

  /** Begins assembling a frame of `size` bytes from chunk[from..]; the chunk ends inside it. */
  private startBody(size: number, chunk: Buffer, from: number): void {
    const have = chunk.length - from
    // Sized to what has arrived (×4, at least 256 KiB), never above the frame: memory follows bytes.
    const body = Buffer.allocUnsafe(Math.min(size, Math.max(MIN_ASSEMBLY_BYTES, have * GROWTH)))
    chunk.copy(body, 0, from)
    this.body = body
    this.bodyLen = have
    this.bodySize = size
  }

  /** Appends to the pending frame and emits it once complete; returns the chunk bytes used. */
  private appendBody(chunk: Buffer, onFrame: (frame: Buffer) => void): number {
    let body = this.body!
    const size = this.bodySize
    const take = Math.min(size - this.bodyLen, chunk.length)
    if (this.bodyLen + take > body.length) {
      let cap = body.length * GROWTH
      while (cap < this.bodyLen + take) cap *= GROWTH
      const grown = Buffer.allocUnsafe(Math.min(cap, size))
      body.copy(grown, 0, 0, this.bodyLen)
      body = grown
      this.body = grown
    }
    chunk.copy(body, this.bodyLen, 0, take)
    this.bodyLen += take
    if (this.bodyLen === size) {
      this.body = undefined
      this.bodyLen = 0
      this.bodySize = -1
      onFrame(body)
    }
    return take
  }
}
