// LZ4 block format decoder (the payload of each LZ4 frame block). Sequences of
//   token (4 bits literal length, 4 bits match length - 4), [literal length extension bytes 255...],
//   literals, match offset uint16 LE, [match length extension bytes 255...]
// with the last sequence carrying literals only.
//
// Decoding writes into a caller-provided output buffer and never past `limit`, so the caller
// bounds memory. Matches may reach back before `outStart` into earlier output: that is how linked
// (dependent) frame blocks refer to the previous block; independent blocks simply never do.

import { CompressionError } from './compression-error.ts'

/** Thrown when the block would write past `limit`; the frame decoder grows or gives up. */
export class Lz4OutputFull extends Error {
  override name = 'Lz4OutputFull'
}

// Below this many bytes a JS byte loop beats the native copy call's fixed cost.
const SHORT_COPY = 32

/**
 * Decodes src[start, end) into out starting at outStart; out[0, outStart) is history available to
 * matches. Returns the new output position.
 */
export function decodeLz4Block(
  src: Buffer,
  start: number,
  end: number,
  out: Buffer,
  outStart: number,
  limit: number,
): number {
  let ip = start
  let op = outStart
  if (start === end) throw new CompressionError('corrupt', 'lz4: empty block')
  for (;;) {
    const token = src[ip++]!
    let litLen = token >>> 4
    if (litLen === 15) {
      let b: number
      do {
        if (ip >= end) throw new CompressionError('corrupt', 'lz4: truncated literal length')
        b = src[ip++]!
        litLen += b
      } while (b === 255)
    }
    if (litLen > 0) {
      if (litLen > end - ip) throw new CompressionError('corrupt', 'lz4: literals beyond block')
      if (litLen > limit - op) throw new Lz4OutputFull()
      if (litLen < SHORT_COPY) {
        for (let i = 0; i < litLen; i++) out[op + i] = src[ip + i]!
      } else {
        src.copy(out, op, ip, ip + litLen)
      }
      ip += litLen
      op += litLen
    }
    if (ip === end) return op
    if (end - ip < 2) throw new CompressionError('corrupt', 'lz4: truncated match offset')
    const offset = src[ip]! | (src[ip + 1]! << 8)
    ip += 2
    if (offset === 0 || offset > op) throw new CompressionError('corrupt', `lz4: bad match offset ${offset}`)
    let matchLen = token & 15
    if (matchLen === 15) {
      let b: number
      do {
        if (ip >= end) throw new CompressionError('corrupt', 'lz4: truncated match length')
        b = src[ip++]!
        matchLen += b
      } while (b === 255)
    }
    matchLen += 4
    if (matchLen > limit - op) throw new Lz4OutputFull()
    let from = op - offset
    if (offset >= matchLen && matchLen >= SHORT_COPY) {
      out.copyWithin(op, from, from + matchLen)
      op += matchLen
    } else {
      // Overlapping matches repeat the last `offset` bytes: copy forward byte by byte.
      const stop = op + matchLen
      while (op < stop) out[op++] = out[from++]!
    }
    if (ip >= end) throw new CompressionError('corrupt', 'lz4: block ends with a match')
  }
}
