// Dispatch from a RecordBatch compression id (attributes bits 0-2) to its codec. Every
// decompression takes a cap on the output size and fails with CompressionError, never by
// allocating more.

import { CompressionError } from './compression-error.ts'
import { gzipCompress, gzipDecompress } from './gzip.ts'
import { lz4Compress, lz4Decompress } from './lz4.ts'
import { snappyCompressXerial, snappyDecompress } from './snappy.ts'
import { zstdCompress, zstdDecompress } from './zstd.ts'

/** Same numbering as `Compression` in records/batch-header.ts. */
export const CODEC_NONE = 0
export const CODEC_GZIP = 1
export const CODEC_SNAPPY = 2
export const CODEC_LZ4 = 3
export const CODEC_ZSTD = 4

export const CODEC_NAMES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'gzip',
  2: 'snappy',
  3: 'lz4',
  4: 'zstd',
}

/**
 * Compresses with `codec`. `level` (KIP-390's compression.<codec>.level) applies to gzip and zstd;
 * undefined selects Kafka's default. snappy has no levels and our lz4 encoder only lz4's fast mode
 * (what Kafka uses at its default lz4 level).
 */
export function compress(codec: number, data: Buffer, level?: number): Buffer {
  switch (codec) {
    case CODEC_NONE:
      return data
    case CODEC_GZIP:
      return gzipCompress(data, level)
    case CODEC_SNAPPY:
      return snappyCompressXerial(data)
    case CODEC_LZ4:
      return lz4Compress(data)
    case CODEC_ZSTD:
      return zstdCompress(data, level)
    default:
      throw new CompressionError('unsupported', `unknown compression codec ${codec}`)
  }
}

/**
 * Decompresses `data` for `codec`, failing past `maxOutputLength`. `into`: a buffer the lz4
 * decoder (ours) may write the output to, so the result may be a view of it; the native gzip,
 * snappy and zstd decoders always allocate.
 */
export function decompress(codec: number, data: Buffer, maxOutputLength: number, into?: Buffer): Buffer {
  switch (codec) {
    case CODEC_NONE:
      if (data.length > maxOutputLength)
        throw new CompressionError('too-large', `records exceed ${maxOutputLength} bytes`)
      return data
    case CODEC_GZIP:
      return gzipDecompress(data, maxOutputLength)
    case CODEC_SNAPPY:
      return snappyDecompress(data, maxOutputLength)
    case CODEC_LZ4:
      return lz4Decompress(data, maxOutputLength, into)
    case CODEC_ZSTD:
      return zstdDecompress(data, maxOutputLength)
    default:
      throw new CompressionError('unsupported', `unknown compression codec ${codec}`)
  }
}
