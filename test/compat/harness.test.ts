// The compat ledger's own rules: expectation files must list every scenario exactly once with a
// known status, every committed expectations file parses, and the matrix marks every outcome.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLIENTS } from '../../compat/clients.ts'
import { loadExpectations, parseExpectations } from '../../compat/harness/results.ts'
import { LEDGER_FILE, renderMatrix, writeMatrix } from '../../compat/matrix.ts'
import { SCENARIO_IDS } from '../../compat/scenarios.ts'

const all = (status = 'pass'): string => SCENARIO_IDS.map((id) => `${id} ${status}`).join('\n')

describe('expectation files', () => {
  it('parses statuses, reasons and comments', () => {
    const text = `# header\n${all()}`.replace('connect pass', 'connect fail F1: something # note')
    const e = parseExpectations(text, 'x')
    expect(e.get('connect')).toEqual({ status: 'fail', reason: 'F1: something' })
    expect(e.get('transactions')).toEqual({ status: 'pass', reason: '' })
  })

  it('rejects unknown scenarios, unknown statuses, duplicates and omissions', () => {
    expect(() => parseExpectations(`${all()}\nnope pass`, 'x')).toThrow(/unknown scenario 'nope'/)
    expect(() => parseExpectations(all().replace('connect pass', 'connect maybe'), 'x')).toThrow(/x:1/)
    expect(() => parseExpectations(`${all()}\nconnect pass`, 'x')).toThrow(/listed twice/)
    expect(() => parseExpectations(all().replace('connect pass', ''), 'x')).toThrow(/not listed: connect/)
  })

  it.each(CLIENTS.map((c) => c.name))('compat/%s/expectations is complete', (name) => {
    const path = join(import.meta.dirname, '..', '..', 'compat', name, 'expectations')
    expect(existsSync(path)).toBe(true)
    expect(loadExpectations(path).size).toBe(SCENARIO_IDS.length)
  })
})

describe('matrix', () => {
  it('shows pass, fail with its reason, and unsupported', () => {
    const md = renderMatrix([
      {
        client: 'x',
        version: 'x 1.0',
        at: '2026-01-01T00:00:00.000Z',
        results: [
          { scenario: 'connect', status: 'pass', ms: 1 },
          { scenario: 'topic-create', status: 'fail', reason: 'boom', ms: 1 },
          { scenario: 'transactions', status: 'unsupported', reason: 'no txn', ms: 1 },
        ],
      },
    ])
    expect(md).toMatch(/\*\*connect\*\* .* \| ✅ \|/)
    expect(md).toMatch(/\*\*topic-create\*\* .* \| ❌ \[1\] \|/)
    expect(md).toMatch(/\*\*transactions\*\* .* \| ➖ \[2\] \|/)
    expect(md).toContain('1. x: boom')
    expect(md).toContain('| x | x 1.0 | 2026-01-01 00:00 UTC | 1 | 1 | 1 |')
  })
})

describe('the ledger file', () => {
  const root = join(import.meta.dirname, '..', '..')

  it('is written to COMPATIBILITY.md beside the compat folder (the repository root)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-ledger-'))
    try {
      mkdirSync(join(dir, 'compat', 'results'), { recursive: true })
      const run = { client: 'x', version: 'x 1.0', at: '2026-01-01T00:00:00.000Z', results: [] }
      writeFileSync(join(dir, 'compat', 'results', 'x.json'), JSON.stringify(run))
      writeMatrix(join(dir, 'compat'))
      expect(LEDGER_FILE).toBe('COMPATIBILITY.md')
      expect(readFileSync(join(dir, 'COMPATIBILITY.md'), 'utf8')).toContain('| x | x 1.0 |')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the committed COMPATIBILITY.md has a column for every client, and README links it', () => {
    const ledger = readFileSync(join(root, 'COMPATIBILITY.md'), 'utf8')
    const header = ledger.split('\n').find((l) => l.startsWith('| scenario |')) ?? ''
    for (const c of CLIENTS) expect(header, `column for ${c.name}`).toContain(`| ${c.name} `)
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('](COMPATIBILITY.md)')
  })
})
