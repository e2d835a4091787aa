// Small runtime helpers shared by the generated codec (src/protocol/generated/).

import type { UnknownTag } from './primitives/reader.ts'
import type { Writer } from './primitives/writer.ts'

/** The implicit default of non-nullable bytes fields; zero-length, so sharing it is safe. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0)

/**
 * Writes a tagged-field section: known fields (undefined: none) and retained unknown ones, in
 * ascending tag order.
 */
export function writeTaggedFields(
  w: Writer,
  known: Array<[number, Buffer]> | undefined,
  unknown: UnknownTag[] | undefined,
): void {
  if (unknown !== undefined && unknown.length > 0) {
    known ??= []
    for (const u of unknown) known.push([u.tag, u.data])
    known.sort((a, b) => a[0] - b[0])
  }
  if (known === undefined) {
    w.uvarint(0)
    return
  }
  w.uvarint(known.length)
  for (const [tag, data] of known) {
    w.uvarint(tag)
    w.uvarint(data.length)
    w.raw(data)
  }
}

/**
 * Whether a struct value equals its default, field by field (Kafka compares with equals()). The
 * value may be a partial Init object: a missing field counts as its default. Retained unknown tags
 * make a value non-default. Used for tagged struct fields (written only when not default) and for
 * struct fields a version lacks (a non-default value there is an encode error unless ignorable).
 */
export function isDefaultStruct(value: object, def: object): boolean {
  const v = value as Record<string, unknown>
  const d = def as Record<string, unknown>
  // for-in rather than Object.keys: no array per call (this runs per encoded struct field).
  for (const key in v) {
    if (!Object.hasOwn(v, key)) continue
    const x = v[key]
    if (x === undefined) continue
    if (key === '_unknownTags') {
      if ((x as unknown[]).length > 0) return false
      continue
    }
    if (!sameAsDefault(x, d[key])) return false
  }
  return true
}

function sameAsDefault(x: unknown, d: unknown): boolean {
  if (x === d) return true
  if (x === null || d === null || typeof x !== 'object' || typeof d !== 'object') return false
  if (Buffer.isBuffer(x) || Buffer.isBuffer(d)) return Buffer.isBuffer(x) && Buffer.isBuffer(d) && x.equals(d)
  if (Array.isArray(x) || Array.isArray(d)) {
    if (!Array.isArray(x) || !Array.isArray(d) || x.length !== d.length) return false
    return x.every((item, i) => sameAsDefault(item, d[i]))
  }
  return isDefaultStruct(x, d)
}
