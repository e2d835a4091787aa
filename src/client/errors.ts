// Errors the client raises. Tools map them to exit codes (see src/cli/tools/exit-codes.ts):
// a broker that cannot be reached is not the same failure as a broker that says no.

import { errorName } from '../protocol/errors.ts'

/** Could not connect, or the connection dropped or timed out before an answer came. */
export class ConnectionError extends Error {
  override name = 'ConnectionError'
}

/** The broker does not serve an API (or no version both sides speak). */
export class UnsupportedApiError extends Error {
  override name = 'UnsupportedApiError'
}

/** A Kafka error code in a response. */
export class BrokerError extends Error {
  override name = 'BrokerError'
  readonly code: number
  readonly errorName: string

  constructor(code: number, context: string, message?: string | null) {
    const name = errorName(code)
    super(`${context}: ${name}${message != null && message !== '' ? ` (${message})` : ''}`)
    this.code = code
    this.errorName = name
  }
}

/** Throws BrokerError for a non-zero code. */
export function check(code: number, context: string, message?: string | null): void {
  if (code !== 0) throw new BrokerError(code, context, message)
}
