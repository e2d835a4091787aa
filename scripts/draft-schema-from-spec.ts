// Drafts a schema declaration (src/protocol/schema/apis/NN-name.ts) from an official Kafka message
// spec pair (XRequest.json + XResponse.json). A scaffolding tool: the output is a starting point
// that is then reviewed and owned by us; test/protocol/schema/schema-vs-kafka.test.ts keeps the
// declarations honest against the specs afterwards.
//
// Usage: node scripts/draft-schema-from-spec.ts <spec-dir> <ApiName> [--out file]

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface JsonField {
  name: string
  type: string
  versions?: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  ignorable?: boolean
  entityType?: string
  flexibleVersions?: string
  fields?: JsonField[]
}

export interface JsonSpec {
  apiKey?: number
  type: string
  name: string
  validVersions: string
  flexibleVersions: string
  latestVersionUnstable?: boolean
  fields: JsonField[]
  commonStructs?: Array<{ name: string; versions?: string; fields: JsonField[] }>
}

export function readSpec(path: string): JsonSpec {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/^\s*\/\/.*$/, ''))
    .join('\n')
  return JSON.parse(text) as JsonSpec
}

export function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

const PRIMS = new Set([
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

function defaultLiteral(field: JsonField): string | undefined {
  if (field.default === undefined) return undefined
  const d = String(field.default).trim()
  if (d === 'null') return 'null'
  const base = field.type
  if (base === 'bool') return d
  if (base === 'int64') return `${BigInt(d)}n`
  if (base === 'string' || base === 'uuid') return JSON.stringify(d)
  if (['int8', 'int16', 'uint16', 'int32', 'uint32', 'float64'].includes(base)) return String(Number(d))
  throw new Error(`${field.name}: default ${d} on ${base}`)
}

class Emitter {
  private readonly common: Map<string, string>
  constructor(common: Map<string, string>) {
    this.common = common
  }

  fieldExpr(field: JsonField, indent: string): string {
    const t = field.type
    let expr: string
    if (t.startsWith('[]')) {
      const item = t.slice(2)
      if (PRIMS.has(item)) expr = `f.array(f.${item}())`
      else expr = `f.array(${this.structRef(item, field, indent)})`
    } else if (PRIMS.has(t)) {
      expr = field.name === 'ErrorCode' && t === 'int16' ? 'f.errorCode()' : `f.${t}()`
    } else {
      expr = `f.struct(${this.structRef(t, field, indent)})`
    }
    const taggedOnly = field.taggedVersions !== undefined && field.versions === undefined
    if (field.versions !== undefined && field.versions !== '0+' && !taggedOnly)
      expr += `.versions('${field.versions}')`
    if (field.nullableVersions !== undefined) expr += `.nullable('${field.nullableVersions}')`
    if (field.tag !== undefined) expr += `.tag(${field.tag}, '${field.taggedVersions ?? ''}')`
    const d = defaultLiteral(field)
    if (d !== undefined) expr += `.default(${d})`
    if (field.ignorable === true) expr += '.ignorable()'
    if (field.flexibleVersions === 'none') expr += `.flexible('none')`
    if (field.entityType !== undefined) expr += `.entity('${field.entityType}')`
    return expr
  }

  structRef(name: string, field: JsonField, indent: string): string {
    if (field.fields === undefined) {
      const c = this.common.get(name)
      if (c === undefined) throw new Error(`unknown struct ${name}`)
      return c
    }
    return `struct('${name}', ${this.fields(field.fields, indent + '  ')})`
  }

  fields(fields: JsonField[], indent: string): string {
    if (fields.length === 0) return '{}'
    const lines = fields.map((fl) => `${indent}  ${camel(fl.name)}: ${this.fieldExpr(fl, indent + '  ')},`)
    return `{\n${lines.join('\n')}\n${indent}}`
  }
}

function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
}

function versionNotes(spec: JsonSpec): string[] {
  // Which versions add or drop top-level fields: derived from the field ranges, our own summary.
  const notes: string[] = []
  const range = spec.validVersions.split('-').map(Number)
  const min = range[0] ?? 0
  const max = range[1] ?? min
  const parse = (s: string | undefined): [number, number] => {
    if (s === undefined || s === 'none') return [1, 0]
    if (s.endsWith('+')) return [Number(s.slice(0, -1)), 0x7fff]
    const [a, b] = s.split('-').map(Number)
    return [a ?? 0, b ?? a ?? 0]
  }
  for (let v = min + 1; v <= max; v++) {
    const added: string[] = []
    const removed: string[] = []
    const walk = (fields: JsonField[], prefix: string): void => {
      for (const fl of fields) {
        const [a, b] = parse(fl.versions ?? fl.taggedVersions)
        if (a === v) added.push(prefix + camel(fl.name))
        if (b === v - 1) removed.push(prefix + camel(fl.name))
        if (fl.fields && a < v) walk(fl.fields, prefix + camel(fl.name) + '.')
      }
    }
    walk(spec.fields, '')
    const parts: string[] = []
    if (added.length) parts.push(`+${added.join(', +')}`)
    if (removed.length) parts.push(`-${removed.join(', -')}`)
    if (parts.length) notes.push(`v${v}: ${parts.join('; ')}`)
  }
  return notes
}

export function draft(specDir: string, apiName: string): { file: string; source: string } {
  const req = readSpec(join(specDir, `${apiName}Request.json`))
  const resp = readSpec(join(specDir, `${apiName}Response.json`))
  if (req.validVersions !== resp.validVersions)
    throw new Error(`${apiName}: request/response versions differ`)
  const key = req.apiKey ?? -1
  const out: string[] = []
  const flexible = req.flexibleVersions
  out.push(`// ${apiName} (API key ${key}): versions ${req.validVersions}, flexible ${flexible}.`)
  const rn = versionNotes(req)
  const sn = versionNotes(resp)
  if (rn.length) out.push(`// Request changes: ${rn.join(' · ')}`)
  if (sn.length) out.push(`// Response changes: ${sn.join(' · ')}`)
  out.push('')
  out.push(`import { api, f, struct } from '../dsl.ts'`)
  out.push('')
  const commonNames = new Map<string, string>()
  for (const [side, spec] of [
    ['Request', req],
    ['Response', resp],
  ] as const) {
    // Emit common structs after the ones they reference.
    const pending = [...(spec.commonStructs ?? [])]
    const refs = (fields: JsonField[]): string[] =>
      fields.flatMap((fl) => [fl.type.replace(/^\[\]/, ''), ...(fl.fields ? refs(fl.fields) : [])])
    const ordered: typeof pending = []
    const names = new Set(pending.map((c) => c.name))
    while (pending.length > 0) {
      const i = pending.findIndex((c) =>
        refs(c.fields).every((r) => !names.has(r) || ordered.some((o) => o.name === r)),
      )
      if (i < 0) throw new Error('cyclic common structs')
      ordered.push(...pending.splice(i, 1))
    }
    for (const cs of ordered) {
      const constName = commonNames.has(cs.name) ? `${side}${cs.name}` : cs.name
      const em = new Emitter(commonNames)
      out.push(`const ${constName} = struct('${cs.name}', ${em.fields(cs.fields, '')})`)
      out.push('')
      commonNames.set(cs.name, constName)
    }
  }
  const reqEm = new Emitter(commonNames)
  const respEm = new Emitter(commonNames)
  out.push(`export const ${apiName} = api({`)
  out.push(`  key: ${key},`)
  out.push(`  name: '${apiName}',`)
  out.push(`  valid: '${req.validVersions}',`)
  out.push(`  flexible: '${flexible}',`)
  if (req.latestVersionUnstable === true) out.push('  latestVersionUnstable: true,')
  out.push(`  request: ${reqEm.fields(req.fields, '  ')},`)
  out.push(`  response: ${respEm.fields(resp.fields, '  ')},`)
  out.push('})')
  out.push('')
  const file = `${String(key).padStart(2, '0')}-${kebab(apiName)}.ts`
  return { file, source: out.join('\n') }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [specDir, apiName, flag, outPath] = process.argv.slice(2)
  if (specDir === undefined || apiName === undefined) {
    console.error('usage: draft-schema-from-spec.ts <spec-dir> <ApiName> [--out file]')
    process.exit(2)
  }
  const { file, source } = draft(specDir, apiName)
  if (flag === '--out' && outPath !== undefined) writeFileSync(outPath, source)
  else process.stdout.write(`// ${file}\n${source}`)
}
