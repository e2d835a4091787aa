// One TCP connection to one broker: size-prefixed request frames out, response frames in, matched
// by correlation id. On open it negotiates versions with ApiVersions (KIP-511): it asks at our
// highest version, and if the broker answers UNSUPPORTED_VERSION (whose body is always v0-shaped)
// it retries at the highest ApiVersions version the broker listed. Every later request is sent at
// min(our cap, broker max) for its API, refused locally if the ranges do not meet.
//
// States: connecting → ready (after ApiVersions) → closed. A socket error, an end from the broker
// or a malformed response closes the connection and fails every pending request with
// ConnectionError; requests time out individually (requestTimeoutMs), which also closes it, since
// a late answer would arrive with nobody waiting and the stream position is still fine but the
// broker is evidently unwell.

import { connect, type Socket } from 'node:net'
import { FrameDecoder } from '../protocol/framing.ts'
import { CODEC_BY_KEY, type ApiVersionsResponse } from '../protocol/generated/index.ts'
import { decodeResponseFrame, encodeRequestFrame } from '../protocol/request-frame.ts'
import { ERRORS } from '../protocol/errors.ts'
import { API, apiNameOf, type ApiName, type ApiTypes } from './apis.ts'
import { ConnectionError, UnsupportedApiError } from './errors.ts'

export interface ConnectionOptions {
  host: string
  port: number
  clientId?: string
  connectTimeoutMs?: number
  requestTimeoutMs?: number
}

interface Pending {
  apiKey: number
  version: number
  resolve: (body: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/** A request body, or a function of the negotiated version that builds it. */
export type RequestBody<K extends ApiName> = ApiTypes[K]['req'] | ((version: number) => ApiTypes[K]['req'])

export interface VersionRange {
  min: number
  max: number
}

export class Connection {
  readonly host: string
  readonly port: number
  readonly clientId: string
  private readonly requestTimeoutMs: number
  private readonly socket: Socket
  private readonly decoder = new FrameDecoder()
  private readonly pending = new Map<number, Pending>()
  private nextCorrelationId = 1
  private closedWith: Error | undefined
  /** Broker's version range per API key, from ApiVersions. */
  private versions = new Map<number, VersionRange>()
  /** Finalized feature levels from ApiVersions v3+ (KIP-584), e.g. transaction.version. */
  private features = new Map<string, number>()

  private constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket
    this.host = options.host
    this.port = options.port
    this.clientId = options.clientId ?? 'samsa-cli'
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    socket.on('data', (chunk: Buffer) => {
      try {
        this.decoder.push(chunk, (frame) => this.onFrame(frame))
      } catch (err) {
        this.fail(new ConnectionError(`bad response from ${this.address}: ${(err as Error).message}`))
      }
    })
    socket.on('error', (err) =>
      this.fail(new ConnectionError(`connection to ${this.address} failed: ${err.message}`)),
    )
    socket.on('close', () =>
      this.fail(new ConnectionError(`connection to ${this.address} closed by the broker`)),
    )
  }

  get address(): string {
    return `${this.host}:${this.port}`
  }

  get closed(): boolean {
    return this.closedWith !== undefined
  }

  /** Connects and negotiates API versions. Throws ConnectionError. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const timeoutMs = options.connectTimeoutMs ?? 10_000
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.host, port: options.port })
      s.setNoDelay(true)
      const timer = setTimeout(() => {
        s.destroy()
        reject(
          new ConnectionError(
            `could not connect to ${options.host}:${options.port}: timed out after ${timeoutMs} ms`,
          ),
        )
      }, timeoutMs)
      s.once('connect', () => {
        clearTimeout(timer)
        s.removeAllListeners('error')
        resolve(s)
      })
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(
          new ConnectionError(
            `could not connect to ${options.host}:${options.port}: ${err.code ?? err.message}`,
          ),
        )
      })
    })
    const conn = new Connection(socket, options)
    try {
      await conn.negotiate()
    } catch (err) {
      conn.close()
      throw err
    }
    return conn
  }

  private async negotiate(): Promise<void> {
    const ours = API.ApiVersions.max
    let res = (await this.sendAt(API.ApiVersions.key, ours, {
      clientSoftwareName: 'samsa-cli',
      clientSoftwareVersion: '0.1.0',
    })) as ApiVersionsResponse
    if (res.errorCode === ERRORS.UNSUPPORTED_VERSION.code) {
      const theirs = res.apiKeys.find((k) => k.apiKey === API.ApiVersions.key)
      const v = Math.min(ours, theirs?.maxVersion ?? 0)
      res = (await this.sendAt(API.ApiVersions.key, v, {
        clientSoftwareName: 'samsa-cli',
        clientSoftwareVersion: '0.1.0',
      })) as ApiVersionsResponse
    }
    if (res.errorCode !== 0)
      throw new ConnectionError(`${this.address} refused ApiVersions with error code ${res.errorCode}`)
    this.versions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]))
    // An epoch of -1 means the broker finalizes nothing.
    if (res.finalizedFeaturesEpoch >= 0n)
      this.features = new Map(res.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel]))
  }

  /** The finalized level of a feature (0 when the broker finalizes none). */
  featureLevel(name: string): number {
    return this.features.get(name) ?? 0
  }

  /** The broker's ApiVersions answer: API key → version range. */
  get brokerVersions(): ReadonlyMap<number, VersionRange> {
    return this.versions
  }

  /** The version a request for `name` will use, or undefined when the broker cannot take one. */
  versionFor(name: ApiName): number | undefined {
    const api = API[name]
    const codec = CODEC_BY_KEY[api.key]
    const theirs = this.versions.get(api.key)
    if (codec === undefined || theirs === undefined) return undefined
    const v = Math.min(api.max, codec.maxVersion, theirs.max)
    return v < Math.max(theirs.min, codec.minVersion) ? undefined : v
  }

  /**
   * Sends one request at the negotiated version and resolves with the decoded response body. The
   * encoder refuses fields a version lacks, so a body whose shape depends on the version is given
   * as a function of it.
   */
  async send<K extends ApiName>(
    name: K,
    body: RequestBody<K>,
  ): Promise<{ version: number; body: ApiTypes[K]['res'] }> {
    const v = this.versionFor(name)
    if (v === undefined)
      throw new UnsupportedApiError(
        `the broker at ${this.address} does not support ${name} in a version this client speaks`,
      )
    const req: object = typeof body === 'function' ? body(v) : body
    const res = (await this.sendAt(API[name].key, v, req)) as ApiTypes[K]['res']
    return { version: v, body: res }
  }

  /** Produce with acks=0: the broker sends no response, so nothing is awaited but the write. */
  async sendNoResponse<K extends ApiName>(
    name: K,
    body: (version: number) => ApiTypes[K]['req'],
  ): Promise<void> {
    const v = this.versionFor(name)
    if (v === undefined)
      throw new UnsupportedApiError(`the broker at ${this.address} does not support ${name}`)
    if (this.closedWith !== undefined) throw this.closedWith
    const frame = encodeRequestFrame(
      {
        apiKey: API[name].key,
        apiVersion: v,
        correlationId: this.nextCorrelationId++,
        clientId: this.clientId,
      },
      body(v),
    )
    await new Promise<void>((resolve, reject) =>
      this.socket.write(Buffer.concat(frame), (err) =>
        err ? reject(new ConnectionError(err.message)) : resolve(),
      ),
    )
  }

  private sendAt(apiKey: number, version: number, body: object): Promise<unknown> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith)
    const correlationId = this.nextCorrelationId
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff
    const frame = encodeRequestFrame(
      { apiKey, apiVersion: version, correlationId, clientId: this.clientId },
      body,
    )
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(
          new ConnectionError(
            `${apiNameOf(apiKey)} request to ${this.address} timed out after ${this.requestTimeoutMs} ms`,
          ),
        )
      }, this.requestTimeoutMs)
      this.pending.set(correlationId, { apiKey, version, resolve, reject, timer })
      for (const chunk of frame) this.socket.write(chunk)
    })
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 4) throw new Error(`response frame of ${frame.length} bytes`)
    const correlationId = frame.readInt32BE(0)
    const p = this.pending.get(correlationId)
    if (p === undefined) throw new Error(`response with unknown correlation id ${correlationId}`)
    this.pending.delete(correlationId)
    clearTimeout(p.timer)
    // An ApiVersions refusal is v0-shaped whatever version was asked (KIP-511); its error code is
    // the first body field in every version, right after the v0 response header.
    const refused =
      p.apiKey === API.ApiVersions.key &&
      frame.length >= 6 &&
      frame.readInt16BE(4) === ERRORS.UNSUPPORTED_VERSION.code
    const body = decodeResponseFrame(p.apiKey, refused ? 0 : p.version, frame).body
    p.resolve(body)
  }

  private fail(err: Error): void {
    if (this.closedWith === undefined) this.closedWith = err
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
    this.socket.destroy()
  }

  close(): void {
    this.fail(new ConnectionError(`connection to ${this.address} was closed`))
  }
}
