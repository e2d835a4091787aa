// Kafka UUIDs (topic ids, KIP-516) as strings in Kafka's own text form: the 16 bytes in URL-safe
// base64 without padding (22 characters), as org.apache.kafka.common.Uuid#toString prints them.
// Strings make map keys and logs easy; the wire form is the raw 16 bytes.

import { EncodeError } from '../errors-protocol.ts'

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

export function uuidFromBytes(buf: Buffer, offset: number): string {
  return buf.toString('base64url', offset, offset + 16)
}

// 21 characters carry 126 bits; the 22nd carries the last 2 in its top bits, so it is one of
// A, Q, g, w. Node's decoder would also accept '+', '/', '=' and non-zero spare bits, and then
// the text would not survive a round trip.
const CANONICAL = /^[A-Za-z0-9_-]{21}[AQgw]$/

/** Writes a uuid given in text form; refuses anything but the canonical 22-character form. */
export function uuidToBytes(uuid: string, out: Buffer, offset: number): void {
  if (!CANONICAL.test(uuid)) throw new EncodeError(`bad uuid '${uuid}'`)
  out.write(uuid, offset, 16, 'base64url')
}
