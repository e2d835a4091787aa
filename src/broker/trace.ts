// Rendering decoded requests and responses for the trace-level log: Buffers become their size
// (record sets would flood the log and leak payloads), bigints become strings (JSON cannot hold
// them), long arrays are cut, and deep nesting is elided.

const MAX_ARRAY = 32
const MAX_DEPTH = 8

export function traceable(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value !== 'object') return value
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`
  if (depth >= MAX_DEPTH) return '…'
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ARRAY).map((v) => traceable(v, depth + 1))
    if (value.length > MAX_ARRAY) items.push(`… ${value.length - MAX_ARRAY} more`)
    return items
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = traceable(v, depth + 1)
  return out
}
