// The one error type every codec in this directory throws.
//
// `code` is the Kafka error code a broker answers with: CORRUPT_MESSAGE (2) when the compressed
// bytes are malformed, truncated, or expand beyond the caller's cap (a decompression bomb is treated
// as a corrupt batch, never as a reason to allocate more); UNSUPPORTED_COMPRESSION_TYPE (76) when the
// codec id is unknown or this Node.js build lacks the codec.

export const CORRUPT_MESSAGE = 2
export const UNSUPPORTED_COMPRESSION_TYPE = 76

export type CompressionProblem = 'corrupt' | 'too-large' | 'unsupported'

export class CompressionError extends Error {
  override name = 'CompressionError'
  readonly code: number
  readonly problem: CompressionProblem

  constructor(problem: CompressionProblem, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.problem = problem
    this.code = problem === 'unsupported' ? UNSUPPORTED_COMPRESSION_TYPE : CORRUPT_MESSAGE
  }
}

/** Maps an error thrown by node:zlib (or a native codec) to a CompressionError. */
export function fromCodecError(codec: string, cap: number, err: unknown): CompressionError {
  if (err instanceof CompressionError) return err
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'ERR_BUFFER_TOO_LARGE')
    return new CompressionError('too-large', `${codec}: decompressed size exceeds ${cap} bytes`, {
      cause: err,
    })
  const message = err instanceof Error ? err.message : String(err)
  return new CompressionError('corrupt', `${codec}: ${message}`, { cause: err })
}
