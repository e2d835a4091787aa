// A raw Kafka wire client for connection-level tests: writes request frames (or arbitrary bytes)
// and collects response frames in arrival order, so tests can check ordering, skipped responses,
// and whether the broker closed the socket.

import { connect, type Socket } from 'node:net'
import { FrameDecoder } from '../../src/protocol/framing.ts'
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/request-frame.ts'

export interface SentRequest {
  apiKey: number
  apiVersion: number
  correlationId: number
}

export class WireClient {
  readonly socket: Socket
  /** Correlation ids of response frames in arrival order. */
  readonly arrivals: number[] = []
  private readonly frames: Buffer[] = []
  private readonly sent = new Map<number, SentRequest>()
  private nextCorrelation = 1
  private waiters: Array<() => void> = []
  closed = false

  private constructor(socket: Socket) {
    this.socket = socket
    const decoder = new FrameDecoder({ maxFrameBytes: 512 * 1024 * 1024 })
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (frame) => {
        this.frames.push(frame)
        this.arrivals.push(frame.readInt32BE(0))
        this.wake()
      }),
    )
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
    socket.on('error', () => {})
  }

  static open(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new WireClient(s)))
      s.once('error', reject)
    })
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Sends a request; returns its correlation id. */
  send(apiKey: number, apiVersion: number, body: object, clientId: string | null = 'wire-test'): number {
    const correlationId = this.nextCorrelation++
    this.sent.set(correlationId, { apiKey, apiVersion, correlationId })
    for (const c of encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId }, body))
      this.socket.write(c)
    return correlationId
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Waits until `n` responses have arrived (or the socket closed); rejects after `timeoutMs`. */
  async waitFor(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.frames.length < n && !this.closed) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out with ${this.frames.length}/${n} responses`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Waits for the broker to close the connection. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, Math.min(20, Math.max(1, deadline - Date.now()))))
    return this.closed
  }

  /** The i-th response decoded with the API and version of the request it answers. */
  response<T = Record<string, unknown>>(i: number): { correlationId: number; body: T } {
    const frame = this.frames[i]
    if (frame === undefined) throw new Error(`no response #${i}`)
    const req = this.sent.get(frame.readInt32BE(0))
    if (req === undefined) throw new Error(`response for unknown correlation id ${frame.readInt32BE(0)}`)
    const { correlationId, body } = decodeResponseFrame(req.apiKey, req.apiVersion, frame)
    return { correlationId, body: body as T }
  }

  get responseCount(): number {
    return this.frames.length
  }

  close(): void {
    this.socket.destroy()
  }
}
