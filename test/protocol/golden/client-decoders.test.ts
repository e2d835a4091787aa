// Response-side oracle: our encoded responses decoded by real clients' own decoders.
//
// Clients never send responses, so golden bytes cannot cover that direction. Instead, for every
// API and version where a client ships a response decoder — kafkajs 2.2.4's
// src/protocol/requests/<api>/v<N>/response.js `decode` (old, non-flexible versions) and
// @platformatic/kafka 2.x's per-version `parseResponse` (dist/apis/*/<api>-v<N>.js, mostly the
// newest flexible versions) — random responses drawn from our schema are encoded with our codec
// and decoded by the client. What the client decodes must be the values we encoded, in wire order:
// the client's leaf values (numbers, strings, int64s, booleans, nulls, byte strings) must form a
// subsequence of ours, since clients skip fields they ignore (tagged fields, error messages) but
// never invent or reorder them. @platformatic/kafka's reader also exposes its position, so there
// the whole body must be consumed.
//
// Client-side reshaping handled here, each documented: kafkajs replaces throttleTime with 0 and
// moves it to clientSideThrottleTime from the versions where brokers throttle after responding
// (KIP-219); error codes are 0 for @platformatic/kafka, whose parsers throw on any error, and never
// 35 for kafkajs, whose decoders throw on UNSUPPORTED_VERSION; records fields are empty, since both
// clients parse record batches (those are covered by the records tests' kafkajs oracle).

import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Reader as PlatformaticReader } from '@platformatic/kafka'
import { CODEC_BY_KEY } from '../../../src/protocol/generated/index.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { ALL_APIS } from '../../../src/protocol/schema/apis/index.ts'
import type { ApiSpec, FieldSpec, StructSpec, TypeSpec } from '../../../src/protocol/schema/dsl.ts'
import { contains } from '../../../src/protocol/schema/versions.ts'
import type { StructValue } from '../../../src/protocol/interpreter.ts'
import { messageArb } from '../arbitraries.ts'

const require = createRequire(import.meta.url)
const SAMPLES = 25
const UNSUPPORTED_VERSION = 35

type Leaf = string

/** Our value's leaves in wire order: fields present (and not tagged) in version v. */
function ourLeaves(struct: StructSpec, value: StructValue, v: number, out: Leaf[] = []): Leaf[] {
  const isTagged = (f: FieldSpec): boolean => f.tag !== undefined && contains(f.taggedVersions, v)
  const present = struct.fields.filter((f) => contains(f.versions, v))
  for (const f of present) if (!isTagged(f)) typeLeaves(f.type, value[f.name], v, out)
  // Tagged fields follow the regular ones on the wire, in tag order; most clients skip them.
  for (const f of present.filter(isTagged).sort((a, b) => a.tag! - b.tag!))
    typeLeaves(f.type, value[f.name], v, out)
  return out
}

function typeLeaves(t: TypeSpec, value: unknown, v: number, out: Leaf[]): void {
  if (value === null || value === undefined) {
    out.push('null')
    return
  }
  if (t.kind === 'array') {
    for (const item of value as unknown[]) typeLeaves(t.items, item, v, out)
    return
  }
  if (t.kind === 'struct') {
    ourLeaves(t.struct, value as StructValue, v, out)
    return
  }
  out.push(leaf(value))
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function leaf(value: unknown): Leaf {
  // @platformatic/kafka renders uuids as 8-4-4-4-12 hex; ours are 22-char base64url.
  if (typeof value === 'string' && UUID_TEXT.test(value))
    return JSON.stringify(Buffer.from(value.replace(/-/g, ''), 'hex').toString('base64url'))
  if (value === null || value === undefined) return 'null'
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value)
  // kafkajs hands int64s back as decimal strings: integer-looking strings compare as numbers.
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? value : JSON.stringify(value)
  return `<${typeof value}>`
}

function structOf(t: TypeSpec): StructSpec | undefined {
  while (t.kind === 'array') t = t.items
  return t.kind === 'struct' ? t.struct : undefined
}

/**
 * A client's decoded value's leaves, in key (insertion) order. While the client's keys match our
 * field names (as @platformatic/kafka's do), fields that version v does not have are left out:
 * shared parser code fills them with defaults. Error objects a client builds from error codes
 * are not wire values and are left out too.
 */
function clientLeaves(value: unknown, v: number, struct?: StructSpec, out: Leaf[] = []): Leaf[] {
  if (value instanceof Error || value === undefined) return out
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) {
    out.push(leaf(value))
  } else if (Array.isArray(value)) {
    for (const item of value) clientLeaves(item, v, struct, out)
  } else if (value instanceof Map) {
    for (const [k, item] of value) {
      clientLeaves(k, v, struct, out)
      clientLeaves(item, v, struct, out)
    }
  } else if (value instanceof Uint8Array) {
    out.push(leaf(Buffer.from(value)))
  } else {
    for (const [k, item] of Object.entries(value)) {
      const field = struct?.fields.find((f) => f.name === k)
      if (field !== undefined && !contains(field.versions, v)) continue
      clientLeaves(item, v, field === undefined ? undefined : structOf(field.type), out)
    }
  }
  return out
}

/** Index in `ours` of the first client leaf that cannot be matched in order, or -1. */
function firstUnmatched(ours: readonly Leaf[], theirs: readonly Leaf[]): number {
  let i = 0
  for (let j = 0; j < theirs.length; j++) {
    while (i < ours.length && ours[i] !== theirs[j]) i++
    if (i === ours.length) return j
    i++
  }
  return -1
}

/** Whether every client leaf occurs among ours, counting repeats (for clients that sort arrays). */
function multisetContained(ours: readonly Leaf[], theirs: readonly Leaf[]): boolean {
  const counts = new Map<Leaf, number>()
  for (const l of ours) counts.set(l, (counts.get(l) ?? 0) + 1)
  for (const l of theirs) {
    const n = counts.get(l) ?? 0
    if (n === 0) return false
    counts.set(l, n - 1)
  }
  return true
}

/** Rewrites every field named `name` (at any depth) with `fn`. */
function rewrite(value: unknown, name: RegExp, fn: (old: unknown) => unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) rewrite(item, name, fn)
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const obj = value as Record<string, unknown>
    for (const k of Object.keys(obj)) {
      if (name.test(k)) obj[k] = fn(obj[k])
      else rewrite(obj[k], name, fn)
    }
  }
}

function samples(api: ApiSpec, v: number, seed: number, fix: (value: StructValue) => void): StructValue[] {
  const arb = messageArb(api.response, v, { unknownTags: false, maxArray: 2, maxString: 10 })
  return fc.sample(arb, { numRuns: SAMPLES, seed }).map((value) => {
    rewrite(value, /^records$/, () => Buffer.alloc(0))
    fix(value)
    return value
  })
}

function encode(api: ApiSpec, v: number, value: StructValue): Buffer {
  const w = new Writer(256)
  CODEC_BY_KEY[api.key]!.encodeResponse(w, v, value)
  return w.toBuffer()
}

function versions(api: ApiSpec): number[] {
  const codec = CODEC_BY_KEY[api.key]!
  const out: number[] = []
  for (let v = codec.minVersion; v <= codec.maxVersion; v++) out.push(v)
  return out
}

// --- kafkajs --------------------------------------------------------------------------------

const kafkajsRoot = join(dirname(require.resolve('kafkajs/package.json')), 'src', 'protocol', 'requests')
const kafkajsDirs = new Set(readdirSync(kafkajsRoot))

interface KafkajsDecoder {
  decode(buffer: Buffer): Promise<unknown>
}

function kafkajsDecoder(api: ApiSpec, v: number): KafkajsDecoder | undefined {
  const dir = api.name[0]!.toLowerCase() + api.name.slice(1)
  if (!kafkajsDirs.has(dir)) return undefined
  let mod: unknown
  try {
    mod = require(join(kafkajsRoot, dir, `v${v}`, 'response.js'))
  } catch {
    return undefined
  }
  // A few response modules are factories over the request's arguments (DeleteRecords).
  if (typeof mod === 'function') mod = (mod as (args: object) => unknown)({ topics: [] })
  return mod as KafkajsDecoder
}

/** APIs whose kafkajs decoder sorts the topic array by name: compared as multisets. */
const KAFKAJS_SORTS = new Set(['CreateTopics', 'DeleteTopics', 'CreatePartitions', 'DeleteRecords'])
/** APIs whose kafkajs decoder rebuilds entries in its own key order: compared as multisets. */
const KAFKAJS_REORDERS = new Set(['DescribeConfigs'])

/** kafkajs's own reshaping of decoded values, undone so that only wire values remain. */
function kafkajsNormalize(api: ApiSpec, decoded: unknown): unknown {
  if (decoded === null || typeof decoded !== 'object') return decoded
  let out = decoded as Record<string, unknown>
  // KIP-219 versions: kafkajs zeroes throttleTime and keeps the broker's value aside.
  if ('clientSideThrottleTime' in out) {
    const { clientSideThrottleTime, ...rest } = out
    out = { ...rest, throttleTime: clientSideThrottleTime }
  }
  // DescribeConfigs: v0 derives configSource from isDefault, v1+ derives isDefault from configSource.
  if (api.name === 'DescribeConfigs')
    rewrite(out, /^configEntries$/, (entries) =>
      (entries as Array<Record<string, unknown>>).map((e) => {
        const { isDefault, configSource, ...rest } = e
        return 'configSynonyms' in e
          ? { ...rest, configSource, configSynonyms: e.configSynonyms }
          : { ...rest, isDefault }
      }),
    )
  // DeleteGroups: kafkajs attaches `error: null` or an error object built from the code.
  if (api.name === 'DeleteGroups') rewrite(out, /^error$/, () => undefined)
  // SaslAuthenticate: kafkajs re-encodes authBytes with their length prefix for its mechanisms.
  if (api.name === 'SaslAuthenticate' && Buffer.isBuffer(out.authBytes))
    out = { ...out, authBytes: out.authBytes.subarray(4) }
  return out
}

// --- @platformatic/kafka --------------------------------------------------------------------

const platformaticApis = join(dirname(require.resolve('@platformatic/kafka')), 'apis')
const platformaticFiles = new Map<string, string>()
for (const category of readdirSync(platformaticApis, { withFileTypes: true })) {
  if (!category.isDirectory()) continue
  for (const file of readdirSync(join(platformaticApis, category.name)))
    if (/-v\d+\.js$/.test(file)) platformaticFiles.set(file, join(platformaticApis, category.name, file))
}

type PlatformaticParse = (
  correlationId: number,
  apiKey: number,
  apiVersion: number,
  reader: PlatformaticReader,
) => unknown

function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
}

async function platformaticParser(api: ApiSpec, v: number): Promise<PlatformaticParse | undefined> {
  const path = platformaticFiles.get(`${kebab(api.name)}-v${v}.js`)
  if (path === undefined) return undefined
  const mod = (await import(pathToFileURL(path).href)) as { parseResponse?: PlatformaticParse }
  return mod.parseResponse
}

/**
 * Our fields that @platformatic/kafka's parsers do not return, each checked in its sources: record
 * bytes (parsed into batches: the records tests cover those), DescribeConfigs v0's isDefault
 * (read and dropped; configSource is set to -1 instead) and ListOffsets v0's old-style offset list
 * (only its first entry is kept, as `offset`).
 */
const PLATFORMATIC_SKIPS: readonly RegExp[] = [
  /^\S+ (.*\.)?records$/,
  /^DescribeConfigs 0 results\[\]\.configs\[\]\.isDefault$/,
  /^ListOffsets 0 topics\[\]\.partitions\[\]\.oldStyleOffsets$/,
]

/** Field names @platformatic/kafka spells differently from Kafka's JSON ('Api field' or 'field'). */
const PLATFORMATIC_ALIASES: Readonly<Record<string, string>> = {
  patternType: 'resourcePatternType',
  'Fetch topic': 'topicId',
}

/**
 * @platformatic/kafka's reshaping of old versions into its newest shape, undone: FindCoordinator
 * v0-3 and AddPartitionsToTxn v0-3 answer for one key/transaction, which the client wraps as the
 * first element of v4's array.
 */
function platformaticUnshape(api: ApiSpec, v: number, decoded: unknown): unknown {
  if (api.name === 'FindCoordinator' && v < 4 && decoded !== null && typeof decoded === 'object') {
    const { coordinators, ...rest } = decoded as { coordinators: unknown[] }
    return { ...rest, ...(coordinators[0] as object) }
  }
  if (api.name === 'AddPartitionsToTxn' && v < 4 && decoded !== null && typeof decoded === 'object') {
    const { resultsByTransaction, ...rest } = decoded as {
      resultsByTransaction: Array<{ topicResults: unknown }>
    }
    return { ...rest, resultsByTopicV3AndBelow: resultsByTransaction[0]?.topicResults }
  }
  return decoded
}

let skipContext = ''

/**
 * Compares a client value with ours field by field, by name (@platformatic/kafka's keys are
 * Kafka's field names). Keys the client adds are ignored; our fields the client lacks are
 * collected in `missing` (tagged fields excepted: clients may skip those).
 */
function compareByName(
  struct: StructSpec,
  ours: StructValue,
  theirs: unknown,
  v: number,
  path: string,
  problems: string[],
  missing: Set<string>,
): void {
  if (theirs === null || typeof theirs !== 'object') {
    problems.push(`${path || '<root>'}: client value ${leaf(theirs)} is not a struct`)
    return
  }
  const t = theirs as Record<string, unknown>
  for (const f of struct.fields) {
    if (!contains(f.versions, v)) continue
    const p = path === '' ? f.name : `${path}.${f.name}`
    if (PLATFORMATIC_SKIPS.some((re) => re.test(`${skipContext} ${p}`))) continue
    const api = skipContext.split(' ')[0]!
    const name =
      f.name in t
        ? f.name
        : (PLATFORMATIC_ALIASES[`${api} ${f.name}`] ?? PLATFORMATIC_ALIASES[f.name] ?? f.name)
    if (!(name in t) || t[name] === undefined) {
      if (f.tag === undefined || !contains(f.taggedVersions, v)) missing.add(p)
      continue
    }
    compareTyped(f.type, ours[f.name], t[name], v, p, problems, missing)
  }
}

function compareTyped(
  type: TypeSpec,
  ours: unknown,
  theirs: unknown,
  v: number,
  path: string,
  problems: string[],
  missing: Set<string>,
): void {
  if (ours === null || ours === undefined) {
    if (theirs !== null && theirs !== undefined && !(Array.isArray(theirs) && theirs.length === 0))
      problems.push(`${path}: ours null, client ${leaf(theirs)}`)
    return
  }
  if (type.kind === 'array') {
    const o = ours as unknown[]
    const th = theirs instanceof Map ? [...theirs.values()] : theirs
    if (!Array.isArray(th) || th.length !== o.length) {
      problems.push(`${path}: ours ${o.length} items, client ${Array.isArray(th) ? th.length : leaf(th)}`)
      return
    }
    o.forEach((item, i) => compareTyped(type.items, item, th[i], v, `${path}[]`, problems, missing))
    return
  }
  if (type.kind === 'struct') {
    compareByName(type.struct, ours as StructValue, theirs, v, path, problems, missing)
    return
  }
  const a = leaf(ours)
  const b = theirs instanceof Uint8Array ? leaf(Buffer.from(theirs)) : leaf(theirs)
  if (a !== b) problems.push(`${path}: ours ${a}, client ${b}`)
}

// --- the tests ------------------------------------------------------------------------------

interface Case {
  api: ApiSpec
  v: number
}

const kafkajsCases: Case[] = []
const platformaticCases: Case[] = []
for (const api of ALL_APIS) {
  if (CODEC_BY_KEY[api.key] === undefined) continue
  for (const v of versions(api)) {
    if (kafkajsDecoder(api, v) !== undefined) kafkajsCases.push({ api, v })
    // Some modules reuse an older version's parser without exporting it (OffsetCommit v1).
    if (typeof (await platformaticParser(api, v)) === 'function') platformaticCases.push({ api, v })
  }
}

function mismatch(ours: Leaf[], theirs: Leaf[], j: number, decoded: unknown): string {
  return [
    `client leaf #${j} ${theirs[j]} not found in order among ours`,
    `ours:   ${ours.join(' ')}`,
    `theirs: ${theirs.join(' ')}`,
    `decoded: ${JSON.stringify(decoded, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))}`,
  ].join('\n')
}

describe('our responses decoded by kafkajs 2.2.4', () => {
  it('covers many APIs and versions', () => {
    expect(new Set(kafkajsCases.map((c) => c.api.key)).size).toBeGreaterThanOrEqual(25)
    expect(kafkajsCases.length).toBeGreaterThanOrEqual(70)
  })

  for (const { api, v } of kafkajsCases) {
    it(`${api.name} v${v}`, async () => {
      const decoder = kafkajsDecoder(api, v)!
      const values = samples(api, v, api.key * 100 + v, (value) =>
        rewrite(value, /^errorCode$/, (code) => (code === UNSUPPORTED_VERSION ? 0 : code)),
      )
      // kafkajs's two flexible decoders read the response header's tag buffer themselves.
      const header =
        v >= CODEC_BY_KEY[api.key]!.flexibleFrom && CODEC_BY_KEY[api.key]!.flexibleFrom >= 0
          ? Buffer.from([0])
          : Buffer.alloc(0)
      for (const value of values) {
        const ours = ourLeaves(api.response.struct, value, v)
        const decoded = kafkajsNormalize(
          api,
          await decoder.decode(Buffer.concat([header, encode(api, v, value)])),
        )
        const theirs = clientLeaves(decoded, v)
        if (KAFKAJS_SORTS.has(api.name) || KAFKAJS_REORDERS.has(api.name)) {
          if (!multisetContained(ours, theirs)) expect.fail(mismatch(ours, theirs, 0, decoded))
          continue
        }
        const j = firstUnmatched(ours, theirs)
        if (j !== -1) expect.fail(mismatch(ours, theirs, j, decoded))
      }
    })
  }
})

describe('our responses decoded by @platformatic/kafka 2.x', () => {
  it('covers many APIs and versions', () => {
    expect(new Set(platformaticCases.map((c) => c.api.key)).size).toBeGreaterThanOrEqual(40)
    expect(platformaticCases.length).toBeGreaterThanOrEqual(150)
  })

  for (const { api, v } of platformaticCases) {
    it(`${api.name} v${v}`, async () => {
      const parse = (await platformaticParser(api, v))!
      expect(parse, 'parseResponse export').toBeTypeOf('function')
      const values = samples(api, v, api.key * 100 + v, (value) => rewrite(value, /errorCode$/i, () => 0))
      const missing = new Set<string>()
      for (const value of values) {
        const ours = ourLeaves(api.response.struct, value, v)
        const body = encode(api, v, value)
        const reader = PlatformaticReader.from(body)
        let decoded: unknown
        try {
          decoded = parse(1, api.key, v, reader)
        } catch (err) {
          // Parsers throw ResponseError for per-record or nested errors; it carries the response.
          if (err === null || typeof err !== 'object' || !('response' in err)) throw err
          decoded = err.response
        }
        expect(reader.position, 'bytes consumed by the client').toBe(body.length)
        const problems: string[] = []
        skipContext = `${api.name} ${v}`
        compareByName(
          api.response.struct,
          value,
          platformaticUnshape(api, v, decoded),
          v,
          '',
          problems,
          missing,
        )
        if (problems.length > 0) expect.fail(`${problems.slice(0, 5).join('\n')}\nours: ${ours.join(' ')}`)
      }
      const unexplained = [...missing].filter(
        (path) => !PLATFORMATIC_SKIPS.some((re) => re.test(`${api.name} ${path}`)),
      )
      expect(unexplained, 'fields of ours the client did not decode').toEqual([])
    })
  }
})
