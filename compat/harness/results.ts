// Result and expectation types shared by the client runners, the orchestrator (compat/run.ts), the
// vitest entries (test/compat/) and the matrix generator.
//
// Expectation files (compat/<client>/expectations) list every scenario id, one per line:
//   <scenario-id> <pass|fail|unsupported> [reason]
// `fail` is a known open gap (the reason names the FINDINGS.md entry); `unsupported` means the
// client itself cannot do it. '#' starts a comment. A run matches its expectations when every
// scenario's status equals the expected one — a `fail` that starts passing is a mismatch too, so
// the ledger cannot go stale silently.

import { readFileSync } from 'node:fs'
import { SCENARIO_IDS } from '../scenarios.ts'

export const STATUSES = ['pass', 'fail', 'unsupported'] as const
export type Status = (typeof STATUSES)[number]

export interface ScenarioResult {
  scenario: string
  status: Status
  /** Why it failed or is unsupported; the first line of the error for failures. */
  reason?: string
  ms: number
  /** Broker trace lines around a failure (not written to the results JSON). */
  trace?: string[]
}

export interface ClientRun {
  client: string
  /** e.g. 'kafkajs 2.2.4' or 'librdkafka 2.0.2 (kcat 1.7.1)'. */
  version: string
  /** ISO time of the run. */
  at: string
  /** Set when the client is not installed: no scenario ran. */
  missing?: string
  results: ScenarioResult[]
}

export interface Expectation {
  status: Status
  reason: string
}

export function parseExpectations(text: string, source: string): Map<string, Expectation> {
  const out = new Map<string, Expectation>()
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') return
    const m = /^(\S+)\s+(\S+)\s*(.*)$/.exec(line)
    const status = m?.[2]
    if (m === null || status === undefined || !(STATUSES as readonly string[]).includes(status))
      throw new Error(`${source}:${i + 1}: expected '<scenario> <pass|fail|unsupported> [reason]'`)
    const id = m[1]!
    if (!SCENARIO_IDS.includes(id)) throw new Error(`${source}:${i + 1}: unknown scenario '${id}'`)
    if (out.has(id)) throw new Error(`${source}:${i + 1}: scenario '${id}' listed twice`)
    out.set(id, { status: status as Status, reason: m[3] ?? '' })
  })
  const missing = SCENARIO_IDS.filter((id) => !out.has(id))
  if (missing.length > 0) throw new Error(`${source}: scenarios not listed: ${missing.join(', ')}`)
  return out
}

export function loadExpectations(path: string): Map<string, Expectation> {
  return parseExpectations(readFileSync(path, 'utf8'), path)
}

/** A scenario ended by its own code with a verdict other than pass. */
export class Unsupported extends Error {
  override name = 'Unsupported'
}

export function firstLine(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0)
    return firstLine(new Error(`${err.message}: ${err.errors.map((e) => firstLine(e)).join('; ')}`))
  const text =
    err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err)
  const line = text.split('\n')[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
