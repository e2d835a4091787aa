import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { compressFrameSync, decompressFrameSync } from 'lz4-napi'
import { compressSync as snappyRaw, uncompressSync as snappyUncompress } from 'snappy'
import { describe, expect, it } from 'vitest'
import { compress, decompress } from '../../../src/protocol/compression/codecs.ts'
import { CompressionError } from '../../../src/protocol/compression/compression-error.ts'
import { lz4Decompress } from '../../../src/protocol/compression/lz4.ts'
import {
  isXerialFramed,
  snappyCompressRaw,
  snappyDecompress,
} from '../../../src/protocol/compression/snappy.ts'
import { fixtureInput } from './fixture-input.ts'

const CODECS = [
  [1, 'gzip'],
  [2, 'snappy'],
  [3, 'lz4'],
  [4, 'zstd'],
] as const

const fixture = (name: string): Buffer => readFileSync(new URL(`fixtures/${name}`, import.meta.url))

function expectCompressionError(
  fn: () => unknown,
  problem?: 'corrupt' | 'too-large' | 'unsupported',
): CompressionError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(CompressionError)
    const e = err as CompressionError
    if (problem) expect(e.problem).toBe(problem)
    expect(e.code).toBe(problem === 'unsupported' ? 76 : e.problem === 'unsupported' ? 76 : 2)
    return e
  }
  throw new Error('expected a CompressionError')
}

const sample = fixtureInput()

describe.each(CODECS)('codec %i (%s)', (codec) => {
  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat({ max: 200 }), (arr, repeat) => {
        // Mix random bytes with repetitive runs so that matches, not only literals, get exercised.
        const data = Buffer.concat([
          Buffer.from(arr),
          Buffer.alloc(repeat * 50, arr[0] ?? 7),
          Buffer.from(arr),
        ])
        const packed = compress(codec, data)
        expect(decompress(codec, packed, data.length).equals(data)).toBe(true)
      }),
      { numRuns: 150 },
    )
  })

  it('round-trips a multi-block input exactly at the cap and fails one byte below it', () => {
    const packed = compress(codec, sample)
    expect(decompress(codec, packed, sample.length).equals(sample)).toBe(true)
    expectCompressionError(() => decompress(codec, packed, sample.length - 1), 'too-large')
  })

  it('stops a decompression bomb at the cap', () => {
    const bomb = compress(codec, Buffer.alloc(32 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024)
    expectCompressionError(() => decompress(codec, bomb, 1024 * 1024), 'too-large')
  })

  it('rejects every truncation and random garbage with a CompressionError', () => {
    const packed = compress(codec, sample.subarray(0, 20000))
    for (let cut = 0; cut < packed.length; cut += Math.max(1, Math.floor(packed.length / 97))) {
      const truncated = packed.subarray(0, cut)
      try {
        const out = decompress(codec, truncated, 20000)
        // Some formats (raw snappy blocks, concatenated frames) may legitimately end early at a
        // boundary; what comes out must then be a prefix of the input.
        expect(sample.subarray(0, out.length).equals(out)).toBe(true)
      } catch (err) {
        expect(err).toBeInstanceOf(CompressionError)
      }
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (arr) => {
        try {
          decompress(codec, Buffer.from(arr), 100_000)
        } catch (err) {
          expect(err).toBeInstanceOf(CompressionError)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('fails cleanly on bit flips', () => {
    const packed = compress(codec, sample.subarray(0, 5000))
    fc.assert(
      fc.property(fc.nat({ max: packed.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const bad = Buffer.from(packed)
        bad[at] = bad[at]! ^ mask
        try {
          const out = decompress(codec, bad, 10_000)
          expect(out.length).toBeLessThanOrEqual(10_000)
        } catch (err) {
          expect(err).toBeInstanceOf(CompressionError)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('codec dispatch', () => {
  it('rejects unknown codec ids with UNSUPPORTED_COMPRESSION_TYPE', () => {
    expectCompressionError(() => decompress(5, Buffer.from([1]), 10), 'unsupported')
    expectCompressionError(() => compress(7, Buffer.from([1])), 'unsupported')
  })
  it('caps uncompressed regions too', () => {
    expectCompressionError(() => decompress(0, Buffer.alloc(11), 10), 'too-large')
    expect(decompress(0, Buffer.alloc(10), 10).length).toBe(10)
  })
})

describe('gzip', () => {
  it('decodes gzip(1) CLI output and concatenated members', () => {
    expect(decompress(1, fixture('gzip-cli.gz'), sample.length).equals(sample)).toBe(true)
    const two = Buffer.concat([gzipSync(Buffer.from('ab')), gzipSync(Buffer.from('cd'))])
    expect(decompress(1, two, 4).toString()).toBe('abcd')
  })
})

describe('zstd', () => {
  it('decodes zstd(1) CLI frames, with and without a content size', () => {
    for (const f of ['zstd-cli-1.5.4-stdin-no-content-size.zst', 'zstd-cli-1.5.4-level19.zst']) {
      expect(decompress(4, fixture(f), sample.length).equals(sample)).toBe(true)
      expectCompressionError(() => decompress(4, fixture(f), sample.length - 1), 'too-large')
    }
  })
})

describe('zstd window bound', () => {
  it('refuses a frame that declares a window beyond libzstd’s 2^27 limit instead of allocating it', () => {
    const e = expectCompressionError(
      () => decompress(4, fixture('zstd-cli-1.5.4-long30-first5000.zst'), 1 << 20),
      'corrupt',
    )
    expect(e.message).toMatch(/memory|window/i)
  })
})

describe('snappy', () => {
  it('encodes the xerial framing and decodes it (Java client format)', () => {
    const packed = compress(2, sample)
    expect(isXerialFramed(packed)).toBe(true)
    expect(packed.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001')
    // Blocks of 32 KiB input: walk them independently with the snappy package's raw decoder.
    let pos = 16
    const parts: Buffer[] = []
    while (pos < packed.length) {
      const len = packed.readInt32BE(pos)
      parts.push(snappyUncompress(packed.subarray(pos + 4, pos + 4 + len), { asBuffer: true }) as Buffer)
      pos += 4 + len
    }
    expect(parts.length).toBe(Math.ceil(sample.length / 32768))
    expect(Buffer.concat(parts).equals(sample)).toBe(true)
  })

  it('decodes hand-framed xerial streams and raw blocks', () => {
    const a = snappyRaw(Buffer.from('hello '))
    const b = snappyRaw(Buffer.from('world'))
    const header = Buffer.from('82534e41505059000000000100000001', 'hex')
    const len = (n: number): Buffer => {
      const x = Buffer.alloc(4)
      x.writeInt32BE(n)
      return x
    }
    const framed = Buffer.concat([header, len(a.length), a, len(b.length), b])
    expect(snappyDecompress(framed, 11).toString()).toBe('hello world')
    expectCompressionError(() => snappyDecompress(framed, 10), 'too-large')
    expect(snappyDecompress(snappyCompressRaw(sample), sample.length).equals(sample)).toBe(true)
    // A block length pointing past the end, and a negative one.
    expectCompressionError(() => snappyDecompress(Buffer.concat([header, len(1000), a]), 100), 'corrupt')
    expectCompressionError(() => snappyDecompress(Buffer.concat([header, len(-1), a]), 100), 'corrupt')
  })

  it('checks the raw preamble against the cap before decoding', () => {
    // Preamble claims 2^32-1 bytes; nothing that large may be attempted.
    const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])
    expectCompressionError(() => snappyDecompress(claim, 1 << 20), 'too-large')
  })
})

describe('lz4', () => {
  it('interoperates with lz4-napi (lz4_flex) both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 100 }), (arr, rep) => {
        const data = Buffer.concat([Buffer.from(arr), Buffer.alloc(rep * 40, 3), Buffer.from(arr)])
        expect(lz4Decompress(compressFrameSync(data), data.length).equals(data)).toBe(true)
        expect(decompressFrameSync(compress(3, data)).equals(data)).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  it('decodes lz4(1) CLI frames: linked blocks, block checksums, content size, 256 KiB blocks', () => {
    for (const f of [
      'lz4-cli-1.9.4-linked-64k.lz4',
      'lz4-cli-1.9.4-independent-blockcrc-contentsize.lz4',
      'lz4-cli-1.9.4-256k-nocrc.lz4',
    ]) {
      expect(lz4Decompress(fixture(f), sample.length).equals(sample), f).toBe(true)
      expectCompressionError(() => lz4Decompress(fixture(f), sample.length - 1), 'too-large')
    }
  })

  it('rejects a declared content size above the cap before decoding', () => {
    const f = fixture('lz4-cli-1.9.4-independent-blockcrc-contentsize.lz4')
    expectCompressionError(() => lz4Decompress(f, 1000), 'too-large')
  })

  it('accepts the legacy Kafka header checksum (computed over the magic bytes too)', () => {
    const data = sample.subarray(0, 3000)
    const frame = Buffer.from(compressFrameSync(data))
    // Descriptor without content size or dict id: FLG, BD, HC at bytes 4, 5, 6.
    expect(frame[4]! & 0x09).toBe(0)
    for (let hc = 0; hc < 256; hc += 51) {
      frame[6] = hc
      expect(lz4Decompress(frame, data.length).equals(data)).toBe(true)
    }
  })

  it('accepts stored (uncompressed) blocks, skippable frames and concatenated frames', () => {
    const stored = Buffer.concat([
      Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]), // skippable frame
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]),
      Buffer.from([5, 0, 0, 0x80]),
      Buffer.from('hello'),
      Buffer.from([0, 0, 0, 0]),
    ])
    expect(lz4Decompress(stored, 5).toString()).toBe('hello')
    expectCompressionError(() => lz4Decompress(stored, 4), 'too-large')
    const two = Buffer.concat([compress(3, Buffer.from('abc')), compress(3, Buffer.from('def'))])
    expect(lz4Decompress(two, 6).toString()).toBe('abcdef')
  })

  it('rejects malformed frames', () => {
    const good = compress(3, sample.subarray(0, 4000))
    const bad = (mutate: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good)
      mutate(b)
      return b
    }
    expectCompressionError(
      () =>
        lz4Decompress(
          bad((b) => (b[0] = 0)),
          1e6,
        ),
      'corrupt',
    ) // magic
    expectCompressionError(
      () =>
        lz4Decompress(
          bad((b) => (b[4] = 0x20)),
          1e6,
        ),
      'corrupt',
    ) // version 00
    expectCompressionError(
      () =>
        lz4Decompress(
          bad((b) => (b[5] = 0x30)),
          1e6,
        ),
      'corrupt',
    ) // block size code 3
    expectCompressionError(
      () =>
        lz4Decompress(
          bad((b) => (b[4] = b[4]! | 0x01)),
          1e6,
        ),
      'corrupt',
    ) // dict id
    // A block whose match offset points before the start of the output.
    const evil = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]),
      Buffer.from([4, 0, 0, 0]),
      Buffer.from([0x1f, 0x41, 0x10, 0x00]),
      Buffer.from([0, 0, 0, 0]),
    ])
    expectCompressionError(() => lz4Decompress(evil, 1e6), 'corrupt')
  })
})
