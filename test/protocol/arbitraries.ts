// fast-check arbitraries derived from the schema declarations.
//
// `messageArb(m, v)` draws a value of message m as the decoders return it for version v: every
// field present in v gets a random value of its type (null too when v is nullable), every absent
// field holds its default, and in flexible versions every struct may carry random unknown tagged
// fields (tags >= 120, ascending, so that decoding with keepUnknownTags gives them back).

import fc from 'fast-check'
import type {
  FieldSpec,
  MessageSpec,
  PrimitiveKind,
  StructSpec,
  TypeSpec,
} from '../../src/protocol/schema/dsl.ts'
import { contains } from '../../src/protocol/schema/versions.ts'
import { defaultOf, type StructValue } from '../../src/protocol/interpreter.ts'
import type { UnknownTag } from '../../src/protocol/primitives/reader.ts'

export interface ArbOptions {
  /** Longest generated array (default 3; nested arrays multiply). */
  maxArray?: number
  /** Longest generated string in UTF-16 units / bytes payload (default 12). */
  maxString?: number
  /** Whether to add unknown tagged fields in flexible versions (default true). */
  unknownTags?: boolean
}

const int64Arb = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 1n),
)

// Any code point except lone surrogates (they cannot round-trip through UTF-8).
const stringArb = (max: number): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: 'binary', maxLength: max }), fc.string({ maxLength: max }))

const bufferArb = (max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a))

// 16 random bytes in Kafka's text form (base64url of the bytes): the only canonical uuid strings.
const uuidArb = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((a) => Buffer.from(a).toString('base64url'))

function primitiveArb(p: PrimitiveKind, o: Required<ArbOptions>): fc.Arbitrary<unknown> {
  switch (p) {
    case 'bool':
      return fc.boolean()
    case 'int8':
      return fc.integer({ min: -128, max: 127 })
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 })
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 })
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 })
    case 'int64':
      return int64Arb
    case 'float64':
      // -0 is left out: a tagged float field equal to the default 0 is not written, and -0 === 0.
      return fc.double().filter((d) => !Object.is(d, -0))
    case 'uuid':
      return uuidArb
    case 'string':
      return stringArb(o.maxString)
    case 'bytes':
    case 'records':
      return bufferArb(o.maxString)
  }
}

const unknownTagsArb = fc
  .uniqueArray(
    fc.record({
      tag: fc.integer({ min: 120, max: 20000 }),
      data: fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
    }),
    { maxLength: 3, selector: (u) => u.tag },
  )
  .map((tags): UnknownTag[] => tags.sort((a, b) => a.tag - b.tag))

class Builder {
  private readonly flexible: boolean
  private readonly m: MessageSpec
  private readonly v: number
  private readonly o: Required<ArbOptions>
  private readonly memo = new Map<StructSpec, fc.Arbitrary<StructValue>>()
  constructor(m: MessageSpec, v: number, o: Required<ArbOptions>) {
    this.m = m
    this.v = v
    this.o = o
    this.flexible = contains(m.flexibleVersions, v)
  }

  struct(s: StructSpec): fc.Arbitrary<StructValue> {
    const seen = this.memo.get(s)
    if (seen !== undefined) return seen
    const fields: Record<string, fc.Arbitrary<unknown>> = {}
    for (const field of s.fields) fields[field.name] = this.field(field)
    const base = fc.record(fields)
    const arb: fc.Arbitrary<StructValue> =
      this.flexible && this.o.unknownTags
        ? fc.tuple(base, fc.option(unknownTagsArb, { nil: undefined, freq: 3 })).map(([value, tags]) => {
            const out: StructValue = { ...value }
            if (tags !== undefined && tags.length > 0) out._unknownTags = tags
            return out
          })
        : base.map((value) => ({ ...value }))
    this.memo.set(s, arb)
    return arb
  }

  private field(field: FieldSpec): fc.Arbitrary<unknown> {
    if (!contains(field.versions, this.v)) return fc.constant(null).map(() => defaultOf(field))
    const value = this.type(field.type)
    if (contains(field.nullableVersions, this.v)) return fc.option(value, { nil: null, freq: 4 })
    return value
  }

  private type(t: TypeSpec): fc.Arbitrary<unknown> {
    if (t.kind === 'primitive') return primitiveArb(t.primitive, this.o)
    if (t.kind === 'struct') return this.struct(t.struct)
    return fc.array(this.type(t.items), { maxLength: this.o.maxArray })
  }

  message(): fc.Arbitrary<StructValue> {
    void this.m
    return this.struct(this.m.struct)
  }
}

/** Random values of message m in version v, as decoders (with keepUnknownTags) return them. */
export function messageArb(m: MessageSpec, v: number, options: ArbOptions = {}): fc.Arbitrary<StructValue> {
  const o: Required<ArbOptions> = { maxArray: 3, maxString: 12, unknownTags: true, ...options }
  return new Builder(m, v, o).message()
}
