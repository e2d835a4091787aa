// The schema DSL: how every Kafka message is declared, once, in our own TypeScript form.
//
// The vocabulary mirrors Kafka's JSON message specs word for word (versions, nullableVersions,
// taggedVersions, tag, default, ignorable, flexibleVersions) so that a declaration can be read side
// by side with the official spec. From these declarations scripts/gen-protocol.ts emits the codec in
// src/protocol/generated/, and src/protocol/interpreter.ts walks them directly as a test oracle.
//
// Rules enforced here (each has a rejection test in test/protocol/schema/dsl.test.ts):
//  - a field's versions lie inside the message's valid versions;
//  - nullable versions only for nullable kinds (string, bytes, records, arrays, structs);
//  - tagged fields have a non-negative tag unique within their struct, open-ended tagged versions
//    that lie inside both the field's versions and the message's flexible versions;
//  - a null default is allowed only when the field is nullable in every version it exists;
//  - struct names are unique within a message unless they are the very same declaration.

import {
  OPEN_MAX,
  ALL_VERSIONS,
  NO_VERSIONS,
  type VersionRange,
  contains,
  formatVersions,
  isEmpty,
  isOpenEnded,
  isSubset,
  parseVersions,
} from './versions.ts'

export type PrimitiveKind =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records'

export type TypeSpec =
  | { readonly kind: 'primitive'; readonly primitive: PrimitiveKind }
  | { readonly kind: 'array'; readonly items: TypeSpec }
  | { readonly kind: 'struct'; readonly struct: StructSpec }

/** A default value as it appears in a declaration; bigint for int64, null for nullable fields. */
export type DefaultValue = boolean | number | bigint | string | null

export interface FieldSpec {
  readonly name: string
  readonly type: TypeSpec
  readonly versions: VersionRange
  readonly nullableVersions: VersionRange
  readonly taggedVersions: VersionRange
  readonly tag: number | undefined
  /** Explicit default; undefined means the type's implicit default. */
  readonly default: DefaultValue | undefined
  readonly ignorable: boolean
  /** 'none' keeps the classic (non-compact) encoding even in flexible versions (header ClientId). */
  readonly flexibleOverride: 'none' | undefined
  readonly entityType: string | undefined
  readonly about: string | undefined
  /** Field holds secrets (SASL tokens): loggers redact it. */
  readonly sensitive: boolean
}

export interface StructSpec {
  readonly name: string
  readonly fields: readonly FieldSpec[]
}

export interface MessageSpec {
  readonly name: string
  readonly struct: StructSpec
  readonly validVersions: VersionRange
  readonly flexibleVersions: VersionRange
}

export interface ApiSpec {
  readonly key: number
  readonly name: string
  readonly validVersions: VersionRange
  readonly flexibleVersions: VersionRange
  /** The highest version is still under development upstream; it is never advertised. */
  readonly latestVersionUnstable: boolean
  readonly request: MessageSpec
  readonly response: MessageSpec
}

export class SchemaError extends Error {
  override name = 'SchemaError'
}

// ---------------------------------------------------------------------------------------------
// Field builders

type FieldShape = 'scalar' | 'nullable-kind'

export class FieldBuilder {
  private versionsText = '0+'
  private nullableText = 'none'
  private taggedText = 'none'
  private tagValue: number | undefined
  private defaultValue: DefaultValue | undefined
  private isIgnorable = false
  private flexOverride: 'none' | undefined
  private entityName: string | undefined
  private aboutText: string | undefined
  private isSensitive = false

  readonly type: TypeSpec
  private readonly shape: FieldShape

  constructor(type: TypeSpec) {
    this.type = type
    this.shape =
      type.kind === 'primitive' &&
      type.primitive !== 'string' &&
      type.primitive !== 'bytes' &&
      type.primitive !== 'records'
        ? 'scalar'
        : 'nullable-kind'
  }

  versions(text: string): this {
    this.versionsText = text
    return this
  }
  nullable(text = '0+'): this {
    if (this.shape === 'scalar') throw new SchemaError(`nullable() on a ${describeType(this.type)} field`)
    this.nullableText = text
    return this
  }
  tag(n: number, taggedVersions: string): this {
    this.tagValue = n
    this.taggedText = taggedVersions
    return this
  }
  default(v: DefaultValue): this {
    this.defaultValue = v
    return this
  }
  ignorable(): this {
    this.isIgnorable = true
    return this
  }
  flexible(v: 'none'): this {
    this.flexOverride = v
    return this
  }
  entity(name: string): this {
    this.entityName = name
    return this
  }
  about(text: string): this {
    this.aboutText = text
    return this
  }
  sensitive(): this {
    this.isSensitive = true
    return this
  }

  /** Resolves the builder into a FieldSpec; called by struct(). */
  build(name: string): FieldSpec {
    const tagged = parseVersions(this.taggedText)
    // Kafka: when only taggedVersions is given, versions defaults to it.
    const versions =
      this.versionsText === '0+' && !isEmpty(tagged) && this.tagValue !== undefined
        ? tagged
        : parseVersions(this.versionsText)
    return {
      name,
      type: this.type,
      versions,
      nullableVersions: parseVersions(this.nullableText),
      taggedVersions: tagged,
      tag: this.tagValue,
      default: this.defaultValue,
      ignorable: this.isIgnorable,
      flexibleOverride: this.flexOverride,
      entityType: this.entityName,
      about: this.aboutText,
      sensitive: this.isSensitive,
    }
  }
}

const prim = (primitive: PrimitiveKind): FieldBuilder => new FieldBuilder({ kind: 'primitive', primitive })

function typeOf(item: FieldBuilder | StructSpec | TypeSpec): TypeSpec {
  if (item instanceof FieldBuilder) return item.type
  if ('fields' in item) return { kind: 'struct', struct: item }
  return item
}

/** Field builders, one per Kafka type. */
export const f = {
  bool: () => prim('bool'),
  int8: () => prim('int8'),
  int16: () => prim('int16'),
  uint16: () => prim('uint16'),
  int32: () => prim('int32'),
  uint32: () => prim('uint32'),
  int64: () => prim('int64'),
  float64: () => prim('float64'),
  uuid: () => prim('uuid'),
  string: () => prim('string'),
  bytes: () => prim('bytes'),
  records: () => prim('records'),
  /** int16 error code: the error-response builder and the logs treat it specially by name. */
  errorCode: () => prim('int16'),
  array: (items: FieldBuilder | StructSpec | TypeSpec) =>
    new FieldBuilder({ kind: 'array', items: typeOf(items) }),
  struct: (s: StructSpec) => new FieldBuilder({ kind: 'struct', struct: s }),
}

/** Declares a named struct. Field order is wire order. */
export function struct(name: string, fields: Record<string, FieldBuilder>): StructSpec {
  const built = Object.entries(fields).map(([fieldName, b]) => b.build(fieldName))
  return { name, fields: built }
}

// ---------------------------------------------------------------------------------------------
// Messages and APIs

export interface ApiDeclaration {
  key: number
  name: string
  valid: string
  flexible: string
  latestVersionUnstable?: boolean
  request: StructSpec | Record<string, FieldBuilder>
  response: StructSpec | Record<string, FieldBuilder>
}

function asStruct(name: string, s: StructSpec | Record<string, FieldBuilder>): StructSpec {
  if ('fields' in s && Array.isArray(s.fields)) return s as StructSpec
  return struct(name, s as Record<string, FieldBuilder>)
}

export function message(
  name: string,
  valid: string,
  flexible: string,
  body: StructSpec | Record<string, FieldBuilder>,
): MessageSpec {
  const spec: MessageSpec = {
    name,
    struct: asStruct(name, body),
    validVersions: parseVersions(valid),
    flexibleVersions: parseVersions(flexible),
  }
  validateMessage(spec)
  return spec
}

export function api(d: ApiDeclaration): ApiSpec {
  const request = message(`${d.name}Request`, d.valid, d.flexible, d.request)
  const response = message(`${d.name}Response`, d.valid, d.flexible, d.response)
  if (!Number.isInteger(d.key) || d.key < 0 || d.key > 0x7fff) throw new SchemaError(`${d.name}: bad api key`)
  return {
    key: d.key,
    name: d.name,
    validVersions: request.validVersions,
    flexibleVersions: request.flexibleVersions,
    latestVersionUnstable: d.latestVersionUnstable ?? false,
    request,
    response,
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

export function validateMessage(m: MessageSpec): void {
  if (isEmpty(m.validVersions)) throw new SchemaError(`${m.name}: no valid versions`)
  if (!isEmpty(m.flexibleVersions) && !isOpenEnded(m.flexibleVersions))
    throw new SchemaError(`${m.name}: flexible versions must be open-ended`)
  const structs = new Map<string, StructSpec>()
  validateStruct(m, m.struct, m.validVersions, structs, true)
}

function validateStruct(
  m: MessageSpec,
  s: StructSpec,
  within: VersionRange,
  structs: Map<string, StructSpec>,
  top: boolean,
): void {
  if (!top) {
    const seen = structs.get(s.name)
    if (seen !== undefined && seen !== s) throw new SchemaError(`${m.name}: duplicate struct name ${s.name}`)
    structs.set(s.name, s)
  }
  const names = new Set<string>()
  const tags = new Set<number>()
  for (const field of s.fields) {
    const where = `${m.name}.${s.name === m.name ? '' : s.name + '.'}${field.name}`
    if (names.has(field.name)) throw new SchemaError(`${where}: duplicate field name`)
    names.add(field.name)
    if (
      !isSubset(intersectOpen(field.versions, m.validVersions), m.validVersions) ||
      field.versions.min < m.validVersions.min ||
      (field.versions.max !== OPEN_MAX && field.versions.max > m.validVersions.max)
    )
      throw new SchemaError(
        `${where}: versions ${formatVersions(field.versions)} outside valid ${formatVersions(m.validVersions)}`,
      )
    // Nullable versions may reach beyond the field's versions (Kafka's specs do); only the overlap counts.
    if (!isEmpty(field.nullableVersions) && !isNullableKind(field.type))
      throw new SchemaError(`${where}: ${describeType(field.type)} cannot be nullable`)
    if (field.tag !== undefined || !isEmpty(field.taggedVersions)) {
      if (field.tag === undefined || !Number.isInteger(field.tag) || field.tag < 0)
        throw new SchemaError(`${where}: tag must be a non-negative integer`)
      if (tags.has(field.tag)) throw new SchemaError(`${where}: duplicate tag ${field.tag}`)
      tags.add(field.tag)
      if (!isOpenEnded(field.taggedVersions))
        throw new SchemaError(`${where}: tagged versions must be open-ended`)
      if (!isSubset(field.taggedVersions, field.versions))
        throw new SchemaError(`${where}: tagged versions outside the field's versions`)
      if (!isSubset(field.taggedVersions, m.flexibleVersions))
        throw new SchemaError(`${where}: tagged versions outside the flexible versions`)
    }
    if (field.default === null) {
      const nullEverywhere =
        !isEmpty(field.nullableVersions) &&
        field.nullableVersions.min <= field.versions.min &&
        field.nullableVersions.max >= field.versions.max
      if (!nullEverywhere)
        throw new SchemaError(`${where}: null default on a field not nullable in every version`)
    } else if (field.default !== undefined) {
      checkDefaultType(where, field)
    }
    const inner = innerStruct(field.type)
    if (inner !== undefined) validateStruct(m, inner, field.versions, structs, false)
  }
  void within
}

function checkDefaultType(where: string, field: FieldSpec): void {
  const d = field.default
  const t = field.type
  if (t.kind !== 'primitive') throw new SchemaError(`${where}: only null defaults for arrays and structs`)
  const ok = (() => {
    switch (t.primitive) {
      case 'bool':
        return typeof d === 'boolean'
      case 'int64':
        return typeof d === 'bigint'
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
      case 'float64':
        return typeof d === 'number'
      case 'string':
      case 'uuid':
        return typeof d === 'string'
      case 'bytes':
      case 'records':
        return false
    }
  })()
  if (!ok) throw new SchemaError(`${where}: default ${String(d)} does not fit ${t.primitive}`)
  if (typeof d === 'number' && !Number.isInteger(d) && t.kind === 'primitive' && t.primitive !== 'float64')
    throw new SchemaError(`${where}: non-integer default`)
}

/** An open-ended range ('3+') lies inside a closed one ('0-11') when its start does. */
function intersectOpen(r: VersionRange, valid: VersionRange): VersionRange {
  return r.max === OPEN_MAX && !isEmpty(r) ? { min: r.min, max: Math.max(r.min, valid.max) } : r
}

export function isNullableKind(t: TypeSpec): boolean {
  if (t.kind !== 'primitive') return true
  return t.primitive === 'string' || t.primitive === 'bytes' || t.primitive === 'records'
}

export function innerStruct(t: TypeSpec): StructSpec | undefined {
  if (t.kind === 'struct') return t.struct
  if (t.kind === 'array') return innerStruct(t.items)
  return undefined
}

export function describeType(t: TypeSpec): string {
  switch (t.kind) {
    case 'primitive':
      return t.primitive
    case 'array':
      return `[]${describeType(t.items)}`
    case 'struct':
      return t.struct.name
  }
}

/** Whether the field is present (tagged or not) in version v. */
export function fieldPresent(field: FieldSpec, v: number): boolean {
  return contains(field.versions, v)
}

/** Whether the field is written as a tagged field in version v. */
export function fieldTagged(field: FieldSpec, v: number): boolean {
  return contains(field.taggedVersions, v)
}

export function fieldNullable(field: FieldSpec, v: number): boolean {
  return contains(field.nullableVersions, v)
}

export { ALL_VERSIONS, NO_VERSIONS }
