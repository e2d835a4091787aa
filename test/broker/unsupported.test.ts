// Ties the handler registry to UNSUPPORTED.md: every API key the codec declares is either served
// (and advertised) or listed there with a reason, never both and never neither.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { API_CODECS } from '../../src/protocol/generated/index.ts'
import { HANDLERS } from '../../src/broker/handlers/index.ts'
import { Registry } from '../../src/broker/registry.ts'

const text = readFileSync(join(import.meta.dirname, '../../UNSUPPORTED.md'), 'utf8')
const listed = new Map<number, { name: string; why: string }>()
for (const m of text.matchAll(/^\| (\d+) \| (\w+) \| (.+?) \|$/gm))
  listed.set(Number(m[1]), { name: m[2]!, why: m[3]!.trim() })

describe('UNSUPPORTED.md', () => {
  const registry = new Registry(HANDLERS)
  const advertised = new Set(registry.apiVersions().map((a) => a.apiKey))

  it('lists every declared API without a handler, with a reason', () => {
    const missing = API_CODECS.filter((c) => registry.get(c.key) === undefined && !listed.has(c.key)).map(
      (c) => `${c.key} ${c.name}`,
    )
    expect(missing, 'add these to UNSUPPORTED.md or give them a handler').toEqual([])
    for (const [, entry] of listed) expect(entry.why.length).toBeGreaterThan(10)
  })

  it('lists no API that has a handler, and names each as the codec does', () => {
    const served = [...listed.keys()].filter((k) => registry.get(k) !== undefined)
    expect(served, 'remove these from UNSUPPORTED.md: they have handlers').toEqual([])
    for (const [key, entry] of listed) expect(API_CODECS.find((c) => c.key === key)?.name).toBe(entry.name)
  })

  it('advertises exactly the served APIs', () => {
    for (const h of HANDLERS) expect(advertised.has(h.apiKey)).toBe(true)
    for (const key of listed.keys()) expect(advertised.has(key)).toBe(false)
  })
})
