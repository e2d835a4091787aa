// Summaries of repeated measurements: the benchmarks report the median with its min and max
// (performance.md §8.1), never a mean, because runs on this shared VM have long tails.

export interface Summary {
  median: number
  min: number
  max: number
  n: number
}

export function summarise(values: readonly number[]): Summary | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length }
}

/** Nearest-rank percentile of unsorted values (sorts a copy). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const v = [...values].sort((a, b) => a - b)
  const k = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)))
  return v[k - 1]!
}
