// The handler registry: one handler per API key, declared with `defineHandler`, listed explicitly in
// handlers/index.ts, and turned here into a dense lookup table indexed by API key. The registry is
// the single source of what the broker serves: the ApiVersions response is derived from it, so an
// API without a handler is never advertised.
//
// Contract for handler authors:
// - `versions: [min, max]` are the versions the handler implements; they must lie within the
//   codec's declared range (startup fails on a duplicate key or a bad range). Requests outside
//   them never reach the handler. What is *advertised* goes through api-versions-table.ts (the
//   codec's stable versions and the client-compatibility policy, e.g. Produce advertised from 0).
// - `handle(ctx, req)` receives the decoded request (absent fields hold their defaults) and returns
//   the full response object, or NO_RESPONSE when the protocol says nothing is sent (acks=0
//   Produce), or a CloseConnection when the client must learn of a failure it gets no response
//   for (a failed acks=0 Produce: Kafka closes the connection after the responses before it).
//   It may be async; responses are still written in request order.
// - `handle` is called synchronously, in request order, as each frame arrives on a connection:
//   whatever a handler does before its first `await` happens in arrival order (e.g. queueing an
//   append), which is what keeps pipelined produce requests from one connection in order.
// - Throwing a KafkaError (or anything else, which becomes UNKNOWN_SERVER_ERROR and is logged)
//   answers with the API's error response: `errorResponse(req, code, message)` when the spec
//   defines one, else the generated errorResponseFor, which sets every reachable errorCode.
// - `memoryEstimate(frameBytes)`: bytes the request will hold while in flight (default: the
//   frame size), counted against the per-connection and global in-flight budgets.

import { advertisedApiVersions } from '../protocol/api-versions-table.ts'
import { API_CODECS, CODEC_BY_KEY } from '../protocol/generated/index.ts'
import type { VersionSpan } from '../protocol/request-frame.ts'
import type { ApiMessages } from '../protocol/generated/index.ts'
import type { RequestContext } from './request-context.ts'

export type ApiKeyNumber = keyof ApiMessages
export type RequestOf<K extends ApiKeyNumber> = ApiMessages[K]['request']
export type ResponseOf<K extends ApiKeyNumber> = ApiMessages[K]['response']

/** Returned by a handler when no response is written (consumes the request's place in order). */
export const NO_RESPONSE: unique symbol = Symbol('samsa.no-response')
export type NoResponse = typeof NO_RESPONSE

/**
 * Returned by a handler to close the connection once every earlier response has been written,
 * instead of answering (Kafka's RequestChannel.closeConnection). Later requests get no response.
 */
export class CloseConnection {
  readonly reason: string
  constructor(reason: string) {
    this.reason = reason
  }
}

/**
 * What a handler may return: the response in its encoder-input form (every field optional,
 * defaults filled by the encoder; record sets may be lists of stored batches), NO_RESPONSE, or
 * CloseConnection.
 */
export type ResponseInitOf<K extends ApiKeyNumber> = ApiMessages[K]['responseInit']
export type HandlerResult<K extends ApiKeyNumber> = ResponseInitOf<K> | NoResponse | CloseConnection

export interface HandlerSpec<K extends ApiKeyNumber> {
  /** Inclusive version range this handler implements and the broker advertises. */
  readonly versions: readonly [min: number, max: number]
  handle(ctx: RequestContext, req: RequestOf<K>): HandlerResult<K> | Promise<HandlerResult<K>>
  /** Overrides the generated error response where walking the schema gives the wrong shape. */
  errorResponse?(
    req: RequestOf<K>,
    errorCode: number,
    errorMessage: string | null,
    ctx: RequestContext,
  ): ResponseOf<K>
  memoryEstimate?(frameBytes: number): number
}

export interface Handler<K extends ApiKeyNumber> extends HandlerSpec<K> {
  readonly apiKey: K
  readonly name: string
}

/**
 * A handler with its types erased, as the connection sees it. Method syntax keeps parameters
 * bivariant, so every Handler<K> is assignable to it.
 */
export interface AnyHandler {
  readonly apiKey: number
  readonly name: string
  readonly versions: readonly [min: number, max: number]
  handle(ctx: RequestContext, req: never): unknown
  errorResponse?(req: never, errorCode: number, errorMessage: string | null, ctx: RequestContext): object
  memoryEstimate?(frameBytes: number): number
}

export function defineHandler<K extends ApiKeyNumber>(apiKey: K, spec: HandlerSpec<K>): Handler<K> {
  const codec = CODEC_BY_KEY[apiKey]
  if (codec === undefined) throw new RegistryError(`no codec is declared for API key ${apiKey}`)
  return { ...spec, apiKey, name: codec.name }
}

export class RegistryError extends Error {
  override name = 'RegistryError'
}

export interface ApiVersionRange {
  readonly apiKey: number
  readonly minVersion: number
  readonly maxVersion: number
}

/** The dispatch table: handlers by API key, validated, plus the ranges they advertise. */
export class Registry {
  private readonly table: Array<AnyHandler | undefined>
  /** Every registered handler, in API-key order. */
  readonly handlers: readonly AnyHandler[]
  private advertised: readonly ApiVersionRange[] | undefined

  constructor(handlers: readonly AnyHandler[]) {
    const maxKey = Math.max(0, ...API_CODECS.map((c) => c.key))
    const table = new Array<AnyHandler | undefined>(maxKey + 1).fill(undefined)
    for (const h of handlers) {
      const codec = CODEC_BY_KEY[h.apiKey]
      if (codec === undefined) throw new RegistryError(`handler ${h.name}: no codec for API key ${h.apiKey}`)
      if (table[h.apiKey] !== undefined)
        throw new RegistryError(`duplicate handler for API key ${h.apiKey} (${codec.name})`)
      const [min, max] = h.versions
      if (!Number.isInteger(min) || !Number.isInteger(max) || min > max)
        throw new RegistryError(`${codec.name}: bad version range [${min}, ${max}]`)
      if (min < codec.minVersion || max > codec.maxVersion)
        throw new RegistryError(
          `${codec.name}: versions [${min}, ${max}] lie outside the schema's ${codec.minVersion}-${codec.maxVersion}`,
        )
      table[h.apiKey] = h
    }
    this.table = table
    this.handlers = table.filter((h): h is AnyHandler => h !== undefined)
    this.apiVersions()
  }

  /** The handler for an API key, or undefined when the broker does not serve it. */
  get(apiKey: number): AnyHandler | undefined {
    return apiKey >= 0 && apiKey < this.table.length ? this.table[apiKey] : undefined
  }

  /** The versions a handler implements (requests outside them are refused), or undefined. */
  span(apiKey: number): VersionSpan | undefined {
    const h = this.get(apiKey)
    return h === undefined ? undefined : { min: h.versions[0], max: h.versions[1] }
  }

  /**
   * The ApiVersions table: the handlers' ranges through the codec's stable versions and the
   * advertise policy (api-versions-table.ts). Computed once, at construction, so a key the policy
   * leaves nothing to advertise fails startup with RegistryError.
   */
  apiVersions(): readonly ApiVersionRange[] {
    if (this.advertised === undefined) {
      const spans = new Map<number, VersionSpan>(
        this.handlers.map((h) => [h.apiKey, { min: h.versions[0], max: h.versions[1] }]),
      )
      try {
        this.advertised = Object.freeze(advertisedApiVersions(spans))
      } catch (err) {
        throw new RegistryError((err as Error).message)
      }
    }
    return this.advertised
  }
}
