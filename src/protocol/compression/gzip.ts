// gzip (Kafka codec 1) via node:zlib. Decompression is bounded by zlib's `maxOutputLength`, which
// stops inflating once the cap is reached (no oversized buffer is ever allocated). Concatenated
// gzip members are accepted, as Java's GZIPInputStream does. node:zlib is loaded on first use (as
// in zstd.ts): a broker whose clients never compress does not pay its ~0.4 MB.

import type * as Zlib from 'node:zlib'
import { CompressionError, fromCodecError } from './compression-error.ts'

const zlib = (): typeof Zlib => process.getBuiltinModule('node:zlib')

/** Kafka's default gzip level is zlib's default (6); `level` -1 (Z_DEFAULT_COMPRESSION) selects it. */
export function gzipCompress(data: Buffer, level = -1): Buffer {
  return zlib().gzipSync(data, { level })
}

export function gzipDecompress(data: Buffer, maxOutputLength: number): Buffer {
  if (data.length === 0) throw new CompressionError('corrupt', 'gzip: empty input')
  try {
    return zlib().gunzipSync(data, { maxOutputLength: Math.max(1, maxOutputLength) })
  } catch (err) {
    throw fromCodecError('gzip', maxOutputLength, err)
  }
}
