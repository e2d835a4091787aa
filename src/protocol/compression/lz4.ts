// lz4 (Kafka codec 3): the LZ4 frame format (lz4.github.io/lz4/lz4_Frame_format.html).
//
//   magic        uint32 LE 0x184D2204 (skippable frames 0x184D2A50..5F: uint32 LE size, then data)
//   FLG          bits 7-6 version (01), 5 block independence, 4 block checksum,
//                3 content size present, 2 content checksum, 0 dictionary id present
//   BD           bits 6-4 block max size: 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB
//   [content size uint64 LE] [dictionary id uint32 LE]
//   HC           header checksum byte: (xxh32(descriptor) >> 8) & 0xFF
//   blocks       uint32 LE size (high bit set = stored uncompressed; 0 = end mark), data,
//                [uint32 block checksum]
//   [content checksum uint32]
//
// Encoding uses lz4-napi (lz4_flex, native): independent 64 KiB blocks, correct header checksum,
// which is what Kafka >= 0.10 readers expect.
//
// Decoding is our own, because no well-kept package offers a cap on the decompressed size: the
// frame is walked here, each block is decoded into a buffer that grows only up to the cap, and
// the declared content size (if present) is checked against the cap before anything is decoded.
// The header checksum is not verified: Kafka clients before 0.10 (magic 0/1 messages) computed it
// over the magic bytes too, and Kafka's own reader ignores it for that reason. Block and content
// xxh32 checksums are skipped as well; the batch's CRC-32C already covers every compressed byte.
// Dependent (linked) blocks and concatenated frames are accepted.

import { createRequire } from 'node:module'
import type * as Lz4 from 'lz4-napi'
import { CompressionError } from './compression-error.ts'
import { decodeLz4Block, Lz4OutputFull } from './lz4-block.ts'

const FRAME_MAGIC = 0x184d2204
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const BLOCK_SIZES = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024]

// The native addon (compression only; decompression is ours) is loaded on first use, not at start:
// most brokers never compress with lz4, and loading it costs RSS and milliseconds of every start.
let addon: typeof Lz4 | undefined

export function lz4Compress(data: Buffer): Buffer {
  addon ??= createRequire(import.meta.url)('lz4-napi') as typeof Lz4
  return addon.compressFrameSync(data)
}

function corrupt(message: string): CompressionError {
  return new CompressionError('corrupt', `lz4: ${message}`)
}

function tooLarge(cap: number): CompressionError {
  return new CompressionError('too-large', `lz4: decompressed size exceeds ${cap} bytes`)
}

/**
 * Decodes an lz4 frame. With `into`, decoding starts in that buffer (grown into a new one when it
 * is too small), so the result may be a view of `into`: for callers that read it and let go.
 */
export function lz4Decompress(data: Buffer, maxOutputLength: number, into?: Buffer): Buffer {
  const cap = Math.max(0, maxOutputLength)
  // Start from a guess (lz4 rarely expands more than ~4x on record data) and grow to the cap.
  let out = into ?? Buffer.allocUnsafe(Math.min(cap, Math.max(64 * 1024, data.length * 4)))
  let op = 0
  let pos = 0
  const end = data.length
  if (end === 0) throw corrupt('empty input')

  const ensure = (want: number): void => {
    if (want <= out.length) return
    const size = Math.min(cap, Math.max(want, out.length * 2))
    const grown = Buffer.allocUnsafe(size)
    out.copy(grown, 0, 0, op)
    out = grown
  }

  while (pos < end) {
    if (end - pos < 4) throw corrupt('truncated frame magic')
    const magic = data.readUInt32LE(pos)
    pos += 4
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (end - pos < 4) throw corrupt('truncated skippable frame')
      const size = data.readUInt32LE(pos)
      pos += 4
      if (size > end - pos) throw corrupt('skippable frame beyond input')
      pos += size
      continue
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)}`)
    if (end - pos < 3) throw corrupt('truncated frame descriptor')
    const flg = data[pos]!
    const bd = data[pos + 1]!
    pos += 2
    if (flg >>> 6 !== 1) throw corrupt(`unsupported frame version ${flg >>> 6}`)
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('reserved descriptor bits set')
    const blockMax = BLOCK_SIZES[(bd >>> 4) & 7]!
    if (blockMax === 0) throw corrupt(`bad block max size code ${(bd >>> 4) & 7}`)
    const blockChecksum = (flg & 0x10) !== 0
    const contentChecksum = (flg & 0x04) !== 0
    const frameStartOut = op
    let contentSize = -1
    if ((flg & 0x08) !== 0) {
      if (end - pos < 8) throw corrupt('truncated content size')
      const declared = data.readBigUInt64LE(pos)
      pos += 8
      if (declared > BigInt(cap - op)) throw tooLarge(cap)
      contentSize = Number(declared)
    }
    if ((flg & 0x01) !== 0) throw corrupt('dictionary frames are not supported')
    if (end - pos < 1) throw corrupt('truncated header checksum')
    pos += 1 // HC, deliberately unchecked (see above)

    for (;;) {
      if (end - pos < 4) throw corrupt('truncated block size')
      const word = data.readUInt32LE(pos)
      pos += 4
      if (word === 0) break
      const stored = (word & 0x80000000) !== 0
      const size = word & 0x7fffffff
      if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the frame's ${blockMax}`)
      if (size > end - pos) throw corrupt('block beyond input')
      if (stored) {
        if (size > cap - op) throw tooLarge(cap)
        ensure(op + size)
        data.copy(out, op, pos, pos + size)
        op += size
      } else {
        const room = Math.min(blockMax, cap - op)
        ensure(op + room)
        try {
          op = decodeLz4Block(data, pos, pos + size, out, op, op + room)
        } catch (err) {
          if (!(err instanceof Lz4OutputFull)) throw err
          throw room < blockMax ? tooLarge(cap) : corrupt(`block decodes to more than ${blockMax} bytes`)
        }
      }
      pos += size
      if (blockChecksum) {
        if (end - pos < 4) throw corrupt('truncated block checksum')
        pos += 4
      }
    }
    if (contentChecksum) {
      if (end - pos < 4) throw corrupt('truncated content checksum')
      pos += 4
    }
    if (contentSize >= 0 && op - frameStartOut !== contentSize)
      throw corrupt(`frame decoded to ${op - frameStartOut} bytes, header says ${contentSize}`)
  }
  return op === out.length ? out : out.subarray(0, op)
}
