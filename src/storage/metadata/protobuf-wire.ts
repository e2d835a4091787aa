// The protobuf wire format (proto3), as much of it as metadata.proto uses: varints (int32, uint64),
// length-delimited fields (string, bytes, embedded messages, map entries), and skipping the other
// wire types of fields a newer build may add. records.ts maps the schema's messages onto it; the
// tests check both directions byte for byte against protobufjs loading metadata.proto.
//
// Encoding follows protobufjs (and protoc): fields in field-number order, proto3 scalars left out
// when they hold their default (0, '', no bytes), an embedded message written even when empty, map
// entries with both key and value. Decoding accepts any field order, keeps the last value of a
// repeated scalar field, and throws WireError on truncated or malformed input.

/** Malformed protobuf bytes. */
export class WireError extends Error {}

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const

const UINT64_MASK = (1n << 64n) - 1n

export class ProtoWriter {
  private readonly chunks: Buffer[] = []
  private readonly scratch = Buffer.allocUnsafe(10)

  private varint(v: bigint): void {
    let n = 0
    let x = v & UINT64_MASK
    while (x >= 0x80n) {
      this.scratch[n++] = Number(x & 0x7fn) | 0x80
      x >>= 7n
    }
    this.scratch[n++] = Number(x)
    this.chunks.push(Buffer.from(this.scratch.subarray(0, n)))
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType))
  }

  /** An int32 field (negative values take ten bytes, as in protobuf). */
  int32(field: number, v: number): this {
    if (v !== 0) {
      this.tag(field, WireType.VARINT)
      this.varint(BigInt(v | 0))
    }
    return this
  }

  uint64(field: number, v: bigint): this {
    if (v !== 0n) {
      this.tag(field, WireType.VARINT)
      this.varint(v)
    }
    return this
  }

  bytes(field: number, v: Uint8Array): this {
    if (v.length > 0) this.len(field, v)
    return this
  }

  string(field: number, v: string): this {
    if (v !== '') this.len(field, Buffer.from(v, 'utf8'))
    return this
  }

  /** An embedded message (written even when empty: that is how a oneof member is set). */
  message(field: number, m: ProtoWriter): this {
    return this.len(field, m.finish())
  }

  /** A map<string, string> field: one entry message per key, in Object.keys order. */
  stringMap(field: number, map: Readonly<Record<string, string>>): this {
    for (const k of Object.keys(map)) {
      const entry = new ProtoWriter()
      entry.len(1, Buffer.from(k, 'utf8')).len(2, Buffer.from(map[k]!, 'utf8'))
      this.message(field, entry)
    }
    return this
  }

  private len(field: number, v: Uint8Array): this {
    this.tag(field, WireType.LEN)
    this.varint(BigInt(v.length))
    this.chunks.push(Buffer.from(v.buffer, v.byteOffset, v.length))
    return this
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

/** One field as read: the varint (unsigned 64-bit) or the length-delimited bytes. */
export type ProtoField =
  | { readonly field: number; readonly wireType: typeof WireType.VARINT; readonly varint: bigint }
  | { readonly field: number; readonly wireType: typeof WireType.LEN; readonly bytes: Buffer }
  | { readonly field: number; readonly wireType: typeof WireType.I64 | typeof WireType.I32 }

function readVarint(b: Buffer, at: { pos: number }): bigint {
  let v = 0n
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (at.pos >= b.length) throw new WireError('truncated varint')
    const byte = b[at.pos++]!
    v |= BigInt(byte & 0x7f) << shift
    if (byte < 0x80) return v & UINT64_MASK
  }
  throw new WireError('varint longer than 10 bytes')
}

/** The fields of one message, in the order they appear. */
export function* readFields(bytes: Uint8Array): Generator<ProtoField> {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  const at = { pos: 0 }
  while (at.pos < b.length) {
    const key = readVarint(b, at)
    const field = Number(key >> 3n)
    const wireType = Number(key & 7n)
    if (field === 0 || key >> 3n > 0x1fffffffn) throw new WireError(`invalid field number ${key >> 3n}`)
    switch (wireType) {
      case WireType.VARINT:
        yield { field, wireType, varint: readVarint(b, at) }
        break
      case WireType.LEN: {
        const n = readVarint(b, at)
        if (n > BigInt(b.length - at.pos)) throw new WireError('length past the end')
        const start = at.pos
        at.pos += Number(n)
        yield { field, wireType, bytes: b.subarray(start, at.pos) }
        break
      }
      case WireType.I64:
      case WireType.I32: {
        const n = wireType === WireType.I64 ? 8 : 4
        if (at.pos + n > b.length) throw new WireError('truncated fixed-width field')
        at.pos += n
        yield { field, wireType }
        break
      }
      default:
        // Groups (deprecated, never in proto3) and the reserved wire types 6 and 7.
        throw new WireError(`unsupported wire type ${wireType}`)
    }
  }
}

/** A varint field's value as int32 (protobuf keeps the low 32 bits). */
export function asInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v))
}
