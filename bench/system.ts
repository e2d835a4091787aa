// The machine's own limits, measured in the same run as the brokers (performance.md §8.1 "P"):
//   P1 loopback TCP: iperf3 -c 127.0.0.1 (1 stream) when installed, otherwise two Node processes,
//      the client writing 64 KiB buffers, the sink (this file run with --sink) counting them;
//   P2 sequential write + one fdatasync: dd bs=1M conv=fdatasync into a temporary file;
//   P3 a Node loop of 64 KiB writeSync + fdatasyncSync, 1,000 iterations: ops/s, MB/s, p50/p99.
// Every probe runs `reps` times; the result is the median with min and max.

import { execFileSync, spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, fdatasyncSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { percentile, summarise, type Summary } from './stats.ts'

export interface SystemLimits {
  p1: { method: string; mbPerSec: Summary | null }
  p2: { method: string; mbPerSec: Summary | null }
  p3: {
    method: string
    opsPerSec: Summary | null
    mbPerSec: Summary | null
    p50Ms: Summary | null
    p99Ms: Summary | null
  }
}

export interface SystemOptions {
  reps: number
  /** Seconds per loopback run. */
  loopbackSeconds: number
  /** MiB written per dd run. */
  ddMiB: number
}

const thisFile = fileURLToPath(import.meta.url)

function hasIperf3(): boolean {
  try {
    execFileSync('iperf3', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

async function iperf3Once(seconds: number): Promise<number> {
  const port = await freePort()
  const server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
  try {
    await new Promise((r) => setTimeout(r, 200))
    const out = execFileSync('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-J'], {
      encoding: 'utf8',
      timeout: (seconds + 10) * 1000,
    })
    const j = JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }
    return j.end.sum_received.bits_per_second / 8 / 1e6
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL')
  }
}

export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const addr = srv.address()
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  if (addr === null || typeof addr === 'string') throw new Error('no port')
  return addr.port
}

/** The sink side of the Node loopback probe: prints its port, then the byte count at close. */
function runSink(): void {
  const srv = createServer((sock) => {
    let bytes = 0
    sock.on('data', (b: Buffer) => (bytes += b.length))
    sock.on('end', () => {
      sock.end(String(bytes))
      srv.close()
    })
  })
  srv.listen(0, '127.0.0.1', () => {
    const addr = srv.address()
    if (addr !== null && typeof addr !== 'string') process.stdout.write(`${addr.port}\n`)
  })
}

async function nodeLoopbackOnce(seconds: number): Promise<number> {
  const sink = spawn(process.execPath, [thisFile, '--sink'], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      sink.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())))
      sink.once('exit', () => reject(new Error('loopback sink exited early')))
    })
    const chunk = Buffer.alloc(64 * 1024, 7)
    const sock = createConnection({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve)
      sock.once('error', reject)
    })
    const start = process.hrtime.bigint()
    const end = start + BigInt(Math.round(seconds * 1e9))
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (process.hrtime.bigint() < end) if (!sock.write(chunk)) return void sock.once('drain', pump)
        sock.end()
        resolve()
      }
      pump()
    })
    const received = await new Promise<number>((resolve, reject) => {
      let text = ''
      sock.on('data', (b: Buffer) => (text += b.toString()))
      sock.once('end', () => resolve(Number(text)))
      sock.once('error', reject)
    })
    const secs = Number(process.hrtime.bigint() - start) / 1e9
    return received / secs / 1e6
  } finally {
    if (sink.exitCode === null) sink.kill('SIGKILL')
  }
}

function ddOnce(dir: string, mib: number): number {
  const file = join(dir, 'dd.bin')
  const t0 = process.hrtime.bigint()
  execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mib}`, 'conv=fdatasync'], {
    stdio: 'ignore',
    timeout: 120_000,
  })
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  rmSync(file, { force: true })
  return (mib * 1024 * 1024) / secs / 1e6
}

function fsyncLoopOnce(dir: string): { ops: number; mb: number; p50: number; p99: number } {
  const file = join(dir, 'p3.bin')
  const fd = openSync(file, 'w')
  const buf = Buffer.alloc(64 * 1024, 1)
  const lat: number[] = []
  const t0 = process.hrtime.bigint()
  try {
    for (let i = 0; i < 1000; i++) {
      const s = process.hrtime.bigint()
      writeSync(fd, buf)
      fdatasyncSync(fd)
      lat.push(Number(process.hrtime.bigint() - s) / 1e6)
    }
  } finally {
    closeSync(fd)
    rmSync(file, { force: true })
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  return {
    ops: 1000 / secs,
    mb: (1000 * buf.length) / secs / 1e6,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
  }
}

export async function runSystemBench(opts: SystemOptions): Promise<SystemLimits> {
  const iperf = hasIperf3()
  const p1: number[] = []
  for (let i = 0; i < opts.reps; i++)
    p1.push(iperf ? await iperf3Once(opts.loopbackSeconds) : await nodeLoopbackOnce(opts.loopbackSeconds))

  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-sys-'))
  const p2: number[] = []
  const p3 = { ops: [] as number[], mb: [] as number[], p50: [] as number[], p99: [] as number[] }
  try {
    for (let i = 0; i < opts.reps; i++) p2.push(ddOnce(dir, opts.ddMiB))
    for (let i = 0; i < opts.reps; i++) {
      const r = fsyncLoopOnce(dir)
      p3.ops.push(r.ops)
      p3.mb.push(r.mb)
      p3.p50.push(r.p50)
      p3.p99.push(r.p99)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    p1: {
      method: iperf
        ? `iperf3 loopback, 1 stream, ${opts.loopbackSeconds} s`
        : `Node loopback, two processes, 64 KiB writes, ${opts.loopbackSeconds} s (iperf3 not installed)`,
      mbPerSec: summarise(p1),
    },
    p2: { method: `dd bs=1M count=${opts.ddMiB} conv=fdatasync`, mbPerSec: summarise(p2) },
    p3: {
      method: 'Node writeSync 64 KiB + fdatasyncSync, 1,000 iterations',
      opsPerSec: summarise(p3.ops),
      mbPerSec: summarise(p3.mb),
      p50Ms: summarise(p3.p50),
      p99Ms: summarise(p3.p99),
    },
  }
}

function fmt(s: Summary | null, digits = 0): string {
  if (!s) return 'n/a'
  const f = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: digits })
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`
}

export function formatSystemLimits(l: SystemLimits): string {
  return [
    `P1 ${l.p1.method}: ${fmt(l.p1.mbPerSec)} MB/s`,
    `P2 ${l.p2.method}: ${fmt(l.p2.mbPerSec)} MB/s`,
    `P3 ${l.p3.method}: ${fmt(l.p3.opsPerSec)} ops/s, ${fmt(l.p3.mbPerSec)} MB/s, p50 ${fmt(l.p3.p50Ms, 2)} ms, p99 ${fmt(l.p3.p99Ms, 2)} ms`,
  ].join('\n')
}

if (process.argv[2] === '--sink') runSink()
else if (process.argv[1] === thisFile) {
  const limits = await runSystemBench({ reps: 3, loopbackSeconds: 2, ddMiB: 512 })
  console.log(formatSystemLimits(limits))
}
