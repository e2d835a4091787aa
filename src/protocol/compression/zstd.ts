// zstd (Kafka codec 4) via node:zlib's zstd bindings. They exist since Node 22.15 / 23.8 (marked
// experimental on 22) and in every Node 24, so the supported range (>=22.18, see package.json
// engines) always has them; the feature test below only guards odd builds and answers
// UNSUPPORTED_COMPRESSION_TYPE instead of crashing.
//
// Decompression is capped with `maxOutputLength`. libzstd additionally bounds its window buffer at
// 2^27 bytes (its default windowLogMax, the same limit Kafka's zstd-jni reader has), so a crafted
// frame can cost at most ~128 MiB of transient native memory, never an unbounded amount.
//
// node:zlib is loaded on first use: a broker whose clients never compress does not pay its ~0.4 MB.

import type * as Zlib from 'node:zlib'
import { CompressionError, fromCodecError } from './compression-error.ts'

const zlib = (): typeof Zlib => process.getBuiltinModule('node:zlib')

interface ZstdBindings {
  zstdCompressSync(data: Buffer, options?: { params?: Record<number, number> }): Buffer
  zstdDecompressSync(data: Buffer, options?: { maxOutputLength?: number }): Buffer
}

function bindings(): ZstdBindings {
  const z = zlib() as Partial<ZstdBindings>
  if (typeof z.zstdCompressSync !== 'function' || typeof z.zstdDecompressSync !== 'function')
    throw new CompressionError('unsupported', `zstd: not available in Node.js ${process.version}`)
  return z as ZstdBindings
}

export function zstdAvailable(): boolean {
  return typeof (zlib() as Partial<ZstdBindings>).zstdDecompressSync === 'function'
}

/** Kafka's default zstd level is 3 (libzstd's default). */
export function zstdCompress(data: Buffer, level = 3): Buffer {
  const z = bindings()
  return z.zstdCompressSync(data, {
    params: {
      [zlib().constants.ZSTD_c_compressionLevel]: level,
      // Lets readers size their buffers and lets our own reader reject oversize frames early.
      [zlib().constants.ZSTD_c_contentSizeFlag]: 1,
    },
  })
}

export function zstdDecompress(data: Buffer, maxOutputLength: number): Buffer {
  const z = bindings()
  if (data.length === 0) throw new CompressionError('corrupt', 'zstd: empty input')
  try {
    return z.zstdDecompressSync(data, { maxOutputLength: Math.max(1, maxOutputLength) })
  } catch (err) {
    throw fromCodecError('zstd', maxOutputLength, err)
  }
}
