// Records the request frames real Kafka clients send, as golden fixtures for the codec tests.
//
// A recording TCP proxy sits between a client and a broker: every client→broker frame is written to
// test/protocol/golden/fixtures/NN-api-name/v<N>-request.<client>.<hash8>.hex (the file name is the
// provenance: which client, which API version; the hash keeps distinct captures apart and identical
// ones deduplicated). The broker must advertise the proxy's address, so that clients reconnecting
// after Metadata or FindCoordinator come back through the proxy.
//
// Usage (library): startCaptureProxy({ upstreamPort, client, outDir }) → { port, close() }.
// Usage (CLI): node scripts/capture-frames.ts --upstream 127.0.0.1:9092 --listen 19092 --client NAME
//   (start the broker with advertised.listeners=PLAINTEXT://127.0.0.1:19092 first).

import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { FrameDecoder } from '../src/protocol/framing.ts'
import { CODEC_BY_KEY } from '../src/protocol/generated/index.ts'

export interface CaptureOptions {
  upstreamHost?: string
  upstreamPort: number
  /** Port to listen on (0 = ephemeral). */
  listenPort?: number
  /** Provenance label, e.g. 'kafkajs-2.2.4' (letters, digits, dots, dashes). */
  client: string
  outDir: string
  /** Keep at most this many distinct captures per API version and client. */
  maxPerVersion?: number
}

export interface CaptureProxy {
  port: number
  /** Number of fixture files written so far. */
  written(): number
  close(): Promise<void>
}

export function fixtureDirName(apiKey: number): string | undefined {
  const codec = CODEC_BY_KEY[apiKey]
  if (codec === undefined) return undefined
  const kebab = codec.name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
  return `${String(apiKey).padStart(2, '0')}-${kebab}`
}

export async function startCaptureProxy(options: CaptureOptions): Promise<CaptureProxy> {
  if (!/^[A-Za-z0-9.-]+$/.test(options.client)) throw new Error(`bad client label '${options.client}'`)
  const host = options.upstreamHost ?? '127.0.0.1'
  const max = options.maxPerVersion ?? 3
  const counts = new Map<string, number>()
  let written = 0
  const sockets = new Set<Socket>()

  const record = (frame: Buffer): void => {
    if (frame.length < 4) return
    const apiKey = frame.readInt16BE(0)
    const version = frame.readInt16BE(2)
    const dir = fixtureDirName(apiKey)
    if (dir === undefined) return
    // Correlation ids differ between runs; zero them so identical requests deduplicate.
    const normalized = Buffer.from(frame)
    normalized.writeInt32BE(0, 4)
    const hash = createHash('sha256').update(normalized).digest('hex').slice(0, 8)
    const countKey = `${dir}/v${version}/${options.client}`
    const n = counts.get(countKey) ?? 0
    const path = join(options.outDir, dir, `v${version}-request.${options.client}.${hash}.hex`)
    if (existsSync(path) || n >= max) return
    mkdirSync(join(options.outDir, dir), { recursive: true })
    writeFileSync(path, normalized.toString('hex') + '\n')
    counts.set(countKey, n + 1)
    written++
  }

  const server: Server = createServer((client) => {
    sockets.add(client)
    const upstream = createConnection({ host, port: options.upstreamPort })
    sockets.add(upstream)
    const decoder = new FrameDecoder()
    client.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, record)
      } catch {
        // An unparseable stream is still forwarded; we just stop recording it.
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => client.write(chunk))
    const closeBoth = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', closeBoth)
    upstream.on('close', closeBoth)
    client.on('error', closeBoth)
    upstream.on('error', closeBoth)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.listenPort ?? 0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address')
  return {
    port: address.port,
    written: () => written,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const upstream = arg('--upstream') ?? '127.0.0.1:9092'
  const [uhost, uport] = upstream.split(':')
  const proxy = await startCaptureProxy({
    upstreamHost: uhost,
    upstreamPort: Number(uport),
    listenPort: Number(arg('--listen') ?? '19092'),
    client: arg('--client') ?? 'unknown',
    outDir: arg('--out') ?? join(import.meta.dirname, '..', 'test', 'protocol', 'golden', 'fixtures'),
  })
  console.log(`recording on 127.0.0.1:${proxy.port} → ${upstream}; Ctrl-C to stop`)
  process.on('SIGINT', () => {
    console.log(`wrote ${proxy.written()} fixtures`)
    void proxy.close().then(() => process.exit(0))
  })
}
