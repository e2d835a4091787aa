// Small runtime helpers shared by the generated codec (src/protocol/generated/).

import type { UnknownTag } from './primitives/reader.ts'
import { Writer } from './primitives/writer.ts'

/** The implicit default of non-nullable bytes fields; zero-length, so sharing it is safe. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0)

/** Writes a tagged-field section: known fields and retained unknown ones, in ascending tag order. */
export function writeTaggedFields(
  w: Writer,
  known: Array<[number, Buffer]>,
  unknown: UnknownTag[] | undefined,
): void {
  if (unknown !== undefined && unknown.length > 0) {
    for (const u of unknown) known.push([u.tag, u.data])
    known.sort((a, b) => a[0] - b[0])
  }
  w.uvarint(known.length)
  for (const [tag, data] of known) {
    w.uvarint(tag)
    w.uvarint(data.length)
    w.raw(data)
  }
}

/** Structural equality of two structs by their encoding (used only for tagged struct defaults). */
export function structEquals<T>(
  encode: (w: Writer, v: number, m: T) => void,
  v: number,
  a: T,
  b: T,
): boolean {
  const wa = new Writer(64)
  const wb = new Writer(64)
  encode(wa, v, a)
  encode(wb, v, b)
  return wa.toBuffer().equals(wb.toBuffer())
}
