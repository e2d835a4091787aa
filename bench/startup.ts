// Start-up and start reliability (issue 7, performance.md §8.4: exec → first ApiVersions/Metadata
// answer, exec → first produce acknowledged, "0 crashes in 1,000 consecutive starts").
//
// Each start runs `node bin/samsa.js start` (what `npm start` and the installed bin run) on a free
// 127.0.0.1 port, and at the same moment the C probe (native/loadgen.c `probe`, librdkafka): it
// polls the port every millisecond, then asks for Metadata (librdkafka sends ApiVersions first),
// creates a topic and produces one message with acks=all. When the ack arrives the broker's CPU
// time and RSS are read from /proc, and it gets SIGTERM. Starts alternate between the in-memory
// broker (`--memory`) and the disk log in one data directory kept across the whole run (so every
// disk start also recovers the previous one's logs and metadata journal).
//
// A start fails when the broker exits before SIGTERM, exits with a status other than 0 or by a
// signal, takes more than 10 s to stop, writes anything to stderr besides its "listening on" and
// "shutting down" lines, or when the probe gets no ack within 30 s. Failures are counted and the
// first few kept with the broker's stderr.
//
// Bounded: `starts` (default 20, `--full` 1,000) and a deadline for the whole run (default 60 s +
// 5 s per start); a run cut short by the deadline says so.
//   node bench/startup.ts [--starts N] [--max-seconds S]       (also part of `npm run bench`)

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildNative } from './native/build.ts'
import { cpuSeconds, rssMB } from './proc.ts'
import { percentile } from './stats.ts'
import { freePort } from './system.ts'
import { track } from './child-processes.ts'

const bin = join(import.meta.dirname, '..', 'bin', 'samsa.js')
const PROBE_TIMEOUT_S = 30
const STOP_TIMEOUT_MS = 10_000
const EXPECTED_STDERR = [/^samsa: node \d+ of cluster \S+ listening on /, /^samsa: SIGTERM: shutting down$/]

export type StartMode = 'memory' | 'disk'

interface StartSample {
  mode: StartMode
  tcpMs: number
  metadataMs: number
  ackMs: number
  cpuMs: number
  rssMB: number
}

export interface StartupStats {
  n: number
  p50: number
  p95: number
  p99: number
  max: number
}

export interface StartupResult {
  starts: number
  completed: number
  failures: number
  /** The first failures (up to 10), with the broker's stderr. */
  failureDetails: string[]
  cutShort: boolean
  seconds: number
  /** Per mode, per metric (ms, MB): percentiles over the successful starts. */
  modes: Partial<Record<StartMode, Record<keyof Omit<StartSample, 'mode'>, StartupStats>>>
}

function stats(values: number[]): StartupStats {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length === 0 ? NaN : Math.max(...values),
  }
}

function exited(cp: ChildProcess, ms: number): Promise<boolean> {
  if (cp.exitCode !== null || cp.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms)
    cp.once('exit', () => {
      clearTimeout(t)
      resolve(true)
    })
  })
}

async function oneStart(
  loadgen: string,
  mode: StartMode,
  dataDir: string,
): Promise<{ sample: StartSample } | { failure: string }> {
  const port = await freePort()
  const listener = `PLAINTEXT://127.0.0.1:${port}`
  const args = [
    bin,
    'start',
    '--override',
    `listeners=${listener}`,
    '--override',
    `advertised.listeners=${listener}`,
  ]
  args.push(...(mode === 'memory' ? ['--memory'] : ['--data-dir', dataDir]))
  const spawnNs = process.hrtime.bigint()
  const broker = track(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }))
  let stderr = ''
  broker.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-8000)))
  let stopping = false
  const probe = track(
    spawn(
      loadgen,
      [
        'probe',
        '--bootstrap',
        `127.0.0.1:${port}`,
        '--topic',
        'startup-probe',
        '--create',
        '1',
        '--timeout-s',
        String(PROBE_TIMEOUT_S),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  )
  let out = ''
  probe.stdout.on('data', (b: Buffer) => (out += b.toString()))
  // The probe gives up by itself after PROBE_TIMEOUT_S, or at once if the broker dies.
  broker.once('exit', () => {
    if (!stopping) probe.kill('SIGKILL')
  })
  await exited(probe, (PROBE_TIMEOUT_S + 5) * 1000)
  if (probe.exitCode === null && probe.signalCode === null) probe.kill('SIGKILL')
  const fail = async (why: string): Promise<{ failure: string }> => {
    stopping = true
    if (broker.exitCode === null && broker.signalCode === null) broker.kill('SIGKILL')
    await exited(broker, 2000)
    return { failure: `${mode}: ${why}; stderr: ${stderr.trim().slice(-1500)}` }
  }
  if (broker.exitCode !== null || broker.signalCode !== null)
    return fail(`broker exited before SIGTERM (${broker.exitCode ?? broker.signalCode})`)
  let json: Record<string, unknown>
  try {
    json = JSON.parse(out.trim()) as Record<string, unknown>
  } catch {
    return fail(`probe printed no result (${probe.exitCode ?? probe.signalCode}): ${out.slice(0, 200)}`)
  }
  const at = (k: string): number => {
    const v = json[k]
    return typeof v === 'number' && v > 0 ? (v - Number(spawnNs)) / 1e6 : NaN
  }
  if (json.error !== null || !(at('ackNs') > 0)) return fail(`probe: ${JSON.stringify(json)}`)
  let cpuMs = NaN
  let rss = NaN
  try {
    cpuMs = cpuSeconds(broker.pid!) * 1000
    rss = rssMB(broker.pid!)
  } catch {
    // the broker is gone: reported below
  }
  stopping = true
  broker.kill('SIGTERM')
  if (!(await exited(broker, STOP_TIMEOUT_MS)))
    return fail(`did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM`)
  if (broker.exitCode !== 0) return fail(`exit ${broker.exitCode ?? broker.signalCode} after SIGTERM`)
  const unexpected = stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !EXPECTED_STDERR.some((re) => re.test(l)))
  if (unexpected.length > 0) return fail(`unexpected stderr: ${unexpected.slice(0, 5).join(' | ')}`)
  return {
    sample: { mode, tcpMs: at('tcpNs'), metadataMs: at('metadataNs'), ackMs: at('ackNs'), cpuMs, rssMB: rss },
  }
}

export async function runStartupBench(opts: {
  starts: number
  maxSeconds?: number
  log?: (s: string) => void
}): Promise<StartupResult | { skipped: string }> {
  const log = opts.log ?? ((s: string) => console.log(s))
  const tools = buildNative()
  if ('missing' in tools) return { skipped: tools.missing }
  const deadline = Date.now() + (opts.maxSeconds ?? 60 + 5 * opts.starts) * 1000
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-starts-'))
  const samples: StartSample[] = []
  const failureDetails: string[] = []
  let failures = 0
  let completed = 0
  const t0 = Date.now()
  try {
    // One unmeasured start first: it builds dist/ if stale and warms Node's compile cache, as a
    // user's second `npm start` finds them.
    await oneStart(tools.loadgen, 'memory', dataDir)
    for (let i = 0; i < opts.starts && Date.now() < deadline; i++) {
      const r = await oneStart(tools.loadgen, i % 2 === 0 ? 'memory' : 'disk', dataDir)
      completed++
      if ('sample' in r) samples.push(r.sample)
      else {
        failures++
        if (failureDetails.length < 10) failureDetails.push(`start ${i + 1}: ${r.failure}`)
        log(`  start ${i + 1} failed: ${r.failure.slice(0, 300)}`)
      }
      if ((i + 1) % 100 === 0) log(`  ${i + 1} starts, ${failures} failed`)
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
  const modes: StartupResult['modes'] = {}
  for (const mode of ['memory', 'disk'] as const) {
    const s = samples.filter((x) => x.mode === mode)
    if (s.length === 0) continue
    modes[mode] = {
      tcpMs: stats(s.map((x) => x.tcpMs)),
      metadataMs: stats(s.map((x) => x.metadataMs)),
      ackMs: stats(s.map((x) => x.ackMs)),
      cpuMs: stats(s.map((x) => x.cpuMs)),
      rssMB: stats(s.map((x) => x.rssMB)),
    }
  }
  return {
    starts: opts.starts,
    completed,
    failures,
    failureDetails,
    cutShort: completed < opts.starts,
    seconds: (Date.now() - t0) / 1000,
    modes,
  }
}

const METRICS: Array<[keyof Omit<StartSample, 'mode'>, string]> = [
  ['tcpMs', 'exec → accepts TCP (ms)'],
  ['metadataMs', 'exec → ApiVersions+Metadata (ms)'],
  ['ackMs', 'exec → first produce acked (ms)'],
  ['cpuMs', 'broker CPU until the ack (ms)'],
  ['rssMB', 'RSS at the ack (MB)'],
]

export function formatStartupResult(r: StartupResult): string {
  const lines = [
    `${r.completed} of ${r.starts} starts in ${r.seconds.toFixed(0)} s${r.cutShort ? ' (cut short by the deadline)' : ''}: ` +
      `${r.failures} failed`,
  ]
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—')
  lines.push(
    `${'metric'.padEnd(34)} ${'mode'.padEnd(7)} ${'n'.padStart(5)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`,
  )
  for (const [key, label] of METRICS)
    for (const mode of ['memory', 'disk'] as const) {
      const s = r.modes[mode]?.[key]
      if (s === undefined) continue
      lines.push(
        `${label.padEnd(34)} ${mode.padEnd(7)} ${String(s.n).padStart(5)} ${f(s.p50).padStart(8)} ${f(s.p95).padStart(8)} ${f(s.p99).padStart(8)} ${f(s.max).padStart(8)}`,
      )
    }
  for (const d of r.failureDetails) lines.push(`failure: ${d}`)
  return lines.join('\n')
}

/** `--starts N` and `--max-seconds S` from the command line; `--full` means 1,000 starts. */
export function startsFromArgs(
  argv: readonly string[],
  fallback: number,
): { starts: number; maxSeconds?: number } {
  const num = (flag: string): number | undefined => {
    const at = argv.indexOf(flag)
    if (at < 0) return undefined
    const v = Number(argv[at + 1])
    if (!Number.isInteger(v) || v < 0) throw new Error(`${flag} needs a whole number`)
    return v
  }
  return {
    starts: num('--starts') ?? (argv.includes('--full') ? 1000 : fallback),
    maxSeconds: num('--max-seconds'),
  }
}

if (import.meta.main) {
  const r = await runStartupBench(startsFromArgs(process.argv.slice(2), 20))
  if ('skipped' in r) console.log(`skipped: ${r.skipped}`)
  else {
    console.log(formatStartupResult(r))
    process.exitCode = r.failures > 0 ? 1 : 0
  }
}
