import { describe, expect, it } from 'vitest'
import { randomBytes, randomUUID, randomUuid } from '../src/random.ts'
import { ZERO_UUID, uuidToBytes } from '../src/protocol/primitives/uuid.ts'

describe('random ids', () => {
  it('gives the requested number of bytes, different each time', () => {
    expect(randomBytes(0)).toHaveLength(0)
    expect(randomBytes(1)).toHaveLength(1)
    expect(randomBytes(100_000)).toHaveLength(100_000)
    const seen = new Set(Array.from({ length: 1000 }, () => randomBytes(16).toString('hex')))
    expect(seen.size).toBe(1000)
    // Every byte value turns up in 64 KiB (a constant or short-period source would not).
    expect(new Set(randomBytes(65_536)).size).toBe(256)
  })

  it('makes version-4 UUIDs in the 36-character form, unique', () => {
    const ids = Array.from({ length: 1000 }, randomUUID)
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(1000)
  })

  it('random Kafka Uuids are version 4, never zero, never start with -', () => {
    for (let i = 0; i < 200; i++) {
      const u = randomUuid()
      const b = Buffer.alloc(16)
      uuidToBytes(u, b, 0)
      expect(b[6]! >> 4).toBe(4)
      expect(u).not.toBe(ZERO_UUID)
      expect(u.startsWith('-')).toBe(false)
    }
  })
})
