// Broker benchmarks (issue 7, performance.md §8): the same C load generator (native/loadgen.c,
// librdkafka) drives four brokers on 127.0.0.1:
//   mock           librdkafka's mock cluster in its own process (native/mock-broker.c), the peer
//   samsa-memory   `node bin/samsa.js start --memory` (what `npm start` runs: dist/, rebuilt if stale)
//                  with retention bounded like the mock's log: the mock keeps ≤ 5 MiB per partition
//                  (librdkafka's rdkafka_mock.c drops its oldest message sets past 5 MiB or 100,000
//                  sets), so this target runs with log.retention.bytes=4 MiB and log.segment.bytes=
//                  1 MiB (4–5 MiB kept per partition plus the active segment; the memory log applies
//                  retention.bytes as segments roll). The overrides are in the result's `settings`.
//   samsa-disk     the disk log in a temporary data dir (default flush policy: no fsync per request)
//   samsa-durable  the disk log with log.flush.interval.messages=1 (fsync before every ack)
// Workloads, each repeated `reps` times (median, min, max):
//   W1  produce COUNT × 1 KiB, 1 and 16 partitions, acks=all, linger.ms=5, batch.size=1 MiB; after
//       the 1-partition run, the same data is fetched back from earliest ("W1 fetch"; disk targets
//       only: the mock and samsa-memory keep just their window)
//   W2  produce COUNT × 100 B, 1 partition, same settings
//   W3  consume 64 partitions from earliest, pre-loaded with 100 B messages (≤ 3 MB each, the mock's
//       retention window)
//   W4  100 B at a fixed 10 k msg/s, linger.ms=0, after a 1,000-message warm-up flush: ack latency.
//       Then "W4 warm": the same, after WARM more paced, unmeasured messages on every broker. A
//       Node broker's small-request path is still being compiled through the first ~40k paced
//       messages (W1–W3's large batches do not warm it; V8 optimises and deoptimises its functions
//       until then, and its compiler threads take cores from the main thread), so W4 is the cold
//       figure a short test run sees and W4 warm the steady state a JVM benchmark would report.
//   W5  exec → TCP accept, → first ApiVersions+Metadata answer, → topic created and first produce
//       acknowledged (fresh process each time); idle RSS 5 s after exec; a new classic-group
//       consumer → first message
//   W6  10 topics × 1,000 partitions created (CreateTopics; the mock creates them at start), a full
//       Metadata request, idle CPU with them, then deleted (DeleteTopics, Samsa only); N idle
//       connections (each answered one ApiVersions) and the RSS each costs; an M-member classic
//       group join
//   W7  samsa-durable only: 1, 4 and 16 producers at once (separate clients in one generator
//       process, 64 KiB batches, fresh topics each run), aggregate MB/s, broker and generator CPU
//       per GB, read against P3 and across producer counts (group commit)
//   W8  samsa-disk only, on a broker of its own started after the others stopped: sustained ingest
//       of 1 KiB messages at a fixed 20 k msg/s (linger.ms=1, acks=all) into one partition whose
//       retention.bytes is a fraction of what is written, retention checked every second, so
//       segments are deleted through most of the run; the ack latency of each tenth of the run
//       (performance.md §8.3: no latency drift once retention starts deleting) and the log size
//       left at the end
// Order (why: this 2-core VM is shared, and load drifts over minutes — the mock's own W4 p99 was
// 0.8 ms in one run and 3.4 ms in another when each target ran its whole session in turn, so the
// drift landed on one target and not on another): every target's broker starts once and keeps
// running, idle while the others measure. Repetition r of W1, W2, W3 (consume) and W4 runs on
// every broker before repetition r + 1 runs on any, in an order rotated by r (rep 1: mock, memory,
// disk; rep 2: memory, disk, mock; …), so each target meets the same conditions and takes every
// position in turn; each broker still sees W1 and W2 alternating, then W3, then W4, as before.
// The one-off workloads (W5 new consumer, W6 scale, W7) then run per broker, and W5's fresh-process
// starts interleave the same way (start i of every target before start i + 1 of any).
// Repetitions: 5 in --full, 3 by default, 1 in --quick; each figure is their median with min/max.
// Broker cost comes from /proc of the broker process only: CPU (user+sys) per GB and per million
// messages, peak RSS (VmHWM, reset before each workload). Every topic a repetition writes gets its
// own name and is deleted afterwards on Samsa, so the in-memory broker's RSS stays bounded.
// Every process started here is killed by PID in a finally block (and on exit or SIGINT).
//
// Result (stored under "broker" in bench/results/latest.json): { profile, sizes, librdkafka,
// targets, settings: broker overrides per Samsa target, rows: Row[], runs: raw loadgen JSON per
// workload and target, errors: string[] }.
// Run alone: `node bench/broker.ts [--quick|--full] [--targets mock,samsa-memory,...]
// [--workloads W4,...]` (the others skipped: W4 alone then runs on fresh brokers, whose first
// repetition includes JIT warm-up that W1–W3 otherwise absorb).

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildNative, type NativeTools } from './native/build.ts'
import { cpuSeconds, peakRssMB, resetPeakRss, rssMB } from './proc.ts'
import { summarise, type Summary } from './stats.ts'
import { freePort, type SystemLimits } from './system.ts'
import { killAll, track } from './child-processes.ts'

export const TARGETS = ['mock', 'samsa-memory', 'samsa-disk', 'samsa-durable'] as const
export type TargetName = (typeof TARGETS)[number]

export type Profile = 'quick' | 'default' | 'full'

export const WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8'] as const
export type WorkloadName = (typeof WORKLOADS)[number]

interface Sizes {
  reps: number
  w1Count: number
  w2Count: number
  w3PerPartition: number
  w4Count: number
  /** Paced, unmeasured messages between the W4 and the W4 warm repetitions. */
  w4WarmCount: number
  w5Starts: number
  /** W8: messages written, and the partition's segment.bytes and retention.bytes. */
  w8Count: number
  w8SegmentBytes: number
  w8RetentionBytes: number
  w6TopicPartitions: number
  w6Connections: number
  w6Members: number
}

// default keeps the whole `npm run bench` within ~5–8 minutes on the 2-core VM; full is §8's size.
const SIZES: Record<Profile, Sizes> = {
  quick: {
    reps: 1,
    w1Count: 50_000,
    w2Count: 200_000,
    w3PerPartition: 2_000,
    w4Count: 5_000,
    w4WarmCount: 10_000,
    w5Starts: 2,
    w8Count: 40_000,
    w8SegmentBytes: 1 << 20,
    w8RetentionBytes: 4 << 20,
    w6TopicPartitions: 100,
    w6Connections: 200,
    w6Members: 10,
  },
  default: {
    reps: 3,
    w1Count: 200_000,
    w2Count: 1_000_000,
    w3PerPartition: 20_000,
    w4Count: 10_000,
    w4WarmCount: 40_000,
    w5Starts: 3,
    w8Count: 400_000,
    w8SegmentBytes: 16 << 20,
    w8RetentionBytes: 64 << 20,
    w6TopicPartitions: 1_000,
    w6Connections: 2_000,
    w6Members: 100,
  },
  full: {
    reps: 5,
    w1Count: 1_000_000,
    w2Count: 5_000_000,
    w3PerPartition: 25_000,
    w4Count: 50_000,
    w4WarmCount: 40_000,
    w5Starts: 5,
    w8Count: 2_000_000,
    w8SegmentBytes: 64 << 20,
    w8RetentionBytes: 256 << 20,
    w6TopicPartitions: 1_000,
    w6Connections: 2_000,
    w6Members: 100,
  },
}

const W6_TOPICS = 10

export interface Row {
  workload: string
  metric: string
  unit: string
  better: 'higher' | 'lower'
  values: Partial<Record<TargetName, Summary | null>>
}

export interface BrokerBenchResult {
  profile: Profile
  sizes: Sizes
  librdkafka: string
  targets: TargetName[]
  /** The `--override`s each Samsa target ran with beyond its listener (printed under the table). */
  settings?: Partial<Record<TargetName, string[]>>
  rows: Row[]
  runs: Record<string, Partial<Record<TargetName, unknown[]>>>
  errors: string[]
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function waitExit(cp: ChildProcess, ms: number): Promise<boolean> {
  if (cp.exitCode !== null || cp.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms)
    cp.once('exit', () => {
      clearTimeout(t)
      resolve(true)
    })
  })
}

type Json = Record<string, unknown>

interface LoadgenRun {
  ok: boolean
  json: Json | null
  stderr: string
}

let loadgenPath = ''

/** Runs the load generator to completion (killed after timeoutS + 15 s) and parses its JSON. */
async function loadgen(args: string[], timeoutS: number): Promise<LoadgenRun> {
  const cp = track(
    spawn(loadgenPath, [...args, '--timeout-s', String(timeoutS)], { stdio: ['ignore', 'pipe', 'pipe'] }),
  )
  let out = ''
  let err = ''
  cp.stdout.on('data', (b: Buffer) => (out += b.toString()))
  cp.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)))
  try {
    if (!(await waitExit(cp, (timeoutS + 15) * 1000))) cp.kill('SIGKILL')
    await waitExit(cp, 5000)
  } finally {
    if (cp.exitCode === null && cp.signalCode === null) cp.kill('SIGKILL')
  }
  let json: Json | null
  try {
    json = JSON.parse(out.trim().split('\n').pop() ?? '') as Json
  } catch {
    json = null
  }
  return { ok: cp.exitCode === 0 && json !== null, json, stderr: err.trim() }
}

// ---------- brokers ----------

interface TopicSpec {
  name: string
  partitions: number
}

interface Broker {
  target: TargetName
  pid: number
  bootstrap: string
  /** process.hrtime at spawn and when the broker said it listens (mock: printed its address). */
  spawnNs: bigint
  readyNs: bigint
  alive(): boolean
  stderrTail(): string
  /** Samsa on disk: its data directory (removed by stop). */
  dataDir: string | null
  /** Samsa: CreateTopics. The mock has its topics created at start. */
  createTopics(specs: TopicSpec[]): Promise<void>
  deleteTopics(names: string[]): Promise<void>
  stop(): Promise<void>
}

const here = dirname(fileURLToPath(import.meta.url))
const cliMain = join(here, '..', 'bin', 'samsa.js')

function watchStderr(cp: ChildProcess): () => string {
  let tail = ''
  cp.stderr?.on('data', (b: Buffer) => (tail = (tail + b.toString()).slice(-4000)))
  return () => tail
}

async function stopProcess(cp: ChildProcess): Promise<void> {
  if (cp.exitCode !== null || cp.signalCode !== null) return
  cp.kill('SIGTERM')
  if (!(await waitExit(cp, 5000))) {
    cp.kill('SIGKILL')
    await waitExit(cp, 2000)
  }
}

async function startMock(tools: NativeTools, topics: TopicSpec[]): Promise<Broker> {
  // One retry: on the loaded VM a start has once hung past its 10 s limit (not reproduced since).
  try {
    return await startMockOnce(tools, topics)
  } catch {
    return await startMockOnce(tools, topics)
  }
}

async function startMockOnce(tools: NativeTools, topics: TopicSpec[]): Promise<Broker> {
  const spawnNs = process.hrtime.bigint()
  const cp = track(
    spawn(
      tools.mockBroker,
      topics.map((t) => `${t.name}:${t.partitions}`),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  )
  const tail = watchStderr(cp)
  try {
    const bootstrap = await new Promise<string>((resolve, reject) => {
      let out = ''
      const t = setTimeout(() => reject(new Error(`mock-broker did not start in 10 s: ${tail()}`)), 10_000)
      cp.stdout.on('data', (b: Buffer) => {
        out += b.toString()
        const m = /^BOOTSTRAP (\S+)$/m.exec(out)
        if (m) {
          clearTimeout(t)
          resolve(m[1]!)
        }
      })
      cp.once('exit', (code) => {
        clearTimeout(t)
        reject(new Error(`mock-broker exited with ${code}: ${tail()}`))
      })
    })
    const readyNs = process.hrtime.bigint()
    return {
      target: 'mock',
      pid: cp.pid!,
      bootstrap,
      spawnNs,
      readyNs,
      alive: () => cp.exitCode === null && cp.signalCode === null,
      stderrTail: tail,
      dataDir: null,
      createTopics: () => Promise.resolve(),
      deleteTopics: () => Promise.resolve(),
      stop: () => stopProcess(cp),
    }
  } catch (err) {
    await stopProcess(cp)
    throw err
  }
}

/** The mock's per-partition window: it drops its oldest message sets past 5 MiB. */
const MOCK_WINDOW_OVERRIDES = ['log.retention.bytes=4194304', 'log.segment.bytes=1048576']

/** Broker settings per Samsa target, beyond the listener. */
const TARGET_OVERRIDES: Record<Exclude<TargetName, 'mock'>, readonly string[]> = {
  'samsa-memory': MOCK_WINDOW_OVERRIDES,
  'samsa-disk': [],
  'samsa-durable': ['log.flush.interval.messages=1'],
}

async function startSamsa(
  target: Exclude<TargetName, 'mock'>,
  extraOverrides: readonly string[] = [],
): Promise<Broker> {
  const port = await freePort()
  const dataDir = target === 'samsa-memory' ? null : mkdtempSync(join(tmpdir(), 'samsa-bench-'))
  const listener = `PLAINTEXT://127.0.0.1:${port}`
  const args = [
    cliMain,
    'start',
    '--override',
    `listeners=${listener}`,
    '--override',
    `advertised.listeners=${listener}`,
  ]
  if (dataDir === null) args.push('--memory')
  else args.push('--data-dir', dataDir)
  for (const o of [...TARGET_OVERRIDES[target], ...extraOverrides]) args.push('--override', o)
  const spawnNs = process.hrtime.bigint()
  const cp = track(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }))
  const tail = watchStderr(cp)
  const bootstrap = `127.0.0.1:${port}`
  const cleanup = async (): Promise<void> => {
    await stopProcess(cp)
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`samsa did not start in 30 s: ${tail()}`)), 30_000)
      const check = (): void => {
        if (/listening on/.test(tail())) {
          clearTimeout(t)
          resolve()
        }
      }
      cp.stderr.on('data', check)
      cp.once('exit', (code) => {
        clearTimeout(t)
        reject(new Error(`samsa exited with ${code}: ${tail()}`))
      })
    })
  } catch (err) {
    await cleanup()
    throw err
  }
  const readyNs = process.hrtime.bigint()
  const admin = async (args: string[]): Promise<void> => {
    const r = await loadgen([args[0]!, '--bootstrap', bootstrap, ...args.slice(1)], 120)
    if (!r.ok) throw new Error(`${args[0]} failed: ${JSON.stringify(r.json)} ${r.stderr.slice(-300)}`)
  }
  return {
    target,
    pid: cp.pid!,
    bootstrap,
    spawnNs,
    readyNs,
    alive: () => cp.exitCode === null && cp.signalCode === null,
    stderrTail: tail,
    dataDir,
    createTopics: (specs) =>
      specs.length === 0
        ? Promise.resolve()
        : admin(['create', '--topics', specs.map((s) => `${s.name}:${s.partitions}`).join(',')]).then(
            () => {},
          ),
    deleteTopics: (names) =>
      names.length === 0 ? Promise.resolve() : admin(['delete', '--topics', names.join(',')]),
    stop: cleanup,
  }
}

function startBroker(tools: NativeTools, target: TargetName, mockTopics: TopicSpec[]): Promise<Broker> {
  return target === 'mock' ? startMock(tools, mockTopics) : startSamsa(target)
}

// ---------- measurement ----------

class Collector {
  readonly samples = new Map<
    string,
    {
      workload: string
      metric: string
      unit: string
      better: 'higher' | 'lower'
      values: Map<TargetName, number[]>
    }
  >()
  readonly runs: Record<string, Partial<Record<TargetName, unknown[]>>> = {}
  readonly errors: string[] = []

  add(
    workload: string,
    target: TargetName,
    metric: string,
    unit: string,
    better: 'higher' | 'lower',
    value: number,
  ): void {
    const key = `${workload}\u0000${metric}\u0000${unit}`
    let s = this.samples.get(key)
    if (!s) {
      s = { workload, metric, unit, better, values: new Map() }
      this.samples.set(key, s)
    }
    const list = s.values.get(target) ?? []
    list.push(value)
    s.values.set(target, list)
  }

  raw(workload: string, target: TargetName, json: unknown): void {
    const w = (this.runs[workload] ??= {})
    ;(w[target] ??= []).push(json)
  }

  error(workload: string, target: TargetName, message: string): void {
    this.errors.push(`${target} ${workload}: ${message}`)
  }

  rows(targets: readonly TargetName[]): Row[] {
    // Group by workload id (W1…W6) in the order workloads were first seen, so that a workload
    // the mock skips still prints next to its siblings.
    const firstSeen = new Map<string, number>()
    for (const s of this.samples.values())
      if (!firstSeen.has(s.workload)) firstSeen.set(s.workload, firstSeen.size)
    const order = (w: string): [string, number] => [w.slice(0, 2), firstSeen.get(w) ?? 0]
    const sorted = [...this.samples.values()].sort((a, b) => {
      const [ia, fa] = order(a.workload)
      const [ib, fb] = order(b.workload)
      return ia < ib ? -1 : ia > ib ? 1 : fa - fb
    })
    return sorted.map((s) => ({
      workload: s.workload,
      metric: s.metric,
      unit: s.unit,
      better: s.better,
      values: Object.fromEntries(targets.map((t) => [t, summarise(s.values.get(t) ?? [])])),
    }))
  }
}

/** Runs one loadgen step against the broker and returns its JSON with the broker's CPU and peak RSS. */
async function measure(
  b: Broker,
  args: string[],
  timeoutS: number,
): Promise<{ json: Json; cpu: number; peakMB: number } | { error: string }> {
  if (!b.alive()) return { error: `broker is not running: ${b.stderrTail().slice(-300)}` }
  resetPeakRss(b.pid)
  const c0 = cpuSeconds(b.pid)
  const r = await loadgen([args[0]!, '--bootstrap', b.bootstrap, ...args.slice(1)], timeoutS)
  if (!b.alive()) return { error: `broker died: ${b.stderrTail().slice(-500)}` }
  const cpu = cpuSeconds(b.pid) - c0
  const peakMB = peakRssMB(b.pid)
  if (!r.ok || r.json === null)
    return {
      error: `loadgen ${args[0]} failed: ${r.json ? JSON.stringify(r.json).slice(0, 400) : ''} ${r.stderr.slice(-300)}`,
    }
  return { json: r.json, cpu, peakMB }
}

function num(j: Json, k: string): number {
  const v = j[k]
  return typeof v === 'number' ? v : NaN
}

function recordThroughput(
  c: Collector,
  workload: string,
  t: TargetName,
  m: { json: Json; cpu: number; peakMB: number },
  msgsKey: 'acked' | 'received',
): void {
  const msgs = num(m.json, msgsKey)
  const bytes = num(m.json, 'bytes')
  c.add(workload, t, 'throughput', 'msg/s', 'higher', num(m.json, 'msgsPerSec'))
  c.add(workload, t, 'throughput', 'MB/s', 'higher', num(m.json, 'mbPerSec'))
  c.add(workload, t, 'broker CPU', 'CPU-s/GB', 'lower', bytes > 0 ? m.cpu / (bytes / 1e9) : NaN)
  c.add(workload, t, 'broker CPU', 'CPU-s/M msgs', 'lower', msgs > 0 ? m.cpu / (msgs / 1e6) : NaN)
  c.add(workload, t, 'peak RSS', 'MB', 'lower', m.peakMB)
}

// ---------- workloads ----------

function plan(sizes: Sizes): { mockTopics: TopicSpec[] } {
  const topics: TopicSpec[] = []
  for (let r = 0; r < sizes.reps; r++) {
    topics.push(
      { name: `w1-1p-${r}`, partitions: 1 },
      { name: `w1-16p-${r}`, partitions: 16 },
      { name: `w2-${r}`, partitions: 1 },
    )
  }
  topics.push({ name: 'w3', partitions: 64 }, { name: 'w4', partitions: 1 }, { name: 'w5', partitions: 1 })
  topics.push({ name: 'w6-group', partitions: sizes.w6Members })
  for (let i = 0; i < W6_TOPICS; i++) topics.push({ name: `w6-t${i}`, partitions: sizes.w6TopicPartitions })
  return { mockTopics: topics }
}

const PRODUCE_ARGS = ['--acks', 'all', '--linger-ms', '5', '--batch-size', '1048576', '--compression', 'none']

async function produceWorkload(
  c: Collector,
  b: Broker,
  workload: string,
  topic: TopicSpec,
  count: number,
  size: number,
): Promise<boolean> {
  await b.createTopics([topic])
  const m = await measure(
    b,
    [
      'produce',
      '--topic',
      topic.name,
      '--count',
      String(count),
      '--size',
      String(size),
      '--partitions',
      String(topic.partitions),
      ...PRODUCE_ARGS,
    ],
    300,
  )
  if ('error' in m) {
    c.error(workload, b.target, m.error)
    return false
  }
  c.raw(workload, b.target, { ...m.json, brokerCpuSeconds: m.cpu, brokerPeakRssMB: m.peakMB })
  recordThroughput(c, workload, b.target, m, 'acked')
  return true
}

async function consumeWorkload(
  c: Collector,
  b: Broker,
  workload: string,
  topic: TopicSpec,
  count: number,
): Promise<void> {
  const m = await measure(
    b,
    ['consume', '--topic', topic.name, '--partitions', String(topic.partitions), '--count', String(count)],
    120,
  )
  if ('error' in m) return void c.error(workload, b.target, m.error)
  c.raw(workload, b.target, { ...m.json, brokerCpuSeconds: m.cpu, brokerPeakRssMB: m.peakMB })
  recordThroughput(c, workload, b.target, m, 'received')
}

/** The per-repetition workloads' table names (they carry the sizes). */
function workloadNames(
  sizes: Sizes,
): Record<'W1_1' | 'W1_F' | 'W1_16' | 'W2' | 'W3_LOAD' | 'W3' | 'W4' | 'W4_WARM', string> {
  const n = (x: number): string => x.toLocaleString('en-US')
  return {
    W1_1: `W1 produce ${n(sizes.w1Count)} × 1 KiB, 1 partition`,
    W1_F: `W1 fetch ${n(sizes.w1Count)} × 1 KiB, 1 partition`,
    W1_16: `W1 produce ${n(sizes.w1Count)} × 1 KiB, 16 partitions`,
    W2: `W2 produce ${n(sizes.w2Count)} × 100 B, 1 partition`,
    W3_LOAD: `W3 pre-load ${n(64 * sizes.w3PerPartition)} × 100 B, 64 partitions`,
    W3: `W3 consume ${n(64 * sizes.w3PerPartition)} × 100 B, 64 partitions`,
    W4: `W4 ack latency, 100 B at 10 k msg/s, ${n(sizes.w4Count)} msgs`,
    W4_WARM: `W4 warm: the same after ${n(sizes.w4WarmCount)} more paced msgs`,
  }
}

/** The brokers in the order of repetition r: rotated by r, so each takes every position in turn. */
function rotation<T>(list: readonly T[], r: number): T[] {
  const k = list.length === 0 ? 0 : r % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/** Runs one step against one broker; an exception is that target's error, not the whole run's. */
async function step(c: Collector, b: Broker, workload: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn()
  } catch (err) {
    c.error(workload, b.target, (err as Error).message)
  }
}

/** W1, one repetition: 1 partition (read back on the disk targets), then 16 partitions. */
async function w1Rep(c: Collector, b: Broker, sizes: Sizes, r: number): Promise<void> {
  const names = workloadNames(sizes)
  const t1 = { name: `w1-1p-${r}`, partitions: 1 }
  // The mock and samsa-memory keep only ~5 MB per partition, so reading W1 back is measured
  // on the disk targets alone (its bar is a fraction of P1, §8.3).
  const keepsAll = b.target !== 'mock' && b.target !== 'samsa-memory'
  if ((await produceWorkload(c, b, names.W1_1, t1, sizes.w1Count, 1024)) && keepsAll)
    await consumeWorkload(c, b, names.W1_F, t1, sizes.w1Count)
  await b.deleteTopics([t1.name])
  const t16 = { name: `w1-16p-${r}`, partitions: 16 }
  await produceWorkload(c, b, names.W1_16, t16, sizes.w1Count, 1024)
  await b.deleteTopics([t16.name])
}

async function w2Rep(c: Collector, b: Broker, sizes: Sizes, r: number): Promise<void> {
  const t2 = { name: `w2-${r}`, partitions: 1 }
  await produceWorkload(c, b, workloadNames(sizes).W2, t2, sizes.w2Count, 100)
  await b.deleteTopics([t2.name])
}

const W3_TOPIC = { name: 'w3', partitions: 64 }

/**
 * W4, one repetition of `count` paced messages, its figures under `name`; a warm-up's go to `runs`
 * under their own key, not into the table.
 */
async function w4Rep(c: Collector, b: Broker, W4: string, count: number, warmup: boolean): Promise<void> {
  const m = await measure(
    b,
    [
      'produce',
      '--topic',
      'w4',
      '--count',
      String(count),
      '--size',
      '100',
      '--partitions',
      '1',
      '--rate',
      '10000',
      '--warmup',
      '1000',
      '--acks',
      'all',
      '--linger-ms',
      '0',
    ],
    120,
  )
  if ('error' in m) return void c.error(W4, b.target, m.error)
  if (warmup) return void c.raw(`${W4} (unmeasured warm-up)`, b.target, m.json)
  c.raw(W4, b.target, m.json)
  const lat = m.json.latencyMs as Record<string, number>
  c.add(W4, b.target, 'ack latency p50', 'ms', 'lower', lat.p50 ?? NaN)
  c.add(W4, b.target, 'ack latency p99', 'ms', 'lower', lat.p99 ?? NaN)
  c.add(W4, b.target, 'ack latency p99.9', 'ms', 'lower', lat.p999 ?? NaN)
  c.add(W4, b.target, 'ack latency max', 'ms', 'lower', lat.max ?? NaN)
  c.add(W4, b.target, 'broker CPU', 'CPU-s/M msgs', 'lower', m.cpu / (num(m.json, 'acked') / 1e6))
}

/**
 * The per-repetition workloads on brokers that all run at once, interleaved: repetition r of a
 * workload runs on every broker, in rotation(brokers, r), before repetition r + 1 starts on any,
 * so load that drifts on the shared VM lands on every target alike. Each broker still sees the
 * history it saw when targets ran one after another: W1 and W2 alternating per repetition, then
 * W3, then W4 (so W4 runs on brokers warmed by W1–W3 when those are selected).
 */
async function interleaved(
  c: Collector,
  brokers: readonly Broker[],
  sizes: Sizes,
  want: (w: WorkloadName) => boolean,
  log: (s: string) => void,
): Promise<void> {
  const names = workloadNames(sizes)
  // Durable mode changes only the write path: W2/W3 would repeat samsa-disk's figures.
  const notDurable = brokers.filter((b) => b.target !== 'samsa-durable')
  const order = (list: readonly Broker[], r: number): string =>
    rotation(list, r)
      .map((b) => b.target)
      .join(', ')
  for (let r = 0; r < sizes.reps && (want('W1') || want('W2')); r++) {
    if (want('W1')) {
      log(`  W1 rep ${r + 1}/${sizes.reps}: ${order(brokers, r)}`)
      for (const b of rotation(brokers, r)) await step(c, b, names.W1_1, () => w1Rep(c, b, sizes, r))
    }
    if (want('W2')) {
      log(`  W2 rep ${r + 1}/${sizes.reps}: ${order(notDurable, r)}`)
      for (const b of rotation(notDurable, r)) await step(c, b, names.W2, () => w2Rep(c, b, sizes, r))
    }
  }
  if (want('W3')) {
    log(`  W3 pre-load: ${order(notDurable, 0)}`)
    const loaded: Broker[] = []
    for (const b of notDurable)
      await step(c, b, names.W3_LOAD, async () => {
        if (await produceWorkload(c, b, names.W3_LOAD, W3_TOPIC, 64 * sizes.w3PerPartition, 100))
          loaded.push(b)
      })
    for (let r = 0; r < sizes.reps; r++) {
      log(`  W3 rep ${r + 1}/${sizes.reps}: ${order(loaded, r)}`)
      for (const b of rotation(loaded, r))
        await step(c, b, names.W3, () => consumeWorkload(c, b, names.W3, W3_TOPIC, 64 * sizes.w3PerPartition))
    }
  }
  if (want('W4')) {
    const ready: Broker[] = []
    for (const b of brokers)
      await step(c, b, names.W4, async () => {
        await b.createTopics([{ name: 'w4', partitions: 1 }])
        ready.push(b)
      })
    // Brokers that ran none of W1–W3 are cold: Samsa's first ~30k messages run while V8 still
    // compiles, and the first repetition's p99 was 1.5–2.5× the later ones' (the mock's, too, in
    // some runs). One unmeasured repetition on every broker, the mock included, puts W4 alone in
    // the state the whole suite measures it in (after W1–W3); its figures stay in `runs`.
    if (!want('W1') && !want('W2') && !want('W3')) {
      log(`  W4 unmeasured warm-up repetition: ${order(ready, 0)}`)
      for (const b of ready) await step(c, b, names.W4, () => w4Rep(c, b, names.W4, sizes.w4Count, true))
    }
    for (let r = 0; r < sizes.reps; r++) {
      log(`  W4 rep ${r + 1}/${sizes.reps}: ${order(ready, r)}`)
      for (const b of rotation(ready, r))
        await step(c, b, names.W4, () => w4Rep(c, b, names.W4, sizes.w4Count, false))
    }
    log(`  W4 warm: ${sizes.w4WarmCount.toLocaleString('en-US')} paced msgs on ${order(ready, 0)}`)
    for (const b of ready)
      await step(c, b, names.W4_WARM, () => w4Rep(c, b, names.W4_WARM, sizes.w4WarmCount, true))
    for (let r = 0; r < sizes.reps; r++) {
      log(`  W4 warm rep ${r + 1}/${sizes.reps}: ${order(ready, r)}`)
      for (const b of rotation(ready, r))
        await step(c, b, names.W4_WARM, () => w4Rep(c, b, names.W4_WARM, sizes.w4Count, false))
    }
  }
}

/** The one-off workloads on a running broker (the other brokers idle meanwhile). */
async function oneOffs(
  c: Collector,
  b: Broker,
  sizes: Sizes,
  want: (w: WorkloadName) => boolean,
  log: (s: string) => void,
): Promise<void> {
  if (b.target === 'samsa-durable') {
    // Durable mode changes only the write path: W5/W6 would repeat samsa-disk's figures.
    if (want('W7')) await step(c, b, 'W7', () => durableProducers(c, b, sizes, log))
    return
  }
  if (want('W5')) await step(c, b, 'W5', () => newConsumer(c, b, sizes, log))
  if (want('W6')) await step(c, b, 'W6', () => scale(c, b, sizes, log))
}

/** W5 (on a running broker): a new classic-group consumer → its first message. */
async function newConsumer(c: Collector, b: Broker, sizes: Sizes, log: (s: string) => void): Promise<void> {
  const target = b.target
  log(`  ${target}: W5 new consumer → first message`)
  const W5C = 'W5 new group consumer → first message'
  await b.createTopics([{ name: 'w5', partitions: 1 }])
  const pre = await measure(
    b,
    ['produce', '--topic', 'w5', '--count', '100', '--size', '100', '--partitions', '1'],
    60,
  )
  if ('error' in pre) return void c.error(W5C, target, pre.error)
  for (let r = 0; r < sizes.reps; r++) {
    const m = await measure(b, ['consume', '--topic', 'w5', '--group', `w5-g${r}`, '--count', '1'], 30)
    if ('error' in m) c.error(W5C, target, m.error)
    else {
      c.raw(W5C, target, m.json)
      c.add(W5C, target, 'time', 'ms', 'lower', num(m.json, 'firstMessageMs'))
    }
  }
}

/** Producer counts of the durable scaling workload (performance.md §8.3: group commit). */
const DURABLE_PRODUCERS = [1, 4, 16] as const

/**
 * W7 durable: 1, 4 and 16 producers at once, each a separate client (its own librdkafka instance
 * and connection) writing to its own single-partition topic, 1 KiB messages in 64 KiB batches
 * (linger.ms=5), acks=all; the same total each time. Aggregate MB/s from the first send to the
 * last acknowledgement; broker and generator CPU per GB. Read against P3 (a 64 KiB append+fdatasync
 * loop) and across producer counts (group commit: it must not fall as producers are added).
 * Three things keep the producer counts comparable on this 2-core VM:
 * - The producers live in one generator process (loadgen --producers N): as N processes, the
 *   generators' own CPU grew with N (1.3–1.5 → 2.3–3.5 CPU-s/GB from 1 to 16) and took the cores
 *   the broker needed.
 * - Every run writes fresh topics that are deleted after it: when all runs appended to the same
 *   16 topics, the page cache grew by a run's size each time, and once it outgrew the memory the
 *   VM had recently freed, each new page cost ~2.5 s of system time per GB (the VM fetches it from
 *   its host): the broker's fsync/write threads went from 0.4 to 2.9 CPU-s/GB over one session
 *   whatever the producer count, so the counts measured last paid it.
 * - Repetition r runs the counts in an order rotated by r (1, 4, 16; then 4, 16, 1; …).
 */
async function durableProducers(
  c: Collector,
  b: Broker,
  sizes: Sizes,
  log: (s: string) => void,
): Promise<void> {
  const t = b.target
  const W7 = `W7 durable, ${sizes.w1Count.toLocaleString('en-US')} × 1 KiB in 64 KiB batches`
  for (let r = 0; r < sizes.reps; r++) {
    const counts = rotation(DURABLE_PRODUCERS, r)
    log(`  ${t}: W7 rep ${r + 1}/${sizes.reps}: ${counts.join(', ')} producers`)
    for (const n of counts) {
      const prefix = `w7-${r}-${n}-`
      const topics = Array.from({ length: n }, (_, i) => `${prefix}${i}`)
      await b.createTopics(topics.map((name) => ({ name, partitions: 1 })))
      const m = await measure(
        b,
        [
          'produce',
          '--topic',
          prefix,
          '--producers',
          String(n),
          '--count',
          String(sizes.w1Count),
          '--size',
          '1024',
          '--partitions',
          '1',
          '--acks',
          'all',
          '--linger-ms',
          '5',
          '--batch-size',
          '65536',
        ],
        120,
      )
      await b.deleteTopics(topics)
      if ('error' in m) {
        c.error(W7, t, m.error)
        continue
      }
      const gb = num(m.json, 'bytes') / 1e9
      c.raw(W7, t, { ...m.json, brokerCpuSeconds: m.cpu })
      c.add(
        W7,
        t,
        `${n} producers, aggregate`,
        'MB/s',
        'higher',
        num(m.json, 'bytes') / 1048576 / num(m.json, 'seconds'),
      )
      c.add(W7, t, `${n} producers, broker CPU`, 'CPU-s/GB', 'lower', m.cpu / gb)
      c.add(W7, t, `${n} producers, generator CPU`, 'CPU-s/GB', 'lower', num(m.json, 'clientCpuSeconds') / gb)
    }
  }
}

const W8_RATE = 20_000
const W8_WINDOWS = 10

/**
 * W8 (samsa-disk, on a broker of its own): sustained ingest at a fixed rate while retention
 * deletes segments; the ack latency of each tenth of the run, and the log left at the end.
 */
async function sustainedIngest(c: Collector, sizes: Sizes, log: (s: string) => void): Promise<void> {
  const t: TargetName = 'samsa-disk'
  const mib = (x: number): string => `${x / 1048576} MiB`
  const W8 =
    `W8 sustained ingest, ${sizes.w8Count.toLocaleString('en-US')} × 1 KiB at ${W8_RATE / 1000} k msg/s, ` +
    `retention ${mib(sizes.w8RetentionBytes)} in ${mib(sizes.w8SegmentBytes)} segments`
  log(`  ${t}: W8 sustained ingest (${(sizes.w8Count / W8_RATE).toFixed(0)} s)`)
  let b: Broker | undefined
  try {
    b = await startSamsa(t, [
      `log.segment.bytes=${sizes.w8SegmentBytes}`,
      `log.retention.bytes=${sizes.w8RetentionBytes}`,
      'log.retention.check.interval.ms=1000',
    ])
    await b.createTopics([{ name: 'w8', partitions: 1 }])
    const m = await measure(
      b,
      [
        'produce',
        '--topic',
        'w8',
        '--count',
        String(sizes.w8Count),
        '--size',
        '1024',
        '--partitions',
        '1',
        '--rate',
        String(W8_RATE),
        '--warmup',
        '10000',
        '--acks',
        'all',
        '--linger-ms',
        '1',
        '--windows',
        String(W8_WINDOWS),
      ],
      60 + (2 * sizes.w8Count) / W8_RATE,
    )
    if ('error' in m) return void c.error(W8, t, m.error)
    const keptBytes = logBytes(join(b.dataDir!, 'w8-0'))
    c.raw(W8, t, { ...m.json, brokerCpuSeconds: m.cpu, brokerPeakRssMB: m.peakMB, keptBytes })
    const lat = m.json.latencyMs as Record<string, number>
    const windows = (m.json.windows as Record<string, number>[]).map((w) => w.p99 ?? NaN)
    c.add(W8, t, 'throughput', 'msg/s', 'higher', num(m.json, 'msgsPerSec'))
    c.add(W8, t, 'ack latency p50', 'ms', 'lower', lat.p50 ?? NaN)
    c.add(W8, t, 'ack latency p99', 'ms', 'lower', lat.p99 ?? NaN)
    c.add(W8, t, 'ack latency p99, first tenth', 'ms', 'lower', windows[0] ?? NaN)
    c.add(W8, t, 'ack latency p99, last tenth', 'ms', 'lower', windows.at(-1) ?? NaN)
    c.add(W8, t, 'ack latency p99, worst tenth', 'ms', 'lower', Math.max(...windows))
    c.add(W8, t, 'log kept at the end', 'MB', 'lower', keptBytes / 1e6)
    c.add(W8, t, 'broker CPU', 'CPU-s/GB', 'lower', m.cpu / (num(m.json, 'bytes') / 1e9))
    c.add(W8, t, 'peak RSS', 'MB', 'lower', m.peakMB)
  } catch (err) {
    c.error(W8, t, (err as Error).message)
  } finally {
    await b?.stop()
  }
}

/** Bytes in a partition directory's live segment files (`.log`; `.deleted` ones are on their way out). */
function logBytes(dir: string): number {
  let total = 0
  for (const f of readdirSync(dir)) if (f.endsWith('.log')) total += statSync(join(dir, f)).size
  return total
}

function apiVersionsFrame(correlationId: number): Buffer {
  const clientId = Buffer.from('bench-idle')
  const body = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length)
  body.writeInt32BE(body.length - 4, 0)
  body.writeInt16BE(18, 4) // ApiVersions
  body.writeInt16BE(0, 6) // v0: no flexible header, answered by every broker
  body.writeInt32BE(correlationId, 8)
  body.writeInt16BE(clientId.length, 12)
  clientId.copy(body, 14)
  return body
}

/** Opens n connections, each answered one ApiVersions; returns them (the caller destroys them). */
async function openIdle(bootstrap: string, n: number): Promise<Socket[]> {
  const [host, port] = bootstrap.split(':') as [string, string]
  const socks: Socket[] = []
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from(
      { length: Math.min(50, n - i) },
      (_, j) =>
        new Promise<Socket>((resolve, reject) => {
          const s = createConnection({ host, port: Number(port) })
          socks.push(s)
          s.once('error', reject)
          s.once('connect', () => s.write(apiVersionsFrame(i + j)))
          s.once('data', () => resolve(s))
          s.setTimeout(15_000, () => reject(new Error('idle connection: no ApiVersions answer in 15 s')))
        }),
    )
    try {
      await Promise.all(batch)
    } catch (err) {
      for (const s of socks) s.destroy()
      throw err
    }
  }
  for (const s of socks) s.setTimeout(0)
  return socks
}

/**
 * W6 idle connections, on a fresh broker before any workload, so that heap growth and GC from
 * earlier workloads do not swamp the RSS difference. The mock is skipped: it listens with a
 * backlog of 5, so thousands of connects take minutes of SYN retries; the bar is absolute
 * (≤ 30 KB per connection).
 */
async function idleConnections(
  c: Collector,
  b: Broker,
  sizes: Sizes,
  log: (s: string) => void,
): Promise<void> {
  const t = b.target
  const W6C = `W6 ${sizes.w6Connections.toLocaleString('en-US')} idle connections`
  log(`  ${t}: W6 idle connections`)
  await sleep(1000)
  const before = rssMB(b.pid)
  try {
    const t0 = process.hrtime.bigint()
    const socks = await openIdle(b.bootstrap, sizes.w6Connections)
    const openMs = Number(process.hrtime.bigint() - t0) / 1e6
    await sleep(1000)
    const after = rssMB(b.pid)
    for (const s of socks) s.destroy()
    c.add(W6C, t, 'RSS per connection', 'KB', 'lower', ((after - before) * 1024) / sizes.w6Connections)
    c.add(W6C, t, 'open + first answer, all', 'ms', 'lower', openMs)
    c.raw(W6C, t, { rssBeforeMB: before, rssAfterMB: after, openMs })
  } catch (err) {
    c.error(W6C, t, (err as Error).message)
  }
  await sleep(500)
}

async function scale(c: Collector, b: Broker, sizes: Sizes, log: (s: string) => void): Promise<void> {
  const t = b.target
  const total = W6_TOPICS * sizes.w6TopicPartitions
  const W6P = `W6 ${total.toLocaleString('en-US')} partitions (${W6_TOPICS} topics)`
  const W6G = `W6 ${sizes.w6Members}-member group join`

  // The mock's group joins wait seconds per rebalance: the group join is measured on Samsa only,
  // against its absolute bar (join ≤ 2 s). Idle connections were measured at session start.
  log(`  ${t}: W6 partitions`)
  let created = t === 'mock'
  if (t !== 'mock') {
    const m = await measure(
      b,
      [
        'create',
        '--prefix',
        'w6-t',
        '--topics-count',
        String(W6_TOPICS),
        '--partitions',
        String(sizes.w6TopicPartitions),
      ],
      120,
    )
    if ('error' in m) c.error(W6P, t, m.error)
    else {
      created = true
      c.raw(W6P, t, m.json)
      c.add(W6P, t, 'CreateTopics', 'ms', 'lower', num(m.json, 'seconds') * 1000)
      c.add(W6P, t, 'peak RSS', 'MB', 'lower', m.peakMB)
    }
  }
  if (created) {
    const m = await measure(b, ['metadata', '--repeat', '5'], 60)
    if ('error' in m) c.error(W6P, t, m.error)
    else {
      c.raw(W6P, t, m.json)
      c.add(W6P, t, 'full Metadata p50', 'ms', 'lower', (m.json.ms as Record<string, number>).p50 ?? NaN)
    }
    const c0 = cpuSeconds(b.pid)
    await sleep(5000)
    c.add(W6P, t, 'idle CPU', '% of a core', 'lower', ((cpuSeconds(b.pid) - c0) / 5) * 100)
    c.add(W6P, t, 'RSS', 'MB', 'lower', rssMB(b.pid))
    if (t !== 'mock') {
      const names = Array.from({ length: W6_TOPICS }, (_, i) => `w6-t${i}`)
      const d = await measure(b, ['delete', '--topics', names.join(',')], 120)
      if ('error' in d) c.error(W6P, t, d.error)
      else {
        c.raw(W6P, t, d.json)
        c.add(W6P, t, 'DeleteTopics', 'ms', 'lower', num(d.json, 'seconds') * 1000)
      }
    }
  }

  if (t === 'mock') return
  log(`  ${t}: W6 group join`)
  try {
    await b.createTopics([{ name: 'w6-group', partitions: sizes.w6Members }])
    const m = await measure(
      b,
      ['group', '--topic', 'w6-group', '--group', 'w6', '--members', String(sizes.w6Members)],
      120,
    )
    if ('error' in m) c.error(W6G, t, m.error)
    else {
      c.raw(W6G, t, m.json)
      c.add(W6G, t, 'all members assigned', 'ms', 'lower', num(m.json, 'seconds') * 1000)
      c.add(W6G, t, 'peak RSS', 'MB', 'lower', m.peakMB)
    }
  } catch (err) {
    c.error(W6G, t, (err as Error).message)
  }
}

/**
 * W5, start i (0 = the unmeasured first): a fresh process; exec → TCP, → ApiVersions+Metadata,
 * → topic created + first produce acked; after the first measured start, the idle RSS 5 s after exec.
 */
async function startup(c: Collector, tools: NativeTools, target: TargetName, i: number): Promise<void> {
  const W5 = 'W5 startup (fresh process)'
  let b: Broker | null = null
  try {
    b = await startBroker(tools, target, [{ name: 'w5-probe', partitions: 1 }])
    const r = await loadgen(
      ['probe', '--bootstrap', b.bootstrap, '--topic', 'w5-probe', '--create', target === 'mock' ? '0' : '1'],
      30,
    )
    if (i === 0) return
    if (!r.ok || r.json === null)
      return void c.error(W5, target, `probe failed: ${JSON.stringify(r.json)} ${r.stderr.slice(-300)}`)
    const ms = (k: string): number => {
      const v = r.json![k]
      return typeof v === 'number' && v > 0 ? (v - Number(b!.spawnNs)) / 1e6 : NaN
    }
    c.raw(W5, target, { ...r.json, spawnNs: Number(b.spawnNs), readyNs: Number(b.readyNs) })
    c.add(W5, target, 'exec → accepts TCP', 'ms', 'lower', ms('tcpNs'))
    c.add(W5, target, 'exec → ApiVersions+Metadata', 'ms', 'lower', ms('metadataNs'))
    c.add(W5, target, 'exec → first produce acked', 'ms', 'lower', ms('ackNs'))
    if (i === 1) {
      const wait = 5000 - Number(process.hrtime.bigint() - b.spawnNs) / 1e6
      if (wait > 0) await sleep(wait)
      c.add(W5, target, 'idle RSS 5 s after exec', 'MB', 'lower', rssMB(b.pid))
    }
  } catch (err) {
    c.error(W5, target, (err as Error).message)
  } finally {
    await b?.stop()
  }
}

export async function runBrokerBench(opts: {
  profile: Profile
  targets?: readonly TargetName[]
  /** Only these workloads (default: all). */
  workloads?: readonly WorkloadName[]
  log?: (s: string) => void
}): Promise<BrokerBenchResult | { skipped: string }> {
  const log = opts.log ?? ((s: string) => console.log(s))
  const tools = buildNative()
  if ('missing' in tools) return { skipped: tools.missing }
  loadgenPath = tools.loadgen
  const sizes = SIZES[opts.profile]
  const targets = [...(opts.targets ?? TARGETS)]
  const c = new Collector()
  const want = (w: WorkloadName): boolean => opts.workloads === undefined || opts.workloads.includes(w)
  const t0 = Date.now()
  const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`
  const brokers: Broker[] = []
  try {
    // Every target's broker starts once and runs to the end of its workloads, idle while the
    // others measure (durable mode runs W1, W4 and W7 only; W6 idle connections on Samsa are
    // measured on the fresh broker, before any workload).
    const onSession = (t: TargetName): WorkloadName[] =>
      t === 'samsa-durable' ? ['W1', 'W4', 'W7'] : ['W1', 'W2', 'W3', 'W4', 'W5', 'W6']
    const { mockTopics } = plan(sizes)
    for (const t of targets.filter((t) => onSession(t).some(want))) {
      try {
        brokers.push(await startBroker(tools, t, mockTopics))
      } catch (err) {
        c.error('session', t, (err as Error).message)
      }
    }
    for (const b of brokers)
      if (b.target !== 'mock' && b.target !== 'samsa-durable' && want('W6'))
        await idleConnections(c, b, sizes, log)
    await interleaved(c, brokers, sizes, want, log)
    for (const b of brokers) await oneOffs(c, b, sizes, want, log)
    for (const b of brokers) await b.stop()
    log(`  sessions: ${elapsed()}`)
    if (want('W8') && targets.includes('samsa-disk')) await sustainedIngest(c, sizes, log)
    // Startup does not depend on the flush policy: samsa-disk covers the durable broker. Start i
    // of every target runs before start i + 1 of any, in rotated order, as above.
    const starters = targets.filter((t) => t !== 'samsa-durable')
    if (want('W5') && starters.length > 0) {
      log(`  W5 startups: ${starters.join(', ')}, rotated`)
      for (let i = 0; i <= sizes.w5Starts; i++)
        for (const t of rotation(starters, i)) await startup(c, tools, t, i)
      log(`  startups: ${elapsed()}`)
    }
  } finally {
    for (const b of brokers) await b.stop().catch(() => {})
    killAll()
  }
  return {
    profile: opts.profile,
    sizes,
    librdkafka: tools.librdkafkaVersion,
    targets,
    settings: Object.fromEntries(
      targets.flatMap((t) => (t === 'mock' ? [] : [[t, [...TARGET_OVERRIDES[t]]]])),
    ),
    rows: c.rows(targets),
    runs: c.runs,
    errors: c.errors,
  }
}

// ---------- report ----------

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  const a = Math.abs(x)
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

function cell(s: Summary | null | undefined): string {
  return s ? fmtNum(s.median) : '—'
}

function ratio(s: Summary | null | undefined, ref: Summary | null | undefined): string {
  if (!s || !ref || ref.median === 0) return ''
  return `${fmtNum(s.median / ref.median)}×`
}

/** The comparison table: one line per (workload, metric), medians per target, ratios to the mock. */
export function formatBrokerTable(r: BrokerBenchResult): string {
  const samsa = r.targets.filter((t) => t !== 'mock')
  const header = [
    'workload',
    'metric',
    ...r.targets,
    ...(r.targets.includes('mock') ? samsa.map((t) => `${t.replace('samsa-', '')}/mock`) : []),
  ]
  const lines: string[][] = [header]
  let last = ''
  for (const row of r.rows) {
    lines.push([
      row.workload === last ? '' : row.workload,
      `${row.metric} (${row.unit})`,
      ...r.targets.map((t) => cell(row.values[t])),
      ...(r.targets.includes('mock') ? samsa.map((t) => ratio(row.values[t], row.values.mock)) : []),
    ])
    last = row.workload
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)))
  const settings = Object.entries(r.settings ?? {})
    .filter(([, o]) => o !== undefined && o.length > 0)
    .map(([t, o]) => `${t}: ${o.join(', ')}`)
  return [
    ...lines.map((l) => l.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')),
    ...(settings.length > 0 ? ['', `settings: ${settings.join('; ')}`] : []),
  ].join('\n')
}

/** Figures as fractions of the machine's limits (performance.md §8.3). */
export function physicalRatios(r: BrokerBenchResult, sys: SystemLimits | null): string[] {
  if (!sys) return []
  const find = (prefix: string, metric: string, unit: string): Row | undefined =>
    r.rows.find((x) => x.workload.startsWith(prefix) && x.metric === metric && x.unit === unit)
  const p1 = sys.p1.mbPerSec?.median
  const p3 = sys.p3.mbPerSec?.median
  const out: string[] = []
  const prod = find('W1 produce', 'throughput', 'MB/s')
  const fetch = find('W1 fetch', 'throughput', 'MB/s')
  for (const t of r.targets) {
    const parts: string[] = []
    if (p1 && prod?.values[t]) parts.push(`W1 produce ${fmtNum(prod.values[t].median / p1)}× P1`)
    if (p1 && fetch?.values[t]) parts.push(`W1 fetch ${fmtNum(fetch.values[t].median / p1)}× P1`)
    if (p3 && t === 'samsa-durable' && prod?.values[t])
      parts.push(`W1 produce ${fmtNum(prod.values[t].median / p3)}× P3 (fsync loop MB/s)`)
    for (const n of DURABLE_PRODUCERS) {
      const w7 = r.rows.find((x) => x.workload.startsWith('W7') && x.metric === `${n} producers, aggregate`)
      if (p3 && w7?.values[t]) parts.push(`W7 ${n} producers ${fmtNum(w7.values[t].median / p3)}× P3`)
    }
    if (parts.length > 0) out.push(`${t}: ${parts.join(', ')}`)
  }
  return out
}

/** A comma-separated option value as a list of known names (undefined when the option is absent). */
function parseNames<T extends string>(
  s: string | undefined,
  known: readonly T[],
  what: string,
): T[] | undefined {
  if (s === undefined) return undefined
  const list = s.split(',').filter(Boolean)
  for (const x of list) if (!(known as readonly string[]).includes(x)) throw new Error(`unknown ${what} ${x}`)
  return list as T[]
}

export function profileFromArgs(argv: readonly string[]): Profile {
  return argv.includes('--quick') ? 'quick' : argv.includes('--full') ? 'full' : 'default'
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2)
  const ti = argv.indexOf('--targets')
  const wi = argv.indexOf('--workloads')
  const res = await runBrokerBench({
    profile: profileFromArgs(argv),
    targets: parseNames(ti >= 0 ? argv[ti + 1] : undefined, TARGETS, 'target'),
    workloads: parseNames(wi >= 0 ? argv[wi + 1] : undefined, WORKLOADS, 'workload'),
  })
  if ('skipped' in res) console.log(`broker benchmarks skipped: ${res.skipped}`)
  else {
    console.log(formatBrokerTable(res))
    for (const e of res.errors) console.log(`error: ${e}`)
  }
}
