import { describe, expect, it } from 'vitest'
import { randomBytes, randomUUID } from '../../../src/protocol/primitives/random.ts'

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
})
