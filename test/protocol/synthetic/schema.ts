// Synthetic declarations that exercise emitter paths no real Kafka API uses (arrays of arrays,
// nullable and tagged structs, fields regular in early versions and tagged later, non-nullable
// records, removed fields, every scalar type). test/protocol/synthetic.test.ts emits code for them
// with the real emitter and checks it against the interpreter like the real APIs.

import { f, message, struct } from '../../../src/protocol/schema/dsl.ts'

const Inner = struct('Inner', {
  a: f.int32(),
  s: f.string().nullable('2+'),
  t: f.int64().versions('3+').tag(0, '3+').default(-1n),
})

const Leaf = struct('Leaf', { u: f.uint16(), name: f.string() })

export const Synthetic = message('SyntheticMessage', '0-5', '3+', {
  grid: f.array(f.array(f.int32())),
  gridOfStructs: f.array(f.array(Leaf)).versions('1+'),
  strings2: f.array(f.array(f.string())).nullable('2+'),
  maybe: f.struct(Inner).versions('1+').nullable('2+'),
  maybeNull: f.struct(Inner).nullable('0+').default(null),
  taggedStruct: f.struct(Inner).versions('3+').tag(1, '3+'),
  taggedNullableStruct: f.struct(Inner).versions('3+').nullable('3+').tag(2, '3+').default(null),
  taggedGrid: f.array(f.array(f.uint16())).versions('3+').tag(3, '3+'),
  regularThenTagged: f.int32().versions('1+').tag(4, '4+').default(7),
  stringRegularThenTagged: f.string().versions('2+').nullable('2+').tag(5, '4+'),
  structRegularThenTagged: f.struct(Leaf).versions('1+').tag(6, '5+'),
  recs: f.records(),
  nrecs: f.records().nullable('1+'),
  u32: f.uint32(),
  f64: f.float64().default(0.5),
  i8: f.int8().default(-3),
  b: f.bool().default(true),
  id: f.uuid(),
  classicString: f.string().nullable('0+').flexible('none'),
  removed: f.int16().versions('0-2'),
  removedIgnorable: f.string().versions('0-1').ignorable(),
  removedStruct: f.struct(Leaf).versions('0-1'),
  bytesList: f.array(f.bytes()).versions('2+'),
  uuids: f.array(f.uuid()),
})

/** Flexible in every version: compact forms everywhere, tagged fields from v0. */
export const AllFlexible = message('AllFlexibleMessage', '0-2', '0+', {
  items: f.array(f.array(struct('Cell', { x: f.int64(), tags: f.array(f.string()).tag(0, '0+') }))),
  note: f.string().nullable('1+').tag(1, '1+').default(null),
})

/** Never flexible: no tagged sections at all. */
export const NeverFlexible = message('NeverFlexibleMessage', '0-3', 'none', {
  rows: f.array(f.array(f.array(f.int8()))).nullable('2+'),
  maybe: f.struct(Leaf).nullable('1+').versions('1+'),
})

export const SYNTHETIC = [Synthetic, AllFlexible, NeverFlexible]
