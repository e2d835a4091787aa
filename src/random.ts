// Random bytes and the two random id forms the broker and storage make: RFC 4122 version-4 UUID
// text (classic group member ids, names of directories being deleted) and Kafka Uuids (topic,
// cluster and KIP-848 member ids). Kept out of src/protocol, which does no I/O. The bytes come from
// the kernel's random device (/dev/urandom, which is what OpenSSL seeds from) rather than through
// node:crypto: importing node:crypto loads ~20 of Node's modules and initialises OpenSSL, ~0.5 MB
// of an idle broker's memory, for a few 16-byte ids. Where there is no /dev/urandom (Windows),
// node:crypto supplies the bytes.
import { openSync, readSync } from 'node:fs'
import { ZERO_UUID } from './protocol/primitives/uuid.ts'

/** The open /dev/urandom, null when there is none, undefined before the first call. */
let device: number | null | undefined

export function randomBytes(n: number): Buffer {
  if (device === undefined) {
    try {
      device = openSync('/dev/urandom', 'r')
    } catch {
      device = null
    }
  }
  if (device === null) return process.getBuiltinModule('node:crypto').randomBytes(n)
  const b = Buffer.allocUnsafe(n)
  for (let off = 0; off < n;) {
    const got = readSync(device, b, off, n - off, null)
    if (got <= 0) throw new Error('/dev/urandom returned no bytes')
    off += got
  }
  return b
}

/** A random version-4 UUID in its 36-character text form (as crypto.randomUUID). */
export function randomUUID(): string {
  const b = randomBytes(16)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** A random Kafka Uuid (version 4, text form) that is neither the zero UUID nor starts with '-'. */
export function randomUuid(): string {
  for (;;) {
    const b = randomBytes(16)
    b[6] = (b[6]! & 0x0f) | 0x40
    b[8] = (b[8]! & 0x3f) | 0x80
    const s = b.toString('base64url')
    // Kafka also refuses ids whose text starts with '-' (command-line ambiguity).
    if (s !== ZERO_UUID && !s.startsWith('-')) return s
  }
}
