// Request and response frames: header + body, on top of the generated codec.
//
// A frame (what FrameDecoder emits: the bytes after the int32 size) is
//   request:  RequestHeader v1 or v2, then the request body
//   response: ResponseHeader v0 or v1, then the response body
// Request header v2 (tagged fields) when the API version is flexible, else v1; its clientId is a
// classic int16-length nullable string in both. Response header v1 when the version is flexible,
// else v0 — except ApiVersions, whose response header is always v0 (KIP-511: a client must read it
// before it knows which versions the broker speaks). ControlledShutdown v0's header v0 is not
// needed: we do not serve that API.
//
// Decoding answers with a typed result rather than throwing, because each outcome leads to a
// different action by the connection: `ok` → dispatch; `unsupported-version` → for ApiVersions,
// answer with the v0-shaped UNSUPPORTED_VERSION body, otherwise close; `unknown-api` → close;
// `malformed` → close (Kafka sends nothing back in the last three cases but the first).

import { ProtocolError } from './errors-protocol.ts'
import { CODEC_BY_KEY, type ApiCodec } from './generated/index.ts'
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  type RequestHeader,
} from './generated/headers.ts'
import { Reader } from './primitives/reader.ts'
import { Writer } from './primitives/writer.ts'

export const API_VERSIONS_KEY = 18

/** Inclusive version range a server accepts for one API key. */
export interface VersionSpan {
  readonly min: number
  readonly max: number
}

/** Which versions of an API key are served; undefined when the key is not served at all. */
export type SupportedVersions = (apiKey: number) => VersionSpan | undefined

/** Default policy: everything the codec declares. */
export const codecVersions: SupportedVersions = (apiKey) => {
  const c = CODEC_BY_KEY[apiKey]
  return c === undefined ? undefined : { min: c.minVersion, max: c.maxVersion }
}

/** Whether `version` of the API is flexible. Versions past the declared max stay flexible when the
 * API ever was (flexible ranges are open-ended), so a too-new request's header still parses. */
export function isFlexible(codec: ApiCodec, version: number): boolean {
  return codec.flexibleFrom >= 0 && version >= codec.flexibleFrom
}

export function requestHeaderVersion(codec: ApiCodec, version: number): 1 | 2 {
  return isFlexible(codec, version) ? 2 : 1
}

export function responseHeaderVersion(codec: ApiCodec, version: number): 0 | 1 {
  if (codec.key === API_VERSIONS_KEY) return 0
  return isFlexible(codec, version) ? 1 : 0
}

/** The fixed start of every request header; readable even for an API we do not know. */
export interface RequestPrefix {
  apiKey: number
  apiVersion: number
  correlationId: number
}

export type DecodedRequest =
  | {
      kind: 'ok'
      header: RequestHeader
      apiKey: number
      apiVersion: number
      codec: ApiCodec
      /** The decoded body; its type is the API's generated `<Name>Request`. */
      body: unknown
    }
  | {
      kind: 'unsupported-version'
      header: RequestHeader
      apiKey: number
      apiVersion: number
      codec: ApiCodec
      supported: VersionSpan
    }
  | { kind: 'unknown-api'; prefix: RequestPrefix }
  | { kind: 'malformed'; prefix: RequestPrefix | undefined; error: ProtocolError }

export interface DecodeRequestOptions {
  /** Served versions per key (the broker's handler registry); defaults to the codec's ranges. */
  supported?: SupportedVersions
  /** Keep unknown tagged fields on the decoded header and body (tests, proxies). */
  keepUnknownTags?: boolean
}

/** Decodes one request frame (header and body). Never throws for bad input. */
export function decodeRequestFrame(frame: Buffer, options: DecodeRequestOptions = {}): DecodedRequest {
  if (frame.length < 8)
    return {
      kind: 'malformed',
      prefix: undefined,
      error: new ProtocolError(`request frame of ${frame.length} bytes is shorter than a header`),
    }
  // The prefix as locals: its object is made only for the results that carry it (errors).
  const apiKey = frame.readInt16BE(0)
  const apiVersion = frame.readInt16BE(2)
  const codec = CODEC_BY_KEY[apiKey]
  const span = codec === undefined ? undefined : (options.supported ?? codecVersions)(apiKey)
  if (codec === undefined || span === undefined)
    return { kind: 'unknown-api', prefix: { apiKey, apiVersion, correlationId: frame.readInt32BE(4) } }

  const keep = options.keepUnknownTags ?? false
  const r = new Reader(frame)
  try {
    const header = decodeRequestHeader(r, requestHeaderVersion(codec, apiVersion), keep)
    if (
      apiVersion < span.min ||
      apiVersion > span.max ||
      apiVersion < codec.minVersion ||
      apiVersion > codec.maxVersion
    )
      return {
        kind: 'unsupported-version',
        header,
        apiKey,
        apiVersion,
        codec,
        supported: { min: Math.max(span.min, codec.minVersion), max: Math.min(span.max, codec.maxVersion) },
      }
    const body = codec.decodeRequest(r, apiVersion, keep)
    return { kind: 'ok', header, apiKey, apiVersion, codec, body }
  } catch (err) {
    if (err instanceof ProtocolError)
      return {
        kind: 'malformed',
        prefix: { apiKey, apiVersion, correlationId: frame.readInt32BE(4) },
        error: err,
      }
    throw err
  }
}

function codecFor(apiKey: number): ApiCodec {
  const codec = CODEC_BY_KEY[apiKey]
  if (codec === undefined) throw new RangeError(`no codec for API key ${apiKey}`)
  return codec
}

/**
 * Encodes a response frame: int32 size, response header, body. Returns the Writer's chunks, so large
 * payloads (record sets) are referenced, not copied; write them to the socket in order.
 */
export function encodeResponseFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: object,
  writer: Writer = new Writer(1024),
): Buffer[] {
  writeResponseFrame(writer, apiKey, apiVersion, correlationId, body)
  return writer.toChunks()
}

/** Writes a response frame (int32 size, response header, body) into `writer`. */
export function writeResponseFrame(
  writer: Writer,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: object,
): void {
  const codec = codecFor(apiKey)
  const start = writer.length
  writer.int32(0)
  encodeResponseHeader(writer, responseHeaderVersion(codec, apiVersion), { correlationId })
  codec.encodeResponse(writer, apiVersion, body)
  writer.patchInt32(start, writer.length - start - 4)
}

export interface RequestFrameHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
}

/** Encodes a request frame (clients, tools, tests): int32 size, request header, body. */
export function encodeRequestFrame(
  header: RequestFrameHeader,
  body: object,
  writer: Writer = new Writer(1024),
): Buffer[] {
  const codec = codecFor(header.apiKey)
  const start = writer.length
  writer.int32(0)
  encodeRequestHeader(writer, requestHeaderVersion(codec, header.apiVersion), {
    requestApiKey: header.apiKey,
    requestApiVersion: header.apiVersion,
    correlationId: header.correlationId,
    clientId: header.clientId,
  })
  codec.encodeRequest(writer, header.apiVersion, body)
  writer.patchInt32(start, writer.length - start - 4)
  return writer.toChunks()
}

/**
 * Decodes a response frame (after the size prefix). A client knows the API and version from the
 * correlation id it sent, so they are arguments. Throws ProtocolError on malformed bytes.
 */
export function decodeResponseFrame(
  apiKey: number,
  apiVersion: number,
  frame: Buffer,
  keepUnknownTags = false,
): { correlationId: number; body: unknown } {
  const codec = codecFor(apiKey)
  const r = new Reader(frame)
  const { correlationId } = decodeResponseHeader(r, responseHeaderVersion(codec, apiVersion), keepUnknownTags)
  return { correlationId, body: codec.decodeResponse(r, apiVersion, keepUnknownTags) }
}
