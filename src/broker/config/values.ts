// Parsing and validating one config value against its definition, with Kafka's rules: ints are
// 32-bit, longs 64-bit (read into a JS number, Long.MAX_VALUE as Number.MAX_SAFE_INTEGER), booleans
// are `true`/`false` in any case, lists are comma-separated with blanks trimmed.

import type { ConfigDef } from './definitions.ts'

export type ConfigValue = boolean | number | string | readonly string[] | null

export type ParseResult = { ok: true; value: ConfigValue } | { ok: false; error: string }

const INT_RANGE: Readonly<Record<string, [number, number]>> = {
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
}

function longToNumber(raw: string): number | undefined {
  if (!/^[+-]?\d+$/.test(raw)) return undefined
  const big = BigInt(raw)
  if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER
  if (big < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER
  return Number(big)
}

export function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Parses `raw` (null = unset) for `def`; the error text names the property and the rule broken. */
export function parseConfigValue(def: ConfigDef, raw: string | null): ParseResult {
  if (raw === null) return { ok: true, value: null }
  const bad = (why: string): ParseResult => ({ ok: false, error: `${def.name}=${raw}: ${why}` })
  const inRange = (n: number): string | undefined =>
    n === def.orValue
      ? undefined
      : def.orValue !== undefined &&
          ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max))
        ? `must be between ${def.min} and ${def.max} or equal to ${def.orValue}`
        : def.min !== undefined && n < def.min
          ? `must be at least ${def.min}`
          : def.max !== undefined && n > def.max
            ? `must be at most ${def.max}`
            : undefined
  const text = raw.trim()
  switch (def.type) {
    case 'boolean': {
      const lower = text.toLowerCase()
      if (lower !== 'true' && lower !== 'false') return bad('expected true or false')
      return { ok: true, value: lower === 'true' }
    }
    case 'short':
    case 'int': {
      const [lo, hi] = INT_RANGE[def.type]!
      if (!/^[+-]?\d+$/.test(text)) return bad(`expected an integer`)
      const n = Number(text)
      if (n < lo || n > hi) return bad(`out of range for a ${def.type} (${lo}..${hi})`)
      const why = inRange(n)
      return why === undefined ? { ok: true, value: n } : bad(why)
    }
    case 'long': {
      const n = longToNumber(text)
      if (n === undefined) return bad('expected a 64-bit integer')
      const why = inRange(n)
      return why === undefined ? { ok: true, value: n } : bad(why)
    }
    case 'double': {
      const n = Number(text)
      if (text === '' || !Number.isFinite(n)) return bad('expected a number')
      const why = inRange(n)
      return why === undefined ? { ok: true, value: n } : bad(why)
    }
    case 'list': {
      const items = splitList(text)
      if (def.oneOf !== undefined)
        for (const item of items)
          if (!def.oneOf.includes(item)) return bad(`'${item}' is not one of ${def.oneOf.join(', ')}`)
      return { ok: true, value: items }
    }
    case 'string':
    case 'class':
    case 'password':
      if (def.oneOf !== undefined && !def.oneOf.includes(text))
        return bad(`expected one of ${def.oneOf.join(', ')}`)
      return { ok: true, value: text }
  }
}

/** Levenshtein distance, for "did you mean" hints on unknown names. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]!
}

/** The closest known name, if it is close enough to be a plausible typo. */
export function suggestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = distance(name, k)
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined
}
