// Version ranges in Kafka's message-spec syntax: 'N', 'N-M', 'N+' and 'none'.
// Parsed once into an inclusive [min, max] pair; 'N+' has max = OPEN_MAX and 'none' is empty.

export const OPEN_MAX = 0x7fff

export interface VersionRange {
  readonly min: number
  readonly max: number
}

export const NO_VERSIONS: VersionRange = Object.freeze({ min: 1, max: 0 })
export const ALL_VERSIONS: VersionRange = Object.freeze({ min: 0, max: OPEN_MAX })

export function parseVersions(text: string): VersionRange {
  const s = text.trim()
  if (s === 'none') return NO_VERSIONS
  let m = /^(\d+)\+$/.exec(s)
  if (m) return { min: Number(m[1]), max: OPEN_MAX }
  m = /^(\d+)-(\d+)$/.exec(s)
  if (m) {
    const min = Number(m[1])
    const max = Number(m[2])
    if (max < min) throw new Error(`invalid version range '${text}': max below min`)
    return { min, max }
  }
  m = /^(\d+)$/.exec(s)
  if (m) return { min: Number(m[1]), max: Number(m[1]) }
  throw new Error(`invalid version range '${text}'`)
}

export function isEmpty(r: VersionRange): boolean {
  return r.max < r.min
}

export function contains(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max
}

/** True when every version of `inner` is also in `outer` (the empty range is a subset of all). */
export function isSubset(inner: VersionRange, outer: VersionRange): boolean {
  return isEmpty(inner) || (inner.min >= outer.min && inner.max <= outer.max)
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  const min = Math.max(a.min, b.min)
  const max = Math.min(a.max, b.max)
  return max < min ? NO_VERSIONS : { min, max }
}

export function isOpenEnded(r: VersionRange): boolean {
  return !isEmpty(r) && r.max === OPEN_MAX
}

export function formatVersions(r: VersionRange): string {
  if (isEmpty(r)) return 'none'
  if (r.max === OPEN_MAX) return `${r.min}+`
  if (r.min === r.max) return `${r.min}`
  return `${r.min}-${r.max}`
}
