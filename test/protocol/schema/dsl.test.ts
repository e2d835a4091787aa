// Every validation rule of the schema DSL (listed at the top of src/protocol/schema/dsl.ts)
// rejects a bad declaration, and the matching good declaration is accepted, so each test shows
// the rule itself is what fires.

import { describe, expect, it } from 'vitest'
import { SchemaError, api, f, message, struct } from '../../../src/protocol/schema/dsl.ts'
import { parseVersions } from '../../../src/protocol/schema/versions.ts'

const rejects = (build: () => unknown, pattern: RegExp): void => {
  expect(build).toThrow(SchemaError)
  expect(build).toThrow(pattern)
}

describe('schema DSL validation', () => {
  it('field versions must lie inside the valid versions', () => {
    rejects(() => message('M', '0-5', 'none', { a: f.int32().versions('0-6') }), /outside valid/)
    rejects(() => message('M', '2-5', 'none', { a: f.int32().versions('1+') }), /outside valid/)
    rejects(() => message('M', '0-5', 'none', { a: f.int32().versions('6+') }), /outside valid/)
    expect(() => message('M', '0-5', 'none', { a: f.int32().versions('3+') })).not.toThrow()
    expect(() => message('M', '0-5', 'none', { a: f.int32().versions('0-5') })).not.toThrow()
  })

  it('field versions of nested struct fields must lie inside the valid versions too', () => {
    const S = struct('S', { x: f.int32().versions('0-9') })
    rejects(() => message('M', '0-5', 'none', { s: f.array(S) }), /outside valid/)
  })

  it('only strings, bytes, records, arrays and structs can be nullable', () => {
    expect(() => f.int32().nullable('0+')).toThrow(SchemaError)
    // Built around the builder guard: a hand-made FieldSpec must be caught by the validator too.
    const bad = struct('M', { a: f.string().nullable('0+') })
    const forged = {
      ...bad,
      fields: [{ ...bad.fields[0]!, type: { kind: 'primitive' as const, primitive: 'int32' as const } }],
    }
    rejects(() => message('M', '0-1', 'none', forged), /cannot be nullable/)
    expect(() =>
      message('M', '0-1', 'none', { a: f.string().nullable('0+'), b: f.array(f.int32()).nullable('1+') }),
    ).not.toThrow()
  })

  it('a tag must be a non-negative integer', () => {
    rejects(() => message('M', '0-3', '0+', { a: f.int32().tag(-1, '0+') }), /non-negative/)
    rejects(() => message('M', '0-3', '0+', { a: f.int32().tag(1.5, '0+') }), /non-negative/)
    expect(() => message('M', '0-3', '0+', { a: f.int32().tag(0, '0+') })).not.toThrow()
  })

  it('tags are unique within a struct (but may repeat in another struct)', () => {
    rejects(
      () => message('M', '0-3', '0+', { a: f.int32().tag(1, '0+'), b: f.int64().tag(1, '0+') }),
      /duplicate tag/,
    )
    const S = struct('S', { x: f.int32().tag(1, '0+') })
    expect(() => message('M', '0-3', '0+', { a: f.int32().tag(1, '0+'), s: f.array(S) })).not.toThrow()
  })

  it('tagged versions must be open-ended', () => {
    rejects(() => message('M', '0-3', '0+', { a: f.int32().versions('0+').tag(0, '1-2') }), /open-ended/)
  })

  it("tagged versions must lie inside the field's versions", () => {
    rejects(() => message('M', '0-5', '0+', { a: f.int32().versions('3+').tag(0, '2+') }), /field's versions/)
    expect(() => message('M', '0-5', '0+', { a: f.int32().versions('2+').tag(0, '3+') })).not.toThrow()
  })

  it('tagged versions must lie inside the flexible versions', () => {
    rejects(() => message('M', '0-5', '3+', { a: f.int32().tag(0, '2+') }), /flexible versions/)
    rejects(() => message('M', '0-5', 'none', { a: f.int32().tag(0, '2+') }), /flexible versions/)
  })

  it('a null default needs the field nullable in every version it exists', () => {
    rejects(() => message('M', '0-5', 'none', { a: f.string().default(null) }), /null default/)
    rejects(() => message('M', '0-5', 'none', { a: f.string().nullable('2+').default(null) }), /null default/)
    rejects(
      () => message('M', '0-5', 'none', { a: f.string().versions('1+').nullable('1-4').default(null) }),
      /null default/,
    )
    expect(() =>
      message('M', '0-5', 'none', { a: f.string().versions('1+').nullable('1+').default(null) }),
    ).not.toThrow()
    expect(() =>
      message('M', '0-5', 'none', { a: f.string().versions('2-3').nullable('0+').default(null) }),
    ).not.toThrow()
  })

  it('a default must fit the field type', () => {
    rejects(() => message('M', '0-1', 'none', { a: f.int64().default(1) }), /does not fit/)
    rejects(() => message('M', '0-1', 'none', { a: f.int32().default(1n) }), /does not fit/)
    rejects(() => message('M', '0-1', 'none', { a: f.bool().default(0) }), /does not fit/)
    rejects(() => message('M', '0-1', 'none', { a: f.string().default(1) }), /does not fit/)
    rejects(() => message('M', '0-1', 'none', { a: f.int16().default(1.5) }), /non-integer/)
    rejects(() => message('M', '0-1', 'none', { a: f.array(f.int32()).default(1) }), /only null defaults/)
    expect(() =>
      message('M', '0-1', 'none', { a: f.int64().default(-1n), b: f.float64().default(0.5) }),
    ).not.toThrow()
  })

  it('struct names are unique within a message unless the very same declaration', () => {
    const A1 = struct('Entry', { x: f.int32() })
    const A2 = struct('Entry', { y: f.int32() })
    rejects(() => message('M', '0-1', 'none', { a: f.array(A1), b: f.array(A2) }), /duplicate struct name/)
    expect(() => message('M', '0-1', 'none', { a: f.array(A1), b: f.array(A1) })).not.toThrow()
  })

  it('field names are unique within a struct', () => {
    const s = struct('M', { a: f.int32() })
    const twice = { ...s, fields: [s.fields[0]!, s.fields[0]!] }
    rejects(() => message('M', '0-1', 'none', twice), /duplicate field name/)
  })

  it('a message needs valid versions, and its flexible versions are open-ended', () => {
    rejects(() => message('M', 'none', 'none', {}), /no valid versions/)
    rejects(() => message('M', '0-5', '3-4', {}), /open-ended/)
  })

  it('API keys are 0..32767', () => {
    const decl = { name: 'X', valid: '0', flexible: 'none', request: {}, response: {} }
    rejects(() => api({ ...decl, key: -1 }), /bad api key/)
    rejects(() => api({ ...decl, key: 0x8000 }), /bad api key/)
    expect(api({ ...decl, key: 99 }).key).toBe(99)
  })

  it('version ranges parse Kafka syntax only', () => {
    expect(parseVersions('3+')).toEqual({ min: 3, max: 0x7fff })
    expect(parseVersions('0-7')).toEqual({ min: 0, max: 7 })
    expect(parseVersions('4')).toEqual({ min: 4, max: 4 })
    for (const bad of ['', '3-', '-3', '5-2', 'x', '1+2', '+'])
      expect(() => parseVersions(bad), bad).toThrow()
  })
})
