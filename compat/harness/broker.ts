// A fresh broker for one client run: in-process Samsa on an ephemeral port, fronted by the
// recording proxy of scripts/capture-frames.ts. The broker advertises the proxy's address, so every
// connection a client opens (bootstrap, then the advertised leader/coordinator) passes through it.
// With `capture` set the proxy writes golden request fixtures under `capture.outDir`; without it
// they go to a temporary directory that is removed on close.
//
// The broker logs at trace level into a ring buffer, so a failing scenario can print the protocol
// exchange that led to it (the decoded requests and responses) straight into CI output.

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { startCaptureProxy, type CaptureProxy } from '../../scripts/capture-frames.ts'
import { createLogger, startBroker, type RunningBroker } from '../../src/index.ts'

export interface CompatBroker {
  /** '127.0.0.1:PORT' of the proxy, which the broker also advertises. */
  readonly bootstrap: string
  readonly host: string
  readonly port: number
  readonly broker: RunningBroker
  /** Marks the trace log so `traceSince(mark)` returns only what happened after it. */
  mark(): number
  traceSince(mark: number, maxLines?: number): string[]
  fixturesWritten(): number
  close(): Promise<void>
}

export interface CompatBrokerOptions {
  /** Provenance label for captured frames, e.g. 'kafkajs-2.2.4'. */
  client: string
  capture?: { outDir: string; maxPerVersion?: number }
  /** Extra broker properties. */
  config?: Record<string, string | number | boolean>
}

const TRACE_RING = 4000
const TRACE_LINE_MAX = 600

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const addr = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (addr === null || typeof addr === 'string') throw new Error('no port')
  return addr.port
}

export async function startCompatBroker(options: CompatBrokerOptions): Promise<CompatBroker> {
  const lines: string[] = []
  let seq = 0
  let partial = ''
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const parts = (partial + chunk.toString('utf8')).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line.length > TRACE_LINE_MAX ? `${line.slice(0, TRACE_LINE_MAX)}…` : line)
        seq++
        if (lines.length > TRACE_RING) lines.shift()
      }
      done()
    },
  })
  const logger = createLogger({ level: 'trace', destination: sink })

  // The proxy's port must be known before the broker starts (it is what the broker advertises);
  // reserve one, then bind the proxy to it once the broker is up.
  let lastError: unknown
  for (let attempt = 0; attempt < 5; attempt++) {
    const proxyPort = await freePort()
    const broker = await startBroker({
      port: 0,
      logger,
      config: {
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}`,
        'num.partitions': 1,
        ...options.config,
      },
    })
    const tmp = options.capture === undefined ? mkdtempSync(join(tmpdir(), 'samsa-compat-')) : undefined
    let proxy: CaptureProxy
    try {
      proxy = await startCaptureProxy({
        upstreamPort: broker.port,
        listenPort: proxyPort,
        client: options.client,
        outDir: options.capture?.outDir ?? tmp!,
        maxPerVersion: options.capture?.maxPerVersion ?? 2,
      })
    } catch (err) {
      lastError = err
      await broker.close()
      if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true })
      continue
    }
    return {
      bootstrap: `127.0.0.1:${proxyPort}`,
      host: '127.0.0.1',
      port: proxyPort,
      broker,
      mark: () => seq,
      traceSince(mark, maxLines = 60) {
        const available = Math.min(seq - mark, lines.length)
        const tail = lines.slice(lines.length - available)
        return tail.length > maxLines ? tail.slice(tail.length - maxLines) : tail
      },
      fixturesWritten: () => proxy.written(),
      async close() {
        await proxy.close()
        await broker.close()
        if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true })
      },
    }
  }
  throw new Error(`could not bind the capture proxy: ${String(lastError)}`)
}
