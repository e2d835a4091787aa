// `npm run bench`: runs every benchmark suite, prints the tables and writes
// bench/results/latest.json (gitignored): { date, node, cpus, protocol: rows, records: rows |
// { skipped: reason } }. Suites run one after another so they do not compete for the 2 cores.

import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatProtocolRows, runProtocolBench } from './protocol.ts'

interface RecordsRow {
  name: string
  value: number
  unit: string
}

const here = dirname(fileURLToPath(import.meta.url))

console.log(
  `Samsa benchmarks — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})\n`,
)

console.log('Protocol codec')
const protocol = await runProtocolBench()
console.log(formatProtocolRows(protocol))

// The records suite is written separately (bench/records.ts); run it when it loads.
let records: RecordsRow[] | { skipped: string }
try {
  const mod = (await import('./records.ts')) as { runRecordsBench?: () => Promise<RecordsRow[]> }
  if (typeof mod.runRecordsBench !== 'function')
    throw new Error('bench/records.ts has no runRecordsBench export')
  console.log('\nRecord batches and compression')
  records = await mod.runRecordsBench()
  const width = Math.max(...records.map((r) => r.name.length))
  for (const r of records)
    console.log(`${r.name.padEnd(width)}  ${r.value.toLocaleString('en-US').padStart(10)} ${r.unit}`)
} catch (err) {
  const reason = err instanceof Error ? err.message : String(err)
  records = { skipped: reason }
  console.log(`\nRecord batches and compression: skipped (${reason})`)
}

const out = join(here, 'results', 'latest.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(
  out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      protocol,
      records,
    },
    null,
    2,
  ) + '\n',
)
console.log(`\nWritten to ${out}`)
