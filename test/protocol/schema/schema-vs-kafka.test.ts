// Compares every declaration in src/protocol/schema/ with Kafka's official JSON message specs
// (../shared/kafka-protocol/message beside the repository, or $KAFKA_MESSAGE_DIR).
//
// The comparison is per version, for the versions both sides know (our declarations may reach
// beyond the snapshot for newer Kafka releases): in each version, the fields present (camelCase
// of the JSON names, in order), their types (primitive or array/struct shape), whether they are
// nullable, tagged and with which tag, their effective default, ignorable, and a per-field
// flexible-versions override; plus whether the version is flexible. Struct type names are not
// compared: ours are our own choice.

import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ALL_APIS } from '../../../src/protocol/schema/apis/index.ts'
import { RequestHeader, ResponseHeader } from '../../../src/protocol/schema/headers.ts'
import type { FieldSpec, MessageSpec, StructSpec, TypeSpec } from '../../../src/protocol/schema/dsl.ts'
import { contains, parseVersions, type VersionRange } from '../../../src/protocol/schema/versions.ts'
import { defaultOf } from '../../../src/protocol/interpreter.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/uuid.ts'

const SPEC_DIR =
  process.env.KAFKA_MESSAGE_DIR ??
  join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'kafka-protocol', 'message')
const present = existsSync(SPEC_DIR)
if (!present)
  console.warn(`schema-vs-kafka: ${SPEC_DIR} not found; skipping (.ci/run looks for it beside the checkout)`)

interface JsonField {
  name: string
  type: string
  versions?: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  ignorable?: boolean
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

function readSpecs(): JsonSpec[] {
  return readdirSync(SPEC_DIR)
    .filter((n) => n.endsWith('.json'))
    .map((n) => {
      // The specs are JSON with whole-line // comments.
      const text = readFileSync(join(SPEC_DIR, n), 'utf8').replace(/^\s*\/\/.*$/gm, '')
      return JSON.parse(text) as JsonSpec
    })
}

const PRIMITIVES = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'uuid',
  'string',
  'bytes',
  'records',
])
const camel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1)

/**
 * Fields renamed upstream after the snapshot (same wire format): our path -> the snapshot's name.
 * KIP-1142 (Kafka 4.1) renamed ListClientMetricsResources to ListConfigResources.
 */
const RENAMED_SINCE_SNAPSHOT: Record<string, string> = {
  'ListConfigResourcesResponse.configResources': 'clientMetricsResources',
  'ListConfigResourcesResponse.configResources.resourceName': 'name',
}
const snapshotName = (path: string, name: string): string => RENAMED_SINCE_SNAPSHOT[`${path}.${name}`] ?? name

/** A field's facts in one version, in a form both sides can produce. */
interface Facts {
  name: string
  type: string
  nullable: boolean
  tag: number | null
  default: string
  ignorable: boolean
  classicOverride: boolean
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`
  if (Buffer.isBuffer(v)) return `bytes(${v.length})`
  if (Array.isArray(v)) return `[${v.length}]`
  if (v !== null && typeof v === 'object') return 'struct'
  return JSON.stringify(v)
}

// ---- our side

function ourType(t: TypeSpec): string {
  if (t.kind === 'primitive') return t.primitive
  if (t.kind === 'array') return `[]${ourType(t.items)}`
  return 'struct'
}

function ourFacts(f: FieldSpec, v: number): Facts {
  const tagged = contains(f.taggedVersions, v)
  return {
    name: f.name,
    type: ourType(f.type),
    nullable: contains(f.nullableVersions, v),
    tag: tagged ? (f.tag ?? -1) : null,
    default: show(defaultOf(f)),
    ignorable: f.ignorable,
    classicOverride: f.flexibleOverride === 'none',
  }
}

// ---- Kafka's side

class KafkaSide {
  private readonly common = new Map<string, JsonField[]>()
  constructor(spec: JsonSpec) {
    for (const c of spec.commonStructs ?? []) this.common.set(c.name, c.fields)
  }
  structFields(f: JsonField): JsonField[] {
    if (f.fields !== undefined) return f.fields
    const name = f.type.replace(/^\[\]/, '')
    const c = this.common.get(name)
    if (c === undefined) throw new Error(`unknown struct ${name}`)
    return c
  }
  type(t: string): string {
    if (t.startsWith('[]')) return `[]${this.type(t.slice(2))}`
    return PRIMITIVES.has(t) ? t : 'struct'
  }
  versions(f: JsonField): VersionRange {
    return parseVersions(f.versions ?? f.taggedVersions ?? 'none')
  }
  facts(f: JsonField, v: number): Facts {
    const nullable = contains(parseVersions(f.nullableVersions ?? 'none'), v)
    const tagged = contains(parseVersions(f.taggedVersions ?? 'none'), v)
    return {
      name: camel(f.name),
      type: this.type(f.type),
      nullable,
      tag: tagged ? (f.tag ?? -1) : null,
      default: this.defaultOf(f),
      ignorable: f.ignorable === true,
      classicOverride: f.flexibleVersions === 'none',
    }
  }
  /** Kafka's effective default: the declared one, else the type's zero value. */
  private defaultOf(f: JsonField): string {
    const t = f.type
    const d = f.default === undefined ? undefined : String(f.default).trim()
    if (d === 'null') return 'null'
    if (t.startsWith('[]')) return '[0]'
    if (!PRIMITIVES.has(t)) return 'struct'
    switch (t) {
      case 'bool':
        return JSON.stringify(d === undefined ? false : d === 'true')
      case 'int64':
        return `${d === undefined ? 0n : BigInt(d)}n`
      case 'string':
        return JSON.stringify(d ?? '')
      case 'uuid':
        return JSON.stringify(d ?? ZERO_UUID)
      case 'bytes':
        return 'bytes(0)'
      case 'records':
        return f.nullableVersions !== undefined && f.nullableVersions !== 'none' ? 'null' : 'bytes(0)'
      default:
        return JSON.stringify(d === undefined ? 0 : Number(d))
    }
  }
}

function compareStruct(
  ours: StructSpec,
  theirs: JsonField[],
  kafka: KafkaSide,
  v: number,
  path: string,
  diffs: string[],
): void {
  const mine = ours.fields.filter((f) => contains(f.versions, v))
  const kafkaFields = theirs.filter((f) => contains(kafka.versions(f), v))
  const a = mine.map((f) => snapshotName(path, f.name)).join(',')
  const b = kafkaFields.map((f) => camel(f.name)).join(',')
  if (a !== b) {
    diffs.push(`v${v} ${path}: fields [${a}] vs Kafka [${b}]`)
    return
  }
  mine.forEach((f, i) => {
    const jf = kafkaFields[i]!
    const x = ourFacts(f, v)
    const y = kafka.facts(jf, v)
    x.name = snapshotName(path, x.name)
    for (const k of Object.keys(x) as Array<keyof Facts>)
      if (x[k] !== y[k]) diffs.push(`v${v} ${path}.${f.name}: ${k} ${String(x[k])} vs Kafka ${String(y[k])}`)
    const inner =
      f.type.kind === 'struct'
        ? f.type.struct
        : f.type.kind === 'array' && f.type.items.kind === 'struct'
          ? f.type.items.struct
          : undefined
    if (inner !== undefined && x.type === y.type)
      compareStruct(inner, kafka.structFields(jf), kafka, v, `${path}.${f.name}`, diffs)
  })
}

function compareMessage(m: MessageSpec, spec: JsonSpec): string[] {
  const diffs: string[] = []
  const valid = parseVersions(spec.validVersions)
  const flexible = parseVersions(spec.flexibleVersions)
  const kafka = new KafkaSide(spec)
  let shared = 0
  for (let v = Math.max(valid.min, m.validVersions.min); v <= Math.min(valid.max, m.validVersions.max); v++) {
    shared++
    if (contains(flexible, v) !== contains(m.flexibleVersions, v))
      diffs.push(`v${v}: flexible ${contains(m.flexibleVersions, v)} vs Kafka ${contains(flexible, v)}`)
    compareStruct(m.struct, spec.fields, kafka, v, m.name, diffs)
  }
  if (shared === 0)
    diffs.push(
      `no version in common (ours ${m.validVersions.min}-${m.validVersions.max}, Kafka ${spec.validVersions})`,
    )
  return diffs
}

describe.skipIf(!present)('declarations match the Kafka JSON specs', () => {
  const specs = present ? readSpecs() : []
  const byKey = (key: number, type: string): JsonSpec | undefined =>
    specs.find((s) => s.apiKey === key && s.type === type)

  for (const a of ALL_APIS) {
    it(`${a.key} ${a.name}`, () => {
      const req = byKey(a.key, 'request')
      const resp = byKey(a.key, 'response')
      expect(req, `Kafka spec for API key ${a.key} request`).toBeDefined()
      expect(resp, `Kafka spec for API key ${a.key} response`).toBeDefined()
      expect([...compareMessage(a.request, req!), ...compareMessage(a.response, resp!)]).toEqual([])
    })
  }

  it('request and response headers', () => {
    const find = (name: string): JsonSpec => specs.find((s) => s.name === name)!
    expect([
      ...compareMessage(RequestHeader, find('RequestHeader')),
      ...compareMessage(ResponseHeader, find('ResponseHeader')),
    ]).toEqual([])
  })

  it('the comparison itself catches a wrong declaration', () => {
    // A deliberately wrong copy of Heartbeat: groupInstanceId made non-nullable.
    const hb = ALL_APIS.find((x) => x.key === 12)!
    const bad: MessageSpec = {
      ...hb.request,
      struct: {
        ...hb.request.struct,
        fields: hb.request.struct.fields.map((f) =>
          f.name === 'groupInstanceId' ? { ...f, nullableVersions: parseVersions('none'), default: '' } : f,
        ),
      },
    }
    expect(compareMessage(bad, byKey(12, 'request')!).length).toBeGreaterThan(0)
  })
})
