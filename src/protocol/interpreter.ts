// A second, deliberately slow codec that walks the schema declarations at run time.
//
// It exists as a test oracle for the generated codec (src/protocol/generated/): both are derived
// from the same declarations but by separate code, so an emitter bug shows up as a disagreement in
// bytes or in decoded objects (test/protocol/roundtrip.test.ts). It is written from Kafka's
// encoding rules, not from scripts/protocol-codegen.ts, and shares only the Reader/Writer
// primitives (which have their own tests). Not used on any serving path.
//
// Values are plain objects keyed by field name, in the same shape the generated decoders return:
// every field present (defaults for fields absent from the version), int64 as bigint, uuid as a
// 22-character string, bytes/records as Buffer, and `_unknownTags` only when asked to keep them.

import { EncodeError, ProtocolError } from './errors-protocol.ts'
import { Reader, type UnknownTag } from './primitives/reader.ts'
import { Writer } from './primitives/writer.ts'
import { ZERO_UUID } from './primitives/uuid.ts'
import type { FieldSpec, MessageSpec, PrimitiveKind, StructSpec, TypeSpec } from './schema/dsl.ts'
import { contains, isEmpty } from './schema/versions.ts'

export interface StructValue {
  [field: string]: unknown
  _unknownTags?: UnknownTag[]
}

/** What one field holds when the version lacks it or the encoder was not given it. */
export function defaultOf(field: FieldSpec): unknown {
  if (field.default !== undefined) return field.default
  return implicitDefault(field.type, !isEmpty(field.nullableVersions))
}

function implicitDefault(t: TypeSpec, nullableSomewhere: boolean): unknown {
  if (t.kind === 'array') return []
  if (t.kind === 'struct') return defaultStruct(t.struct)
  switch (t.primitive) {
    case 'bool':
      return false
    case 'int64':
      return 0n
    case 'uuid':
      return ZERO_UUID
    case 'string':
      return ''
    case 'bytes':
      return Buffer.alloc(0)
    // Kafka's generator defaults a records field to null when it can be null.
    case 'records':
      return nullableSomewhere ? null : Buffer.alloc(0)
    default:
      return 0
  }
}

export function defaultStruct(s: StructSpec): StructValue {
  const out: StructValue = {}
  for (const field of s.fields) out[field.name] = defaultOf(field)
  return out
}

/** Context shared by one decode or encode walk. */
interface Ctx {
  readonly v: number
  readonly flexible: boolean
  readonly keep: boolean
  readonly where: string
}

function ctxFor(m: MessageSpec, v: number, keep: boolean): Ctx {
  if (!contains(m.validVersions, v)) throw new EncodeError(`${m.name}: version ${v} is not valid`)
  return { v, flexible: contains(m.flexibleVersions, v), keep, where: m.name }
}

// ---------------------------------------------------------------------------------------------
// Decoding

export function interpretDecode(m: MessageSpec, r: Reader, v: number, keepUnknownTags = false): StructValue {
  return decodeStruct(m.struct, r, ctxFor(m, v, keepUnknownTags))
}

function decodeStruct(s: StructSpec, r: Reader, ctx: Ctx): StructValue {
  const out: StructValue = {}
  for (const field of s.fields) {
    const present = contains(field.versions, ctx.v)
    const tagged = contains(field.taggedVersions, ctx.v)
    out[field.name] = present && !tagged ? decodeField(field, r, ctx) : defaultOf(field)
  }
  if (!ctx.flexible) return out
  const count = r.uvarint()
  const unknown: UnknownTag[] = []
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint()
    const size = r.uvarint()
    if (size > r.remaining) throw new ProtocolError(`tag ${tag}: ${size} bytes past the end`)
    const field = s.fields.find(
      (fl) => fl.tag === tag && contains(fl.taggedVersions, ctx.v) && contains(fl.versions, ctx.v),
    )
    const window = new Reader(r.buf, r.pos, r.pos + size)
    if (field !== undefined) out[field.name] = decodeField(field, window, ctx)
    else if (ctx.keep) unknown.push({ tag, data: r.buf.subarray(r.pos, r.pos + size) })
    r.pos += size
  }
  if (unknown.length > 0) out._unknownTags = unknown
  return out
}

function decodeField(field: FieldSpec, r: Reader, ctx: Ctx): unknown {
  const nullable = contains(field.nullableVersions, ctx.v)
  // Only primitives honour a 'none' override; Kafka applies it to the header's clientId string.
  const compact = ctx.flexible && field.flexibleOverride !== 'none'
  return decodeType(field.type, r, ctx, nullable, compact, field.name)
}

function decodeType(
  t: TypeSpec,
  r: Reader,
  ctx: Ctx,
  nullable: boolean,
  compact: boolean,
  name: string,
): unknown {
  if (t.kind === 'struct') {
    if (nullable && r.int8() < 0) return null
    return decodeStruct(t.struct, r, ctx)
  }
  if (t.kind === 'array') {
    const n = compact ? r.uvarint() - 1 : r.int32()
    if (n < -1) throw new ProtocolError(`${name}: array length ${n}`)
    if (n === -1) {
      if (nullable) return null
      throw new ProtocolError(`${name}: null array in a non-nullable version`)
    }
    // Every element takes at least one byte except a struct with no fields in this version.
    if (n > r.remaining && !(t.items.kind === 'struct' && !ctx.flexible))
      throw new ProtocolError(`${name}: array length ${n} beyond the frame`)
    const items: unknown[] = []
    // Items are never nullable and always follow the message's compactness.
    for (let i = 0; i < n; i++) items.push(decodeType(t.items, r, ctx, false, ctx.flexible, name))
    return items
  }
  return decodePrimitive(t.primitive, r, nullable, compact, name)
}

function decodePrimitive(
  p: PrimitiveKind,
  r: Reader,
  nullable: boolean,
  compact: boolean,
  name: string,
): unknown {
  switch (p) {
    case 'bool':
      return r.bool()
    case 'int8':
      return r.int8()
    case 'int16':
      return r.int16()
    case 'uint16':
      return r.uint16()
    case 'int32':
      return r.int32()
    case 'uint32':
      return r.uint32()
    case 'int64':
      return r.int64()
    case 'float64':
      return r.float64()
    case 'uuid':
      return r.uuid()
    case 'string': {
      const len = compact ? r.uvarint() - 1 : r.int16()
      if (len < -1) throw new ProtocolError(`${name}: string length ${len}`)
      if (len === -1) {
        if (nullable) return null
        throw new ProtocolError(`${name}: null string in a non-nullable version`)
      }
      if (len > r.remaining) throw new ProtocolError(`${name}: string past the end`)
      const s = r.buf.toString('utf8', r.pos, r.pos + len)
      r.pos += len
      return s
    }
    case 'bytes':
    case 'records': {
      const len = compact ? r.uvarint() - 1 : r.int32()
      if (len < -1) throw new ProtocolError(`${name}: bytes length ${len}`)
      if (len === -1) {
        if (nullable) return null
        throw new ProtocolError(`${name}: null bytes in a non-nullable version`)
      }
      if (len > r.remaining) throw new ProtocolError(`${name}: bytes past the end`)
      const b = r.buf.subarray(r.pos, r.pos + len)
      r.pos += len
      return b
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function interpretEncode(m: MessageSpec, w: Writer, v: number, value: StructValue): void {
  encodeStruct(m.struct, w, ctxFor(m, v, true), value)
}

/** Convenience: the encoding as one Buffer. */
export function interpretEncodeToBuffer(m: MessageSpec, v: number, value: StructValue): Buffer {
  const w = new Writer()
  interpretEncode(m, w, v, value)
  return w.toBuffer()
}

function encodeStruct(s: StructSpec, w: Writer, ctx: Ctx, value: StructValue): void {
  const tagged: Array<[number, Buffer]> = []
  for (const field of s.fields) {
    const given = value[field.name]
    const val = given === undefined ? defaultOf(field) : given
    const where = `${ctx.where}.${field.name}`
    if (!contains(field.versions, ctx.v)) {
      // Kafka's rule: a non-default value the version cannot carry is an error unless ignorable.
      if (!field.ignorable && given !== undefined && !isDefault(field, given))
        throw new EncodeError(`${where} is not supported at version ${ctx.v}`)
      continue
    }
    if (contains(field.taggedVersions, ctx.v)) {
      if (isDefault(field, val)) continue
      const tw = new Writer(64)
      encodeField(field, tw, { ...ctx, where }, val, true)
      tagged.push([field.tag!, tw.toBuffer()])
      continue
    }
    encodeField(field, w, { ...ctx, where }, val, false)
  }
  if (!ctx.flexible) return
  for (const u of value._unknownTags ?? []) tagged.push([u.tag, u.data])
  tagged.sort((a, b) => a[0] - b[0])
  w.uvarint(tagged.length)
  for (const [tag, data] of tagged) {
    w.uvarint(tag)
    w.uvarint(data.length)
    w.raw(data)
  }
}

function encodeField(field: FieldSpec, w: Writer, ctx: Ctx, val: unknown, taggedValue: boolean): void {
  const nullable = contains(field.nullableVersions, ctx.v)
  // Tagged values only exist in flexible versions, so they always use compact forms.
  const compact = taggedValue || (ctx.flexible && field.flexibleOverride !== 'none')
  encodeType(field.type, w, ctx, val, nullable, compact)
}

function encodeType(
  t: TypeSpec,
  w: Writer,
  ctx: Ctx,
  val: unknown,
  nullable: boolean,
  compact: boolean,
): void {
  if (val === null) {
    if (!nullable) throw new EncodeError(`null in non-nullable field ${ctx.where} at v${ctx.v}`)
    if (t.kind === 'struct') w.int8(-1)
    else if (t.kind === 'array') writeLength(w, compact, -1, 4)
    else if (t.primitive === 'string') writeLength(w, compact, -1, 2)
    else writeLength(w, compact, -1, 4)
    return
  }
  if (t.kind === 'struct') {
    if (nullable) w.int8(1)
    encodeStruct(t.struct, w, ctx, val as StructValue)
    return
  }
  if (t.kind === 'array') {
    const items = val as unknown[]
    writeLength(w, compact, items.length, 4)
    for (const item of items) encodeType(t.items, w, ctx, item, false, ctx.flexible)
    return
  }
  switch (t.primitive) {
    case 'bool':
      return w.bool(val as boolean)
    case 'int8':
      return w.int8(val as number)
    case 'int16':
      return w.int16(val as number)
    case 'uint16':
      return w.uint16(val as number)
    case 'int32':
      return w.int32(val as number)
    case 'uint32':
      return w.uint32(val as number)
    case 'int64':
      return w.int64(val as bigint)
    case 'float64':
      return w.float64(val as number)
    case 'uuid':
      return w.uuid(val as string)
    case 'string': {
      const b = Buffer.from(val as string, 'utf8')
      if (!compact && b.length > 0x7fff) throw new EncodeError(`${ctx.where}: string too long`)
      writeLength(w, compact, b.length, 2)
      w.raw(b)
      return
    }
    case 'bytes':
    case 'records': {
      const b = val as Buffer
      writeLength(w, compact, b.length, 4)
      w.raw(b)
      return
    }
  }
}

/** Compact lengths are uvarint(n + 1) with 0 for null; classic ones are int16/int32 with -1. */
function writeLength(w: Writer, compact: boolean, n: number, classicWidth: 2 | 4): void {
  if (compact) w.uvarint(n + 1)
  else if (classicWidth === 2) w.int16(n)
  else w.int32(n)
}

/** Whether a value equals the field's default (tagged fields are written only when it does not). */
export function isDefault(field: FieldSpec, val: unknown): boolean {
  const d = defaultOf(field)
  if (field.type.kind === 'struct' && val !== null && d !== null)
    return structIsDefault(field.type.struct, val)
  return deepEqual(val, d)
}

/** A struct value (possibly partial, Init-style) equals its default when every field does. */
function structIsDefault(s: StructSpec, val: unknown): boolean {
  const sv = val as StructValue
  if (sv._unknownTags !== undefined && sv._unknownTags.length > 0) return false
  return s.fields.every((fl) => sv[fl.name] === undefined || isDefault(fl, sv[fl.name]))
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b)
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
  return a.every((x, i) => deepEqual(x, b[i]))
}
