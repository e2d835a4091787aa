// One client connection: frames in, responses out, strictly in request order.
//
// Input: the socket reads straight into FrameReceiver's memory (direct-read.ts), so a request's
// bytes are never copied after the kernel wrote them; where this Node cannot, 'data' chunks go
// through FrameDecoder instead. Both hand over frames the handlers may keep. A frame in a standard
// receive buffer comes with a FrameLease, passed on to dispatch (which lends it to Produce only)
// or released here when the frame is dropped unread.
//
// Ordering: each frame gets a sequence number as it is read and is dispatched at once, so handlers
// run concurrently; finished outcomes wait in `ready` until every earlier one has been written.
// An acks=0 Produce consumes its number with a `none` outcome and writes nothing; a failed one
// (`close-after`) ends the connection once every earlier response is written, as Kafka does.
//
// Backpressure (a client that never reads must not grow our memory):
// - per connection, the bytes held for this client = requests in flight + finished responses
//   waiting for an earlier one + bytes queued in the socket. Above `pendingBytesLimit` the socket
//   is paused (no more requests are read); it resumes when writes drain below it;
// - globally, in-flight request bytes and the bytes of frames still being received are charged
//   to a shared MemoryBudget; when it is exhausted, connections between frames pause until the
//   budget has room again (one in the middle of a frame finishes reading it);
// - a frame larger than socket.request.max.bytes is refused by the FrameDecoder before anything is
//   allocated, and the connection is closed.
//
// Lifecycle: open → (closing: no more requests read; in-flight ones finish and are written) →
// closed. A malformed frame, unknown API, unsupported version or auth violation closes at once;
// so does a peer reset. connections.max.idle.ms closes a connection with nothing in flight, nothing
// left to write and no traffic for that long (the broker's IdleSweeper asks, see sweepIdle).

import type { Socket } from 'node:net'
import { FrameReceiver } from '../protocol/frame-receiver.ts'
import { FrameDecoder, FrameSizeError } from '../protocol/framing.ts'
import type { FrameLease } from '../protocol/receive-buffers.ts'
import type { Clock } from './clock.ts'
import { readInto } from './direct-read.ts'
import type { DispatchOutcome, Dispatcher } from './dispatch.ts'
import type { Logger } from './logger.ts'
import type { MemoryBudget } from './memory-budget.ts'
import type { ConnectionInfo } from './request-context.ts'

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  maxFrameBytes: number
  /** connections.max.idle.ms (0 disables) */
  idleMs: number
  /** Bytes held for one client before reading from it pauses. */
  pendingBytesLimit: number
}

/** Default per-connection budget: several pipelined 1 MiB produce requests, one large fetch. */
export const DEFAULT_PENDING_BYTES_LIMIT = 16 * 1024 * 1024

type State = 'open' | 'closing' | 'closed'

export class Connection {
  readonly info: ConnectionInfo
  private readonly socket: Socket
  private readonly dispatcher: Dispatcher
  private readonly limits: ConnectionLimits
  private readonly memory: MemoryBudget
  private readonly logger: Logger
  private readonly clock: Clock
  /** Splits the byte stream: a FrameReceiver when the socket reads into its memory, else chunks. */
  private readonly decoder: FrameReceiver | FrameDecoder

  private state: State = 'open'
  private nextSeq = 0
  private nextWrite = 0
  private readonly ready = new Map<number, DispatchOutcome>()
  /** Requests dispatched whose outcome is not yet known. */
  private inFlight = 0
  private inFlightBytes = 0
  private readyBytes = 0
  /** Global-budget charge for the partly received frame (see chargeAssembly). */
  private assemblyBytes = 0
  private assemblyGranted = false
  private assemblyFrameSize = -1
  private assemblyFramesSeen = 0
  private framesSeen = 0
  private paused = false
  private cancelMemoryWait: (() => void) | undefined
  private readonly closedWaiters: Array<() => void> = []
  /** Set by a `close-after` outcome: nothing more is written, the socket is ending. */
  private writesEnded = false
  private idleDrainWaiters: Array<() => void> = []
  /** Set by reads and writes; the idle sweep clears it (see sweepIdle). */
  private touched = true
  /** clock.monotonic() when the idle sweep last saw activity. */
  private quietSince: number
  /** onWritten callbacks of responses handed to the socket whose last write has not completed. */
  private readonly unwritten = new Set<() => void>()

  constructor(
    socket: Socket,
    info: ConnectionInfo,
    dispatcher: Dispatcher,
    limits: ConnectionLimits,
    memory: MemoryBudget,
    logger: Logger,
    clock: Clock,
  ) {
    this.socket = socket
    this.info = info
    this.dispatcher = dispatcher
    this.limits = limits
    this.memory = memory
    this.logger = logger
    this.clock = clock
    this.quietSince = clock.monotonic()
    // A socket the server accepted paused (pauseOnConnect) starts reading in updateBackpressure.
    this.paused = socket.isPaused()

    socket.setNoDelay(true)
    const receiver = new FrameReceiver({ maxFrameBytes: limits.maxFrameBytes })
    if (
      readInto(
        socket,
        () => receiver.readBuffer(),
        (n) => this.onInput(n),
      )
    ) {
      this.decoder = receiver
    } else {
      const decoder = new FrameDecoder({ maxFrameBytes: limits.maxFrameBytes })
      this.decoder = decoder
      socket.on('data', (chunk: Buffer) => this.onInput(chunk))
    }
    socket.on('drain', () => {
      this.touched = true
      this.updateBackpressure()
    })
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'socket error'))
    socket.on('close', () => this.onClosed())
    socket.on('end', () => {
      // The client half-closed: answer what is in flight, then close our side.
      void this.close('client closed its side')
    })
    // A connection accepted while the global budget is spent reads nothing until it has room.
    this.updateBackpressure()
  }

  /**
   * The idle check (IdleSweeper, connections.max.idle.ms): closes the connection when nothing was
   * read or written since the last sweep, nothing is in flight or waiting to be written, and it
   * has been so for `idleMs`.
   */
  sweepIdle(now: number, idleMs: number): void {
    if (this.touched || this.inFlight > 0 || this.ready.size > 0 || this.socket.writableLength > 0) {
      this.touched = false
      this.quietSince = now
      return
    }
    if (now - this.quietSince >= idleMs) this.destroy('idle for connections.max.idle.ms')
  }

  /** Bytes held on behalf of this client right now. */
  get heldBytes(): number {
    return this.inFlightBytes + this.readyBytes + this.socket.writableLength
  }

  get isClosed(): boolean {
    return this.state === 'closed'
  }

  private readonly onFrameBound = (frame: Buffer, lease?: FrameLease): void => this.onFrame(frame, lease)

  /** A chunk from a 'data' event, or (direct reads) the count of bytes that landed in the receiver. */
  private onInput(input: Buffer | number): void {
    this.touched = true
    if (this.state !== 'open') return
    // One read often holds several pipelined requests, most answered synchronously: corked, their
    // responses leave in one writev at the end of the read instead of one write (and one wake-up
    // of the client) each.
    this.socket.cork()
    try {
      if (typeof input === 'number') (this.decoder as FrameReceiver).received(input, this.onFrameBound)
      else (this.decoder as FrameDecoder).push(input, this.onFrameBound)
      this.chargeAssembly()
    } catch (err) {
      // The responses to the frames before the bad one go out first, as they did uncorked.
      this.socket.uncork()
      if (err instanceof FrameSizeError) {
        this.logger.warn({ size: err.size, max: err.max }, 'request frame too large; closing the connection')
        this.destroy('frame too large')
        return
      }
      this.logger.error({ err }, 'unexpected error reading a request; closing the connection')
      this.destroy('read error')
      return
    }
    this.socket.uncork()
    this.updateBackpressure()
  }

  private onFrame(frame: Buffer, lease: FrameLease | undefined): void {
    if (this.state !== 'open') {
      lease?.release()
      return
    }
    this.framesSeen++
    const seq = this.nextSeq++
    const cost = this.dispatcher.estimate(frame)
    this.inFlight++
    this.inFlightBytes += cost
    this.memory.charge(cost)
    const outcome = this.dispatcher.dispatch(frame, this.info, this.logger, this.clock.monotonic(), lease)
    if (outcome instanceof Promise) {
      outcome.then(
        (o) => this.complete(seq, cost, o),
        // dispatch never rejects; this is a last line of defence.
        (err: unknown) => {
          this.logger.error({ err }, 'request dispatch failed')
          this.complete(seq, cost, { kind: 'close', reason: 'internal error' })
        },
      )
    } else {
      this.complete(seq, cost, outcome)
    }
    this.updateBackpressure()
  }

  private complete(seq: number, cost: number, outcome: DispatchOutcome): void {
    this.inFlight--
    this.inFlightBytes -= cost
    this.memory.refund(cost)
    if (this.state === 'closed' || this.writesEnded) {
      if (outcome.kind === 'response') outcome.onWritten?.()
      return
    }
    if (outcome.kind === 'close') {
      this.destroy(outcome.reason)
      return
    }
    if (outcome.kind === 'response') this.readyBytes += outcome.bytes
    // The usual case, the outcome whose turn it is: written without a trip through `ready`.
    if (seq === this.nextWrite) this.flush(outcome)
    else {
      this.ready.set(seq, outcome)
      this.flush()
    }
  }

  /**
   * Writes every outcome whose turn has come, in sequence order: `next` (the one numbered
   * nextWrite, not in `ready`) first when given, then those waiting in `ready`.
   */
  private flush(next?: DispatchOutcome): void {
    if (this.state === 'closed' || this.writesEnded) return
    let corked = false
    for (;;) {
      let outcome = next
      if (outcome !== undefined) next = undefined
      else {
        if (this.ready.size === 0) break
        outcome = this.ready.get(this.nextWrite)
        if (outcome === undefined) break
        this.ready.delete(this.nextWrite)
      }
      this.nextWrite++
      if (outcome.kind === 'close-after') {
        if (corked) this.socket.uncork()
        this.endAfterWrites(outcome.reason)
        return
      }
      if (outcome.kind !== 'response') continue
      this.readyBytes -= outcome.bytes
      if (!corked) {
        this.socket.cork()
        corked = true
        this.touched = true
      }
      const done = outcome.onWritten
      if (done === undefined) for (const chunk of outcome.chunks) this.socket.write(chunk)
      else this.writeThen(outcome.chunks, done)
    }
    if (corked) this.socket.uncork()
    this.updateBackpressure()
    if (this.inFlight === 0 && this.ready.size === 0 && this.idleDrainWaiters.length > 0) {
      const waiters = this.idleDrainWaiters
      this.idleDrainWaiters = []
      for (const w of waiters) w()
    }
  }

  /**
   * Writes the chunks and runs `done` once the socket has handed the last one to the kernel (the
   * write callback; writes complete in order) — or, if the connection closes first, in onClosed.
   */
  private writeThen(chunks: readonly Buffer[], done: () => void): void {
    const last = chunks.length - 1
    if (last < 0) return done()
    this.unwritten.add(done)
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]!)
    this.socket.write(chunks[last]!, () => {
      if (this.unwritten.delete(done)) done()
    })
  }

  /** Runs the onWritten callbacks of responses that will never be written, and forgets them. */
  private dropReady(): void {
    for (const o of this.ready.values()) if (o.kind === 'response') o.onWritten?.()
    this.ready.clear()
    this.readyBytes = 0
  }

  /**
   * Keeps the global budget charged for the frame being received. A frame that starts while the
   * budget has room reserves its whole declared size and is read to the end even if the budget
   * runs out meanwhile (so half-read frames cannot deadlock each other); one that starts while
   * the budget is spent is charged only for the bytes already here, and its connection pauses
   * until there is room, when it reserves the rest.
   */
  private chargeAssembly(): void {
    // A closed connection has refunded everything (onClosed); nothing may be charged after that.
    if (this.state === 'closed') return
    const size = this.decoder.pendingFrameSize
    const sameFrame = size === this.assemblyFrameSize && this.framesSeen === this.assemblyFramesSeen
    if (!sameFrame) {
      this.memory.refund(this.assemblyBytes)
      this.assemblyBytes = 0
      this.assemblyGranted = false
      this.assemblyFrameSize = size
      this.assemblyFramesSeen = this.framesSeen
    }
    if (size < 0) return
    if (!this.assemblyGranted && !this.memory.exhausted) {
      this.memory.charge(size - this.assemblyBytes)
      this.assemblyBytes = size
      this.assemblyGranted = true
    } else if (!this.assemblyGranted) {
      const have = this.decoder.bufferedBytes
      this.memory.charge(have - this.assemblyBytes)
      this.assemblyBytes = have
    }
  }

  /** Pauses reading while this client holds too much or the global budget is spent; resumes after. */
  private updateBackpressure(): void {
    if (this.state !== 'open') return
    const overLocal = this.heldBytes > this.limits.pendingBytesLimit
    // A frame granted its reservation is read to the end; anything else waits for room.
    const overGlobal = this.memory.exhausted && !this.assemblyGranted
    if (overLocal || overGlobal) {
      if (!this.paused) {
        this.paused = true
        this.socket.pause()
        this.logger.debug({ heldBytes: this.heldBytes, global: overGlobal }, 'reading paused')
      }
      if (overGlobal && this.cancelMemoryWait === undefined)
        this.cancelMemoryWait = this.memory.onAvailable(() => {
          this.cancelMemoryWait = undefined
          if (this.state === 'open') this.chargeAssembly()
          this.updateBackpressure()
        })
      return
    }
    if (this.paused) {
      this.paused = false
      this.socket.resume()
      this.logger.debug('reading resumed')
    }
  }

  /**
   * Graceful close: read no more requests, let in-flight ones finish and be written, then end the
   * socket. Resolves when the socket is closed.
   */
  close(reason: string): Promise<void> {
    if (this.state === 'closed') return Promise.resolve()
    const closed = new Promise<void>((resolve) => this.closedWaiters.push(resolve))
    if (this.state === 'open') {
      this.state = 'closing'
      this.logger.debug({ reason }, 'closing connection')
      // No more requests: 'data' chunks are buffered unread; direct reads go on (onInput drops
      // them) because a paused direct socket stops reading and would never see the client's FIN.
      if (this.decoder instanceof FrameReceiver) {
        this.paused = false
        this.socket.resume()
      } else this.socket.pause()
      const finish = (): void => {
        if (this.state === 'closed') return
        this.socket.end()
      }
      if (this.inFlight === 0 && this.ready.size === 0) finish()
      else this.idleDrainWaiters.push(finish)
    }
    return closed
  }

  /**
   * Reads and writes nothing more; the socket ends once what was written has been flushed. The
   * responses of requests after the closing one are dropped: the client reconnects and retries.
   */
  private endAfterWrites(reason: string): void {
    this.writesEnded = true
    this.dropReady()
    this.logger.info({ reason }, 'closing connection after the earlier responses')
    if (this.state === 'open') {
      this.state = 'closing'
      // Keep reading (onFrame drops what arrives) so the client's FIN completes the close.
      this.paused = false
      this.socket.resume()
    }
    // FIN after the written responses; the socket closes when the client closes its side.
    this.socket.end()
  }

  /** Closes at once, dropping anything not yet written. */
  destroy(reason: string): void {
    if (this.state === 'closed') return
    this.logger.info({ reason }, 'closing connection')
    // Responses corked in this read (onInput) are handed to the kernel before the socket goes.
    while (this.socket.writableCorked > 0) this.socket.uncork()
    this.socket.destroy()
    this.onClosed()
  }

  private onClosed(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.cancelMemoryWait?.()
    this.cancelMemoryWait = undefined
    this.memory.refund(this.assemblyBytes)
    this.assemblyBytes = 0
    this.dropReady()
    // The socket is destroyed: what it had not written it never will, and nothing reads the
    // chunks any more (writes are synchronous syscalls on this thread; the fd is closed).
    for (const done of [...this.unwritten]) {
      this.unwritten.delete(done)
      done()
    }
    this.logger.info('connection closed')
    for (const w of this.closedWaiters.splice(0)) w()
    for (const w of this.idleDrainWaiters.splice(0)) w()
  }
}
