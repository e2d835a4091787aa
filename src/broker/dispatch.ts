// From one request frame to what the connection must do with it: write a response, write nothing
// (acks=0), close at once, or close after the earlier responses (a failed acks=0 Produce). Decoding, the authentication gate, the handler call, error responses and
// encoding live here; ordering, backpressure and the socket live in connection.ts.
//
// Outcomes, as Kafka behaves:
// - malformed frame, unknown API key, unsupported version of any API but ApiVersions, or a request
//   the authentication state does not allow: close, send nothing, log one line;
// - unsupported ApiVersions version: the v0-shaped reply with UNSUPPORTED_VERSION (35) and the
//   advertised table, so the client can retry with a version we speak (KIP-511);
// - handler throws: the API's error response (handler override, else errorResponseFor) with the
//   KafkaError's code, or UNKNOWN_SERVER_ERROR (logged with its stack) for anything else;
// - the response cannot be encoded (a handler bug): logged, answered with UNKNOWN_SERVER_ERROR.

import type * as ErrorResponses from '../protocol/error-response.ts'
import { ErrorCode, KafkaError, toErrorCode } from '../protocol/errors.ts'
import { unsupportedApiVersionsBody } from '../protocol/api-versions-table.ts'
import {
  API_VERSIONS_KEY,
  decodeRequestFrame,
  writeResponseFrame,
  type DecodeRequestOptions,
  type SupportedVersions,
} from '../protocol/request-frame.ts'
import { Writer } from '../protocol/primitives/writer.ts'
import type { RequestHeader } from '../protocol/generated/headers.ts'
import { ApiKey } from '../protocol/generated/index.ts'
import type { FrameLease } from '../protocol/receive-buffers.ts'
import type { Logger } from './logger.ts'
import { CloseConnection, NO_RESPONSE, type AnyHandler, type Registry } from './registry.ts'
import type { AuthState, ConnectionInfo, RequestContext } from './request-context.ts'
import type { BrokerServices } from './services.ts'
import { traceable } from './trace.ts'

export type DispatchOutcome =
  | {
      readonly kind: 'response'
      readonly chunks: Buffer[]
      readonly bytes: number
      /**
       * Run once the socket has handed every chunk to the kernel, or once it never will (the
       * connection closed or destroyed first): the chunks may be views of buffers the handler
       * recycles then (RequestContext.afterResponseWritten).
       */
      readonly onWritten?: () => void
    }
  | { readonly kind: 'none' }
  | { readonly kind: 'close'; readonly reason: string }
  /** Write every earlier response, then close; later requests are not answered. */
  | { readonly kind: 'close-after'; readonly reason: string }

const NONE: DispatchOutcome = { kind: 'none' }

/** The response scratch Writer's size; responses up to this size are copied out of it. */
const SCRATCH_BYTES = 1024

// errorResponseFor walks the schema declarations of every API, which are built and validated when
// their modules load (~10 ms and ~2 MB RSS at start). Only a whole-request failure needs them, so
// they load on the first one: that error response waits for the import, later ones do not.
let errorResponses: typeof ErrorResponses | undefined
let loadingErrorResponses: Promise<typeof ErrorResponses> | undefined
function loadErrorResponses(): Promise<typeof ErrorResponses> {
  return (loadingErrorResponses ??= import('../protocol/error-response.ts').then((m) => (errorResponses = m)))
}

/**
 * The gate before dispatch. With authentication state `none` every API passes; SASL adds states in
 * which only ApiVersions, SaslHandshake and SaslAuthenticate pass.
 */
export function allowedBeforeDispatch(auth: AuthState, _apiKey: number): boolean {
  switch (auth.kind) {
    case 'none':
      return true
  }
}

/**
 * One request's context. A class rather than an object literal with a getter: V8 builds such a
 * literal through its slow path (~1.2 µs per request, a tenth of a small produce request's CPU).
 */
class Context implements RequestContext {
  readonly services: BrokerServices
  readonly connection: ConnectionInfo
  readonly apiKey: number
  readonly apiVersion: number
  readonly correlationId: number
  readonly clientId: string | null
  readonly frameBytes: number
  readonly receivedAt: number
  readonly clock: BrokerServices['clock']
  readonly frameLease: FrameLease | undefined
  readonly #parentLogger: Logger
  readonly #api: string
  #logger: Logger | undefined
  /** Callbacks from afterResponseWritten, in registration order. */
  #written: Array<() => void> | undefined

  constructor(
    services: BrokerServices,
    connection: ConnectionInfo,
    header: RequestHeader,
    apiVersion: number,
    frameBytes: number,
    receivedAt: number,
    parentLogger: Logger,
    api: string,
    frameLease: FrameLease | undefined,
  ) {
    this.services = services
    this.connection = connection
    this.apiKey = header.requestApiKey
    this.apiVersion = apiVersion
    this.correlationId = header.correlationId
    this.clientId = header.clientId
    this.frameBytes = frameBytes
    this.receivedAt = receivedAt
    this.clock = services.clock
    this.frameLease = frameLease
    this.#parentLogger = parentLogger
    this.#api = api
  }

  afterResponseWritten(done: () => void): void {
    ;(this.#written ??= []).push(done)
  }

  /**
   * The outcome carrying the registered callbacks: a response runs them once written; any other
   * outcome writes nothing of this request, so they run now.
   */
  settle(outcome: DispatchOutcome): DispatchOutcome {
    const written = this.#written
    if (written === undefined) return outcome
    this.#written = undefined
    const run = (): void => {
      for (const done of written) done()
    }
    if (outcome.kind === 'response') return { ...outcome, onWritten: run }
    run()
    return outcome
  }

  /** The per-request child logger, made on first use: most requests never log. */
  get logger(): Logger {
    return (this.#logger ??= this.#parentLogger.child({
      api: this.#api,
      v: this.apiVersion,
      corr: this.correlationId,
    }))
  }
}

export class Dispatcher {
  private readonly registry: Registry
  private readonly services: BrokerServices

  private readonly supported: SupportedVersions
  private readonly decodeOptions: DecodeRequestOptions
  /** Where responses are encoded (respond()); a large one takes it along and the next starts anew. */
  private scratch: Writer | undefined

  constructor(registry: Registry, services: BrokerServices) {
    this.registry = registry
    this.services = services
    this.supported = (key) => registry.span(key)
    this.decodeOptions = { supported: this.supported }
  }

  /** Whether the decoded request/response trace is on (the broker's root log level). */
  private tracing(): boolean {
    return this.services.logger.isLevelEnabled('trace')
  }

  /** Bytes a request holds while in flight (handler's estimate, else the frame size). */
  estimate(frame: Buffer): number {
    if (frame.length < 2) return frame.length
    const handler = this.registry.get(frame.readInt16BE(0))
    return handler?.memoryEstimate?.(frame.length) ?? frame.length
  }

  /**
   * Handles one frame. Returns synchronously when the handler did (most admin APIs), else a
   * promise; never rejects. `handle` itself is always called synchronously, before this returns.
   * `lease` (the frame's receive buffer) goes to Produce only, the one handler that knows when no
   * view of its frame survives; every other request keeps views (names, metadata, assignments)
   * and its frame is left to the GC. Nothing here reads the frame's bytes after the handler ran.
   */
  dispatch(
    frame: Buffer,
    conn: ConnectionInfo,
    logger: Logger,
    receivedAt: number,
    lease?: FrameLease,
  ): DispatchOutcome | Promise<DispatchOutcome> {
    const decoded = decodeRequestFrame(frame, this.decodeOptions)
    switch (decoded.kind) {
      case 'malformed': {
        const p = decoded.prefix
        logger.warn(
          {
            apiKey: p?.apiKey,
            apiVersion: p?.apiVersion,
            correlationId: p?.correlationId,
            err: decoded.error.message,
          },
          'malformed request; closing the connection',
        )
        return { kind: 'close', reason: 'malformed request' }
      }
      case 'unknown-api':
        logger.warn(
          { apiKey: decoded.prefix.apiKey, correlationId: decoded.prefix.correlationId },
          'request for an API this broker does not serve; closing the connection',
        )
        return { kind: 'close', reason: `unknown API key ${decoded.prefix.apiKey}` }
      case 'unsupported-version': {
        if (decoded.apiKey === API_VERSIONS_KEY) {
          logger.info(
            { apiVersion: decoded.apiVersion, supported: decoded.supported },
            'unsupported ApiVersions version; answering with the v0 fallback',
          )
          return this.encode(
            API_VERSIONS_KEY,
            0,
            decoded.header.correlationId,
            logger,
            unsupportedApiVersionsBody(this.services.apiVersions),
          )
        }
        logger.warn(
          {
            api: decoded.codec.name,
            apiVersion: decoded.apiVersion,
            supported: decoded.supported,
            correlationId: decoded.header.correlationId,
          },
          'unsupported request version; closing the connection',
        )
        return { kind: 'close', reason: `unsupported ${decoded.codec.name} v${decoded.apiVersion}` }
      }
      case 'ok':
        break
    }

    const handler = this.registry.get(decoded.apiKey)!
    const { header, apiKey, apiVersion } = decoded
    if (!allowedBeforeDispatch(conn.auth, apiKey)) {
      logger.warn({ api: handler.name }, 'request not allowed before authentication; closing the connection')
      return { kind: 'close', reason: 'authentication required' }
    }
    const ctx = new Context(
      this.services,
      conn,
      header,
      apiVersion,
      frame.length,
      receivedAt,
      logger,
      handler.name,
      apiKey === ApiKey.Produce ? lease : undefined,
    )
    if (this.tracing())
      ctx.logger.trace({ clientId: header.clientId, request: traceable(decoded.body) }, 'request')

    let result: unknown
    try {
      result = handler.handle(ctx, decoded.body as never)
    } catch (err) {
      return this.fail(handler, ctx, header, decoded.body, err)
    }
    if (result instanceof Promise)
      return result.then(
        (r: unknown) => this.finish(handler, ctx, header, decoded.body, r),
        (err: unknown) => this.fail(handler, ctx, header, decoded.body, err),
      )
    return this.finish(handler, ctx, header, decoded.body, result)
  }

  private finish(
    handler: AnyHandler,
    ctx: Context,
    header: RequestHeader,
    request: unknown,
    result: unknown,
  ): DispatchOutcome | Promise<DispatchOutcome> {
    if (result === NO_RESPONSE) {
      if (this.tracing()) ctx.logger.trace('no response (by protocol)')
      return ctx.settle(NONE)
    }
    if (result instanceof CloseConnection) return ctx.settle({ kind: 'close-after', reason: result.reason })
    if (typeof result !== 'object' || result === null)
      return this.fail(
        handler,
        ctx,
        header,
        request,
        new TypeError(`${handler.name} handler returned ${typeof result}`),
      )
    if (this.tracing()) ctx.logger.trace({ response: traceable(result) }, 'response')
    try {
      return ctx.settle(this.encodeOrThrow(ctx.apiKey, ctx.apiVersion, header.correlationId, result))
    } catch (err) {
      ctx.logger.error({ err }, 'response could not be encoded')
      return this.errorOutcome(handler, ctx, header, request, ErrorCode.UNKNOWN_SERVER_ERROR, null)
    }
  }

  private fail(
    handler: AnyHandler,
    ctx: Context,
    header: RequestHeader,
    request: unknown,
    err: unknown,
  ): DispatchOutcome | Promise<DispatchOutcome> {
    const code = toErrorCode(err)
    if (err instanceof KafkaError)
      ctx.logger.debug({ code: err.errorName, msg: err.message }, 'request failed')
    else ctx.logger.error({ err }, 'handler failed')
    const message = err instanceof KafkaError ? err.errorMessage : null
    return this.errorOutcome(handler, ctx, header, request, code, message)
  }

  private errorOutcome(
    handler: AnyHandler,
    ctx: Context,
    header: RequestHeader,
    request: unknown,
    code: number,
    message: string | null,
  ): DispatchOutcome | Promise<DispatchOutcome> {
    if (handler.errorResponse === undefined && errorResponses === undefined)
      return loadErrorResponses().then(
        () => this.errorOutcome(handler, ctx, header, request, code, message),
        (err: unknown) => {
          ctx.logger.error({ err }, 'error responses could not be loaded; closing the connection')
          return ctx.settle({ kind: 'close', reason: 'unanswerable request' })
        },
      )
    try {
      const body =
        handler.errorResponse !== undefined
          ? handler.errorResponse(request as never, code, message, ctx)
          : errorResponses!.errorResponseFor(ctx.apiKey, ctx.apiVersion, request as object, code, message)
      if (this.tracing()) ctx.logger.trace({ response: traceable(body) }, 'error response')
      return ctx.settle(this.encodeOrThrow(ctx.apiKey, ctx.apiVersion, header.correlationId, body))
    } catch (err) {
      ctx.logger.error({ err }, 'error response could not be built; closing the connection')
      return ctx.settle({ kind: 'close', reason: 'unanswerable request' })
    }
  }

  private encode(
    apiKey: number,
    apiVersion: number,
    correlationId: number,
    logger: Logger,
    body: object,
  ): DispatchOutcome {
    try {
      return this.encodeOrThrow(apiKey, apiVersion, correlationId, body)
    } catch (err) {
      logger.error({ err }, 'response could not be encoded; closing the connection')
      return { kind: 'close', reason: 'unencodable response' }
    }
  }

  private encodeOrThrow(
    apiKey: number,
    apiVersion: number,
    correlationId: number,
    body: object,
  ): DispatchOutcome {
    // Encoded into one reused scratch Writer; a small response (most of them: produce acks,
    // heartbeats, commits) is copied out at its exact size and the scratch kept, instead of a
    // fresh 1 KiB Writer per response. A larger one, or one that keeps payloads by reference
    // (fetch), takes the scratch's memory with it and the next response starts a new scratch.
    const w = (this.scratch ??= new Writer(SCRATCH_BYTES))
    w.reset()
    writeResponseFrame(w, apiKey, apiVersion, correlationId, body)
    const bytes = w.length
    const copy = bytes <= SCRATCH_BYTES ? w.copyOut() : undefined
    if (copy !== undefined) return { kind: 'response', chunks: [copy], bytes }
    this.scratch = undefined
    return { kind: 'response', chunks: w.toChunks(), bytes }
  }
}
