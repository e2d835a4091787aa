// Comparing a run with the client's expectation file: every difference is reported, in both
// directions (an expected failure that now passes means FINDINGS.md and the file need updating).

import { existsSync } from 'node:fs'
import { loadExpectations } from './results.ts'
import type { ClientRun } from './results.ts'

export function compareWithExpectations(run: ClientRun, path: string): string[] {
  if (!existsSync(path)) return [`no expectations file at ${path}`]
  const expected = loadExpectations(path)
  const out: string[] = []
  for (const r of run.results) {
    const e = expected.get(r.scenario)
    if (e === undefined || e.status === r.status) continue
    out.push(
      `${r.scenario}: expected ${e.status}${e.reason === '' ? '' : ` (${e.reason})`}, got ${r.status}${r.reason === undefined ? '' : ` — ${r.reason}`}`,
    )
  }
  return out
}
