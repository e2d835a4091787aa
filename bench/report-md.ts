// Prints bench/results/latest.json's machine limits and broker comparison as Markdown, the form
// the README's Performance section carries: `node bench/report-md.ts [--compact] [results.json]`.
// --compact prints medians only (no min–max), which keeps the README table readable.

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrokerBenchResult, TargetName } from './broker.ts'
import type { Summary } from './stats.ts'
import type { StartupResult } from './startup.ts'
import type { SystemLimits } from './system.ts'

interface Results {
  date: string
  node: string
  cpus: number
  cpuModel: string | null
  system?: SystemLimits | null
  broker?: BrokerBenchResult | { skipped: string }
  starts?: StartupResult | { skipped: string }
}

function n(x: number): string {
  const a = Math.abs(x)
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3
  return x.toLocaleString('en-US', { maximumFractionDigits: digits })
}

let compact = false

function cell(s: Summary | null | undefined): string {
  if (!s) return '—'
  return !compact && s.n > 1 && s.min !== s.max
    ? `${n(s.median)} <sub>${n(s.min)}–${n(s.max)}</sub>`
    : n(s.median)
}

function range(s: Summary | null | undefined, unit: string): string {
  return s ? `${n(s.median)} ${unit} (${n(s.min)}–${n(s.max)})` : 'n/a'
}

function startsTable(st: StartupResult): string[] {
  const rows = [
    `Start reliability: ${st.completed} consecutive starts (memory and disk alternating), ${st.failures} failed` +
      `${st.cutShort ? ` (cut short at ${st.completed} of ${st.starts})` : ''}.`,
    '',
    '| Start-up (bin/samsa.js) | mode | p50 | p95 | p99 | max |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ]
  const labels: Array<[keyof NonNullable<StartupResult['modes']['memory']>, string]> = [
    ['metadataMs', 'exec → ApiVersions+Metadata (ms)'],
    ['ackMs', 'exec → first produce acked (ms)'],
    ['cpuMs', 'broker CPU until the ack (ms)'],
    ['rssMB', 'RSS at the ack (MB)'],
  ]
  for (const [key, label] of labels)
    for (const mode of ['memory', 'disk'] as const) {
      const s = st.modes[mode]?.[key]
      if (s) rows.push(`| ${label} | ${mode} | ${n(s.p50)} | ${n(s.p95)} | ${n(s.p99)} | ${n(s.max)} |`)
    }
  return rows
}

export function markdown(r: Results): string {
  const out: string[] = []
  out.push(
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${r.cpus} × ${r.cpuModel ?? '?'} (shared VM), Node ${r.node}` +
      (r.broker && !('skipped' in r.broker)
        ? `, librdkafka ${r.broker.librdkafka}, profile \`${r.broker.profile}\` (${r.broker.sizes.reps} repetitions: median, min–max)`
        : '') +
      '.',
    '',
  )
  if (r.system) {
    const s = r.system
    out.push(
      '| Machine limit | Result |',
      '| --- | --- |',
      `| P1 ${s.p1.method} | ${range(s.p1.mbPerSec, 'MB/s')} |`,
      `| P2 ${s.p2.method} | ${range(s.p2.mbPerSec, 'MB/s')} |`,
      `| P3 ${s.p3.method} | ${range(s.p3.opsPerSec, 'ops/s')}, ${range(s.p3.mbPerSec, 'MB/s')}, p99 ${range(s.p3.p99Ms, 'ms')} |`,
      '',
    )
  }
  const st = r.starts
  if (st && !('skipped' in st)) out.push(...startsTable(st), '')
  const b = r.broker
  if (!b || 'skipped' in b) {
    out.push(`Broker comparison: ${b ? `skipped (${b.skipped})` : 'not run'}.`)
    return out.join('\n')
  }
  const samsa = b.targets.filter((t): t is Exclude<TargetName, 'mock'> => t !== 'mock')
  const hasMock = b.targets.includes('mock')
  const head = [
    'Workload',
    'Metric',
    ...b.targets,
    ...(hasMock ? samsa.map((t) => `${t.replace('samsa-', '')} / mock`) : []),
  ]
  out.push(`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`)
  let last = ''
  for (const row of b.rows) {
    const ratios = hasMock
      ? samsa.map((t) => {
          const v = row.values[t]
          const m = row.values.mock
          return v && m && m.median !== 0 ? `${n(v.median / m.median)}×` : ''
        })
      : []
    out.push(
      `| ${row.workload === last ? '' : row.workload} | ${row.metric} (${row.unit}) | ${b.targets.map((t) => cell(row.values[t])).join(' | ')} | ${ratios.join(' | ')}${ratios.length ? ' |' : ''}`,
    )
    last = row.workload
  }
  const settings = Object.entries(b.settings ?? {}).filter(([, o]) => o !== undefined && o.length > 0)
  if (settings.length > 0)
    out.push(
      '',
      `Broker settings: ${settings.map(([t, o]) => `${t} ${o.map((x) => `\`${x}\``).join(', ')}`).join('; ')}.`,
    )
  if (b.errors.length > 0)
    out.push('', 'Failures in this run:', ...b.errors.map((e) => `- ${e.split('\n')[0]!.slice(0, 300)}`))
  return out.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  compact = args.includes('--compact')
  const file =
    args.find((a) => !a.startsWith('--')) ??
    join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json')
  console.log(markdown(JSON.parse(readFileSync(file, 'utf8')) as Results))
}
