// gzip (Kafka codec 1) via node:zlib. Decompression is bounded by zlib's `maxOutputLength`, which
// stops inflating once the cap is reached (no oversized buffer is ever allocated). Concatenated
// gzip members are accepted, as Java's GZIPInputStream does.

import { constants, gunzipSync, gzipSync } from 'node:zlib'
import { CompressionError, fromCodecError } from './compression-error.ts'

/** Kafka's default gzip level is zlib's default (6); `level` -1 selects it. */
export function gzipCompress(data: Buffer, level: number = constants.Z_DEFAULT_COMPRESSION): Buffer {
  return gzipSync(data, { level })
}

export function gzipDecompress(data: Buffer, maxOutputLength: number): Buffer {
  if (data.length === 0) throw new CompressionError('corrupt', 'gzip: empty input')
  try {
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxOutputLength) })
  } catch (err) {
    throw fromCodecError('gzip', maxOutputLength, err)
  }
}
