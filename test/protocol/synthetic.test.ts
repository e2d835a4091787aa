// The emitter on synthetic declarations (test/protocol/synthetic/schema.ts) that cover shapes no
// real API declares yet: arrays of arrays, nullable and tagged structs, fields regular in early
// versions and tagged later, removed fields, non-nullable records. The emitted source is written to
// a temporary module, imported, and checked against the interpreter like the real APIs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { emitMessage } from '../../scripts/protocol-codegen.ts'
import type { MessageSpec } from '../../src/protocol/schema/dsl.ts'
import { Reader } from '../../src/protocol/primitives/reader.ts'
import { Writer } from '../../src/protocol/primitives/writer.ts'
import { interpretDecode, interpretEncode, type StructValue } from '../../src/protocol/interpreter.ts'
import { messageArb } from './arbitraries.ts'
import { SYNTHETIC } from './synthetic/schema.ts'

type Decode = (r: Reader, v: number, keep?: boolean) => unknown
type Encode = (w: Writer, v: number, m: object) => void

const src = join(import.meta.dirname, '..', '..', 'src', 'protocol')
const mod = (rel: string): string => JSON.stringify(pathToFileURL(join(src, rel)).href)
let dir = ''
let codecs: Record<string, unknown> = {}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samsa-synthetic-'))
  const header = [
    `import { Reader } from ${mod('primitives/reader.ts')}`,
    `import { Writer } from ${mod('primitives/writer.ts')}`,
    `import { ZERO_UUID } from ${mod('primitives/uuid.ts')}`,
    `import { EncodeError, ProtocolError } from ${mod('errors-protocol.ts')}`,
    `import { EMPTY_BYTES, isDefaultStruct, writeTaggedFields } from ${mod('codec-support.ts')}`,
  ].join('\n')
  const file = join(dir, 'synthetic.ts')
  writeFileSync(file, `${header}\n${SYNTHETIC.map(emitMessage).join('\n\n')}\n`)
  codecs = (await import(pathToFileURL(file).href)) as Record<string, unknown>
})
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

function check(m: MessageSpec, v: number, value: StructValue): void {
  const decode = codecs[`decode${m.name}`] as Decode
  const encode = codecs[`encode${m.name}`] as Encode
  const gw = new Writer(8)
  encode(gw, v, value)
  const iw = new Writer(8)
  interpretEncode(m, iw, v, value)
  const bytes = gw.toBuffer()
  expect(bytes.toString('hex')).toBe(iw.toBuffer().toString('hex'))
  const r = new Reader(bytes)
  const decoded = decode(r, v, true)
  expect(r.remaining).toBe(0)
  expect(decoded).toEqual(interpretDecode(m, new Reader(bytes), v, true))
  expect(decoded).toEqual(value)
}

describe('emitter on synthetic declarations', () => {
  for (const m of SYNTHETIC) {
    for (let v = m.validVersions.min; v <= m.validVersions.max; v++) {
      it(`${m.name} v${v}`, () => {
        fc.assert(
          fc.property(messageArb(m, v), (value) => check(m, v, value)),
          { numRuns: 60 },
        )
      })
    }
  }

  it('tagged fields are written only when they differ from the default', () => {
    const m = SYNTHETIC[0]!
    const encode = codecs[`encode${m.name}`] as Encode
    const bytesOf = (value: object): string => {
      const w = new Writer()
      encode(w, 5, value)
      return w.toBuffer().toString('hex')
    }
    const base = bytesOf({})
    // A default-equal struct (partial, Init-style) and explicit defaults add nothing.
    expect(bytesOf({ taggedStruct: { a: 0 }, regularThenTagged: 7, taggedNullableStruct: null })).toBe(base)
    expect(bytesOf({ taggedStruct: { a: 1 } })).not.toBe(base)
    expect(bytesOf({ taggedNullableStruct: { a: 0 } })).not.toBe(base)
  })

  it('refuses a non-default struct in a version without the field unless ignorable', () => {
    const m = SYNTHETIC[0]!
    const encode = codecs[`encode${m.name}`] as Encode
    expect(() => encode(new Writer(), 3, { removedStruct: { u: 1 } })).toThrow(/not supported/)
    expect(() => encode(new Writer(), 3, { removedStruct: { u: 0 } })).not.toThrow()
    expect(() => encode(new Writer(), 3, { removedIgnorable: 'x' })).not.toThrow()
    expect(() => encode(new Writer(), 3, { removed: 1 })).toThrow(/not supported/)
    expect(() => encode(new Writer(), 1, { maybe: null })).toThrow(/null in non-nullable/)
  })
})
