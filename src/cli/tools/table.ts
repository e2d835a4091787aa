// Plain-text tables for humans: upper-case headers, columns padded to their widest cell, two
// spaces apart, numbers right-aligned. No borders, so output stays greppable and `awk`-able.

export type Cell = string | number | bigint | boolean | null | undefined

function text(c: Cell): string {
  if (c === null || c === undefined) return '-'
  return String(c)
}

export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((r) => headers.map((_, i) => text(r[i])))
  const numeric = headers.map(
    (_, i) =>
      rows.length > 0 &&
      rows.every((r) => typeof r[i] === 'number' || typeof r[i] === 'bigint' || r[i] == null),
  )
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)))
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (numeric[i] === true ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...cells.map(line)].join('\n') + '\n'
}
