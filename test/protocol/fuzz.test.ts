// Time-boxed fuzzing of every decoder: random bytes and mutated valid encodings, for every API ×
// version × direction, must decode to a value or fail with ProtocolError: never another exception,
// never a hang. The schema interpreter must reach the same verdict (and the same value).

import { expect, it } from 'vitest'
import fc from 'fast-check'
import { ALL_APIS } from '../../src/protocol/schema/apis/index.ts'
import type { MessageSpec } from '../../src/protocol/schema/dsl.ts'
import { CODEC_BY_KEY } from '../../src/protocol/generated/index.ts'
import { Reader } from '../../src/protocol/primitives/reader.ts'
import { ProtocolError } from '../../src/protocol/errors-protocol.ts'
import { interpretDecode, interpretEncodeToBuffer } from '../../src/protocol/interpreter.ts'
import { messageArb } from './arbitraries.ts'

const TIME_BOX_MS = Number(process.env.FUZZ_MS ?? 10_000)

interface Target {
  m: MessageSpec
  v: number
  decode: (r: Reader, v: number, keep?: boolean) => unknown
}

const targets: Target[] = []
for (const a of ALL_APIS) {
  const codec = CODEC_BY_KEY[a.key]!
  for (let v = a.validVersions.min; v <= a.validVersions.max; v++) {
    targets.push({ m: a.request, v, decode: (r, ver, keep) => codec.decodeRequest(r, ver, keep) })
    targets.push({ m: a.response, v, decode: (r, ver, keep) => codec.decodeResponse(r, ver, keep) })
  }
}

// Mutations that tend to hit length and count fields: flips, truncation, insertion, and 4-byte
// windows set to the extremes of int32 (the 2^31 count among them).
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant('int32' as const),
    at: fc.nat(),
    value: fc.constantFrom(0x7fffffff, -0x80000000, -1, -2, 0x10000, 0xffff),
  }),
  fc.record({
    kind: fc.constant('varint' as const),
    at: fc.nat(),
    bytes: fc.constantFrom('ffffffff0f', 'ffffffff7f', '80808080808001', '00', '7f'),
  }),
)
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never

function mutate(buf: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(buf)
  for (const mu of muts) {
    const at = b.length === 0 ? 0 : mu.at % (b.length + 1)
    switch (mu.kind) {
      case 'flip':
        if (at < b.length) b[at] = mu.byte
        break
      case 'truncate':
        b = b.subarray(0, at)
        break
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(mu.bytes), b.subarray(at)])
        break
      case 'int32':
        if (at + 4 <= b.length) b.writeInt32BE(mu.value, at)
        break
      case 'varint':
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(mu.bytes, 'hex'),
          b.subarray(Math.min(b.length, at + 1)),
        ])
        break
    }
  }
  return b
}

type Verdict = { ok: true; value: unknown; pos: number } | { ok: false; error: unknown }

function run(fn: (r: Reader) => unknown, bytes: Buffer): Verdict {
  const r = new Reader(bytes)
  try {
    const value = fn(r)
    return { ok: true, value, pos: r.pos }
  } catch (error) {
    return { ok: false, error }
  }
}

function checkBytes(t: Target, bytes: Buffer): void {
  const started = performance.now()
  const g = run((r) => t.decode(r, t.v, true), bytes)
  const elapsed = performance.now() - started
  expect(elapsed, `${t.m.name} v${t.v} decode time (ms)`).toBeLessThan(1000)
  if (!g.ok) expect(g.error, `${t.m.name} v${t.v}: ${String(g.error)}`).toBeInstanceOf(ProtocolError)
  const i = run((r) => interpretDecode(t.m, r, t.v, true), bytes)
  if (!i.ok)
    expect(i.error, `interpreter ${t.m.name} v${t.v}: ${String(i.error)}`).toBeInstanceOf(ProtocolError)
  expect(g.ok, `${t.m.name} v${t.v}: generated and interpreter verdicts (${bytes.toString('hex')})`).toBe(
    i.ok,
  )
  if (g.ok && i.ok) {
    expect(g.pos).toBe(i.pos)
    expect(g.value).toEqual(i.value)
  }
}

const targetArb = fc.nat({ max: targets.length - 1 }).map((n) => targets[n]!)

it(
  `decoders survive random and mutated input (${TIME_BOX_MS} ms)`,
  { timeout: TIME_BOX_MS * 3 + 30_000 },
  () => {
    const deadline = TIME_BOX_MS / 2
    const random = fc.tuple(targetArb, fc.uint8Array({ maxLength: 64 }))
    const stats = { random: 0, mutated: 0 }
    fc.assert(
      fc.property(random, ([t, bytes]) => {
        stats.random++
        checkBytes(t, Buffer.from(bytes))
      }),
      { numRuns: 1_000_000, interruptAfterTimeLimit: deadline, markInterruptAsFailure: false },
    )
    const mutated = targetArb.chain((t) =>
      fc.tuple(fc.constant(t), messageArb(t.m, t.v), fc.array(mutation, { minLength: 1, maxLength: 3 })),
    )
    fc.assert(
      fc.property(mutated, ([t, value, muts]) => {
        stats.mutated++
        checkBytes(t, mutate(interpretEncodeToBuffer(t.m, t.v, value), muts))
      }),
      { numRuns: 1_000_000, interruptAfterTimeLimit: deadline, markInterruptAsFailure: false },
    )
    console.log(`fuzz: ${stats.random} random and ${stats.mutated} mutated inputs`)
    // Enough cases ran for the time box to mean something.
    expect(stats.random).toBeGreaterThan(100)
    expect(stats.mutated).toBeGreaterThan(100)
  },
)
