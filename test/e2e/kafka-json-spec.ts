// An independent reader of Kafka wire frames, driven by Kafka's own JSON message specs
// (../shared/kafka-protocol/message), for checking the bytes our client and broker exchange without
// going through our codec (which is generated from our own declarations). It knows the primitive
// types, nullable and compact (flexible-version) encodings, per-field flexibleVersions overrides,
// tagged fields, inline and common structs, and the request/response header versions. It decodes
// to plain objects keyed by the specs' field names and insists every byte of a frame is consumed.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const SPEC_DIR =
  process.env.KAFKA_MESSAGE_DIR ??
  join(import.meta.dirname, '..', '..', '..', 'shared', 'kafka-protocol', 'message')

export const specsPresent = existsSync(SPEC_DIR)

interface JsonField {
  name: string
  type: string
  versions?: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  flexibleVersions?: string
  fields?: JsonField[]
}

interface JsonSpec {
  apiKey?: number
  type: string
  name: string
  validVersions: string
  flexibleVersions: string
  fields: JsonField[]
  commonStructs?: Array<{ name: string; fields: JsonField[] }>
}

export type Decoded = { [name: string]: unknown }

let cache: Map<string, JsonSpec> | undefined

function specs(): Map<string, JsonSpec> {
  if (cache !== undefined) return cache
  cache = new Map()
  for (const n of readdirSync(SPEC_DIR).filter((f) => f.endsWith('.json'))) {
    const text = readFileSync(join(SPEC_DIR, n), 'utf8').replace(/^\s*\/\/.*$/gm, '')
    const spec = JSON.parse(text) as JsonSpec
    cache.set(spec.name, spec)
  }
  return cache
}

function specFor(apiKey: number, type: 'request' | 'response'): JsonSpec {
  for (const s of specs().values()) if (s.apiKey === apiKey && s.type === type) return s
  throw new Error(`no ${type} spec for API key ${apiKey}`)
}

/** "0+", "3-5", "7", "none". */
function inVersions(spec: string | undefined, v: number): boolean {
  if (spec === undefined || spec === 'none') return false
  const plus = /^(\d+)\+$/.exec(spec)
  if (plus) return v >= Number(plus[1])
  const range = /^(\d+)-(\d+)$/.exec(spec)
  if (range) return v >= Number(range[1]) && v <= Number(range[2])
  return v === Number(spec)
}

/** The highest version a spec declares. */
export function maxVersionOf(apiKey: number, type: 'request' | 'response'): number {
  const valid = specFor(apiKey, type).validVersions
  const m = /(\d+)$/.exec(valid)
  return Number(m![1])
}

class Cursor {
  pos = 0
  readonly buf: Buffer
  constructor(buf: Buffer) {
    this.buf = buf
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new Error(`frame ends at ${this.buf.length}, need ${this.pos + n}`)
  }
  int8(): number {
    this.need(1)
    return this.buf.readInt8(this.pos++)
  }
  int16(): number {
    this.need(2)
    const v = this.buf.readInt16BE(this.pos)
    this.pos += 2
    return v
  }
  uint16(): number {
    this.need(2)
    const v = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return v
  }
  int32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }
  uint32(): number {
    this.need(4)
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }
  int64(): bigint {
    this.need(8)
    const v = this.buf.readBigInt64BE(this.pos)
    this.pos += 8
    return v
  }
  float64(): number {
    this.need(8)
    const v = this.buf.readDoubleBE(this.pos)
    this.pos += 8
    return v
  }
  uvarint(): number {
    let v = 0
    let shift = 0
    for (;;) {
      this.need(1)
      const b = this.buf[this.pos++]!
      v += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return v
      shift += 7
      if (shift > 28) throw new Error('uvarint too long')
    }
  }
  bytes(n: number): Buffer {
    this.need(n)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }
}

function readLength(c: Cursor, compact: boolean, wide: boolean): number {
  if (compact) return c.uvarint() - 1
  return wide ? c.int32() : c.int16()
}

function readStruct(
  c: Cursor,
  fields: readonly JsonField[],
  spec: JsonSpec,
  v: number,
  flexible: boolean,
): Decoded {
  const out: Decoded = {}
  const tagged = new Map<number, JsonField>()
  for (const f of fields) {
    if (f.taggedVersions !== undefined && inVersions(f.taggedVersions, v)) {
      tagged.set(f.tag!, f)
      continue
    }
    if (!inVersions(f.versions, v)) continue
    out[f.name] = readValue(c, f, spec, v, flexible)
  }
  if (flexible) {
    const n = c.uvarint()
    for (let i = 0; i < n; i++) {
      const tag = c.uvarint()
      const size = c.uvarint()
      const body = new Cursor(c.bytes(size))
      const f = tagged.get(tag)
      if (f === undefined) {
        out[`_unknownTag${tag}`] = body.buf
        continue
      }
      out[f.name] = readValue(body, f, spec, v, flexible)
      if (body.pos !== body.buf.length)
        throw new Error(`tagged field ${f.name}: ${body.buf.length - body.pos} bytes left`)
    }
  }
  return out
}

function structFields(type: string, f: JsonField, spec: JsonSpec): JsonField[] | undefined {
  if (f.fields !== undefined) return f.fields
  return spec.commonStructs?.find((s) => s.name === type)?.fields
}

function readValue(c: Cursor, f: JsonField, spec: JsonSpec, v: number, flexibleMessage: boolean): unknown {
  const flexible = f.flexibleVersions !== undefined ? inVersions(f.flexibleVersions, v) : flexibleMessage
  const nullable = inVersions(f.nullableVersions, v)
  if (f.type.startsWith('[]')) {
    const n = readLength(c, flexible, true)
    if (n < 0) {
      if (!nullable) throw new Error(`${f.name}: null array where not nullable`)
      return null
    }
    const elem = f.type.slice(2)
    const sf = structFields(elem, f, spec)
    const items: unknown[] = []
    for (let i = 0; i < n; i++)
      items.push(
        sf !== undefined
          ? readStruct(c, sf, spec, v, flexibleMessage)
          : readPrimitive(c, elem, f, flexible, nullable),
      )
    return items
  }
  const sf = structFields(f.type, f, spec)
  if (sf !== undefined) return readStruct(c, sf, spec, v, flexibleMessage)
  return readPrimitive(c, f.type, f, flexible, nullable)
}

function readPrimitive(c: Cursor, type: string, f: JsonField, flexible: boolean, nullable: boolean): unknown {
  switch (type) {
    case 'bool':
      return c.int8() !== 0
    case 'int8':
      return c.int8()
    case 'int16':
      return c.int16()
    case 'uint16':
      return c.uint16()
    case 'int32':
      return c.int32()
    case 'uint32':
      return c.uint32()
    case 'int64':
      return c.int64()
    case 'float64':
      return c.float64()
    case 'uuid':
      return c.bytes(16).toString('hex')
    case 'string': {
      const n = readLength(c, flexible, false)
      if (n < 0) {
        if (!nullable) throw new Error(`${f.name}: null string where not nullable`)
        return null
      }
      return c.bytes(n).toString('utf8')
    }
    case 'bytes':
    case 'records': {
      const n = readLength(c, flexible, true)
      if (n < 0) {
        if (!nullable) throw new Error(`${f.name}: null bytes where not nullable`)
        return null
      }
      return Buffer.from(c.bytes(n))
    }
    default:
      throw new Error(`${f.name}: unknown type ${type}`)
  }
}

function isFlexible(spec: JsonSpec, v: number): boolean {
  return inVersions(spec.flexibleVersions, v)
}

export interface DecodedRequest {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
  body: Decoded
}

/**
 * Decodes a request frame (without its size prefix). `specVersion` maps a request version to the
 * version whose layout it has, for versions newer than the specs (e.g. Produce 12 = 11).
 */
export function decodeRequest(
  frame: Buffer,
  specVersion: (key: number, v: number) => number = (_, v) => v,
): DecodedRequest {
  const c = new Cursor(frame)
  const apiKey = c.int16()
  const apiVersion = c.int16()
  const correlationId = c.int32()
  const spec = specFor(apiKey, 'request')
  const sv = specVersion(apiKey, apiVersion)
  if (!inVersions(spec.validVersions, sv))
    throw new Error(`${spec.name} v${sv} is not in the spec (${spec.validVersions})`)
  const headerSpec = specs().get('RequestHeader')!
  const headerVersion = isFlexible(spec, sv) ? 2 : 1
  const rest = readStruct(
    c,
    headerSpec.fields.filter(
      (f) => !['RequestApiKey', 'RequestApiVersion', 'CorrelationId'].includes(f.name),
    ),
    headerSpec,
    headerVersion,
    headerVersion >= 2,
  )
  const body = readStruct(c, spec.fields, spec, sv, isFlexible(spec, sv))
  if (c.pos !== frame.length)
    throw new Error(`${spec.name} v${apiVersion}: ${frame.length - c.pos} bytes left over`)
  return { apiKey, apiVersion, correlationId, clientId: (rest.ClientId as string | null) ?? null, body }
}

/** Decodes a response frame for a request of `apiKey`/`apiVersion` (ApiVersions: header v0 always). */
export function decodeResponse(
  frame: Buffer,
  apiKey: number,
  apiVersion: number,
  specVersion = apiVersion,
): { correlationId: number; body: Decoded } {
  const c = new Cursor(frame)
  const spec = specFor(apiKey, 'response')
  if (!inVersions(spec.validVersions, specVersion))
    throw new Error(`${spec.name} v${specVersion} is not in the spec (${spec.validVersions})`)
  const flexible = isFlexible(spec, specVersion)
  const correlationId = c.int32()
  if (flexible && apiKey !== 18) readStruct(c, [], spec, 1, true)
  const body = readStruct(c, spec.fields, spec, specVersion, flexible)
  if (c.pos !== frame.length)
    throw new Error(`${spec.name} v${apiVersion}: ${frame.length - c.pos} bytes left over`)
  return { correlationId, body }
}
