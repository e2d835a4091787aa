// `npm run bench`: runs every benchmark suite, prints the tables and writes
// bench/results/latest.json (gitignored): { date, node, cpus, protocol: rows, records: rows |
// { skipped: reason }, storage: rows | { skipped }, system: P1–P3 limits, broker: the broker
// comparison (bench/broker.ts) | { skipped }, starts: start-up percentiles and failed starts
// (bench/startup.ts) | { skipped } }. Suites run one after another so they do not compete for the
// 2 cores.
//   npm run bench [-- --quick | --full] [--only system,broker,starts,...] [--starts N]
// `starts` runs 20 consecutive starts (5 with --quick, 1,000 with --full or --starts 1000).
// --quick shrinks the broker workloads to a smoke run; --full uses performance.md §8's sizes
// (1 M × 1 KiB, 5 M × 100 B, 5 repetitions); the default keeps the whole run within minutes.

import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatBrokerTable, physicalRatios, profileFromArgs, runBrokerBench } from './broker.ts'
import { formatProtocolRows, runProtocolBench } from './protocol.ts'
import { formatStartupResult, runStartupBench, startsFromArgs } from './startup.ts'
import { formatSystemLimits, runSystemBench, type SystemLimits } from './system.ts'

interface RecordsRow {
  name: string
  value: number
  unit: string
}

const here = dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2)
const profile = profileFromArgs(argv)
const onlyAt = argv.indexOf('--only')
const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : null
const wanted = (suite: string): boolean => only === null || only.has(suite)

console.log(
  `Samsa benchmarks — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})\n`,
)

let protocol: Awaited<ReturnType<typeof runProtocolBench>> | { skipped: string } = { skipped: 'not selected' }
if (wanted('protocol')) {
  console.log('Protocol codec')
  protocol = await runProtocolBench()
  console.log(formatProtocolRows(protocol))
}

// The records suite is written separately (bench/records.ts); run it when it loads.
let records: RecordsRow[] | { skipped: string } = { skipped: 'not selected' }
if (wanted('records'))
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

// The storage suite is written separately (bench/storage.ts); run it when it loads.
let storage: RecordsRow[] | { skipped: string } = { skipped: 'not selected' }
if (wanted('storage'))
  try {
    const mod = (await import('./storage.ts')) as { runStorageBench?: () => Promise<RecordsRow[]> }
    if (typeof mod.runStorageBench !== 'function')
      throw new Error('bench/storage.ts has no runStorageBench export')
    console.log('\nStorage')
    storage = await mod.runStorageBench()
    const width = Math.max(...storage.map((r) => r.name.length))
    for (const r of storage)
      console.log(`${r.name.padEnd(width)}  ${r.value.toLocaleString('en-US').padStart(10)} ${r.unit}`)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    storage = { skipped: reason }
    console.log(`\nStorage: skipped (${reason})`)
  }

let system: SystemLimits | null = null
if (wanted('system') || wanted('broker')) {
  console.log('\nMachine limits (P1–P3)')
  system = await runSystemBench({
    reps: profile === 'quick' ? 1 : profile === 'full' ? 5 : 3,
    loopbackSeconds: profile === 'full' ? 5 : 2,
    ddMiB: profile === 'full' ? 1024 : profile === 'quick' ? 256 : 512,
  })
  console.log(formatSystemLimits(system))
}

let broker: Awaited<ReturnType<typeof runBrokerBench>> | { skipped: string } = { skipped: 'not selected' }
if (wanted('broker')) {
  console.log(`\nBrokers: librdkafka mock vs Samsa (${profile} profile; medians, ratios to the mock)`)
  broker = await runBrokerBench({ profile })
  if ('skipped' in broker) console.log(`skipped: ${broker.skipped}`)
  else {
    console.log(formatBrokerTable(broker))
    const ratios = physicalRatios(broker, system)
    if (ratios.length > 0) console.log(`\nAgainst the machine's limits:\n${ratios.join('\n')}`)
    for (const e of broker.errors) console.log(`error: ${e}`)
  }
}

let starts: Awaited<ReturnType<typeof runStartupBench>> | { skipped: string } = { skipped: 'not selected' }
if (wanted('starts')) {
  const { starts: n, maxSeconds } = startsFromArgs(argv, profile === 'quick' ? 5 : 20)
  console.log(`\nStart-up: ${n} consecutive starts of bin/samsa.js, each until a produce is acknowledged`)
  starts = await runStartupBench({ starts: n, maxSeconds })
  console.log('skipped' in starts ? `skipped: ${starts.skipped}` : formatStartupResult(starts))
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
      storage,
      system,
      broker,
      starts,
    },
    null,
    2,
  ) + '\n',
)
console.log(`\nWritten to ${out}`)
