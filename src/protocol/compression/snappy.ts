// snappy (Kafka codec 2), in the two forms clients send:
//
//  raw     one snappy block: uvarint uncompressed length, then snappy elements (librdkafka,
//          kafkajs-snappy's encoder and other non-Java clients).
//  xerial  the framing of org.xerial.snappy.SnappyOutputStream, which the Java client writes:
//            magic   8 bytes  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//            version int32 BE (1)
//            compat  int32 BE (1, the minimum reader version)
//            blocks  repeated [int32 BE compressed length][raw snappy block], until the end
//
// Decoding detects xerial by its magic and otherwise takes the input as raw. Each raw block states
// its uncompressed length up front, so the cap is checked before the native decoder allocates
// anything. We encode xerial (blocks of 32 KiB input, as SnappyOutputStream does), which every
// Kafka client reads; the Java client's reader also accepts raw.

import { createRequire } from 'node:module'
import type * as Snappy from 'snappy'
import { CompressionError, fromCodecError } from './compression-error.ts'

// The native addon is loaded on first use, not at start: most brokers never see a snappy batch, and
// loading it costs a few MB of RSS and milliseconds of every start.
let addon: typeof Snappy | undefined
function snappy(): typeof Snappy {
  return (addon ??= createRequire(import.meta.url)('snappy') as typeof Snappy)
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_SIZE = 16
const XERIAL_BLOCK_SIZE = 32 * 1024

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, 8).equals(XERIAL_MAGIC)
}

/** Raw snappy block: the uncompressed length is the leading uvarint (at most 32 bits). */
function rawLength(data: Buffer, start: number, end: number): number {
  let result = 0
  for (let i = 0, pos = start; i < 5; i++, pos++) {
    if (pos >= end) throw new CompressionError('corrupt', 'snappy: truncated length preamble')
    const b = data[pos]!
    result += (b & 0x7f) * 2 ** (7 * i)
    if ((b & 0x80) === 0) {
      if (result > 0xffffffff) break
      return result
    }
  }
  throw new CompressionError('corrupt', 'snappy: bad length preamble')
}

function uncompressBlock(block: Buffer, budget: number, cap: number): Buffer {
  const len = rawLength(block, 0, block.length)
  if (len > budget) throw new CompressionError('too-large', `snappy: decompressed size exceeds ${cap} bytes`)
  try {
    return snappy().uncompressSync(block, { asBuffer: true }) as Buffer
  } catch (err) {
    throw fromCodecError('snappy', cap, err)
  }
}

export function snappyCompressRaw(data: Buffer): Buffer {
  return snappy().compressSync(data)
}

export function snappyCompressXerial(data: Buffer): Buffer {
  const parts: Buffer[] = []
  const header = Buffer.alloc(XERIAL_HEADER_SIZE)
  XERIAL_MAGIC.copy(header, 0)
  header.writeInt32BE(1, 8)
  header.writeInt32BE(1, 12)
  parts.push(header)
  for (let off = 0; off < data.length; off += XERIAL_BLOCK_SIZE) {
    const block = snappy().compressSync(data.subarray(off, Math.min(data.length, off + XERIAL_BLOCK_SIZE)))
    const len = Buffer.allocUnsafe(4)
    len.writeInt32BE(block.length, 0)
    parts.push(len, block)
  }
  return Buffer.concat(parts)
}

export function snappyDecompress(data: Buffer, maxOutputLength: number): Buffer {
  if (!isXerialFramed(data)) {
    if (data.length === 0) throw new CompressionError('corrupt', 'snappy: empty input')
    return uncompressBlock(data, maxOutputLength, maxOutputLength)
  }
  const blocks: Buffer[] = []
  let total = 0
  let pos = XERIAL_HEADER_SIZE
  while (pos < data.length) {
    if (data.length - pos < 4) throw new CompressionError('corrupt', 'snappy: truncated xerial block length')
    const len = data.readInt32BE(pos)
    pos += 4
    if (len < 0 || len > data.length - pos)
      throw new CompressionError('corrupt', `snappy: xerial block length ${len} beyond input`)
    const block = uncompressBlock(data.subarray(pos, pos + len), maxOutputLength - total, maxOutputLength)
    pos += len
    total += block.length
    blocks.push(block)
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total)
}
