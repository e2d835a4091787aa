// Running one client's scenarios against a fresh broker, each bounded in time.
//
// A runner (compat/<client>/runner.ts) says which client it drives, whether it is installed, and
// how to run one scenario. Scenario code throws Unsupported when the client cannot do the thing at
// all, any other error for a failure; it registers cleanups with ctx.defer() so that clients are
// disconnected even when the harness gives up on a scenario after its timeout.

import { randomBytes } from 'node:crypto'
import { SCENARIOS } from '../scenarios.ts'
import { CheckFailed } from './assert.ts'
import { startCompatBroker } from './broker.ts'
import { CODEC_IDS, storedCodecs } from './stored-batches.ts'
import { firstLine, Unsupported, type ClientRun, type ScenarioResult } from './results.ts'

export interface ScenarioContext {
  readonly bootstrap: string
  readonly host: string
  readonly port: number
  /** A topic name unique to this run and scenario. */
  topic(suffix?: string): string
  /** A group or transactional id unique to this run and scenario. */
  id(kind: string): string
  /** Runs after the scenario settles (or times out), last registered first. */
  defer(cleanup: () => unknown): void
  /** Aborted when the scenario times out. */
  readonly signal: AbortSignal
  /** Milliseconds left before the scenario times out. */
  remaining(): number
  /**
   * Creates a topic directly in the broker, bypassing the client: set-up for clients without an
   * admin API (kcat), so their produce/consume scenarios can use several partitions.
   */
  createTopicDirect(name: string, partitions: number): Promise<void>
}

export interface ClientRunner {
  /** The folder name under compat/, e.g. 'kafkajs'. */
  readonly name: string
  /** The client's version string, or throws/returns undefined fields when it is not installed. */
  detect(): Promise<{ version: string; label: string } | { missing: string }>
  run(scenario: string, ctx: ScenarioContext): Promise<void>
  /** Per-scenario timeout (default 20 s). */
  readonly timeoutMs?: number
}

export interface RunOptions {
  /** Write golden request fixtures here (the proxy's outDir). */
  captureDir?: string
  /** Only these scenarios (default: all). */
  only?: readonly string[]
  /** Whole-client budget; scenarios not started in time fail with a reason (default 150 s). */
  budgetMs?: number
  log?: (line: string) => void
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9-]/g, '-')
}

export async function runClient(runner: ClientRunner, options: RunOptions = {}): Promise<ClientRun> {
  const at = new Date().toISOString()
  const detected = await Promise.resolve()
    .then(() => runner.detect())
    .catch((err: unknown) => ({ missing: firstLine(err) }))
  if ('missing' in detected)
    return { client: runner.name, version: '', at, missing: detected.missing, results: [] }

  const log = options.log ?? (() => {})
  const budgetEnd = Date.now() + (options.budgetMs ?? 150_000)
  const timeoutMs = runner.timeoutMs ?? 20_000
  const runId = randomBytes(3).toString('hex')
  const broker = await startCompatBroker({
    client: detected.label,
    capture: options.captureDir === undefined ? undefined : { outDir: options.captureDir },
  })
  const results: ScenarioResult[] = []
  try {
    for (const scenario of SCENARIOS) {
      if (options.only !== undefined && !options.only.includes(scenario.id)) continue
      const started = Date.now()
      if (started > budgetEnd) {
        results.push({ scenario: scenario.id, status: 'fail', reason: 'client time budget exhausted', ms: 0 })
        continue
      }
      const mark = broker.mark()
      const cleanups: Array<() => unknown> = []
      const controller = new AbortController()
      const deadline = started + timeoutMs
      let n = 0
      const ctx: ScenarioContext = {
        bootstrap: broker.bootstrap,
        host: broker.host,
        port: broker.port,
        topic: (suffix) =>
          `${slug(runner.name)}-${scenario.id}-${runId}${suffix === undefined ? '' : `-${suffix}`}`,
        id: (kind) => `${slug(runner.name)}-${scenario.id}-${kind}-${runId}-${n++}`,
        defer: (fn) => cleanups.push(fn),
        signal: controller.signal,
        remaining: () => Math.max(0, deadline - Date.now()),
        createTopicDirect: async (name, partitions) => {
          await broker.broker.services.topics.create(name, { partitions, replicationFactor: 1, configs: {} })
        },
      }
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort()
          reject(new Error(`timed out after ${timeoutMs} ms`))
        }, timeoutMs)
      })
      let result: ScenarioResult
      try {
        await Promise.race([runner.run(scenario.id, ctx), timeout])
        const codec = /^compression-(\w+)$/.exec(scenario.id)?.[1]
        if (codec !== undefined) {
          const seen = await storedCodecs(broker.broker, ctx.topic())
          if (!seen.includes(CODEC_IDS[codec]!))
            throw new CheckFailed(
              `no ${codec} batch stored (codecs seen: ${[...new Set(seen)].join(',') || 'none'})`,
            )
        }
        result = { scenario: scenario.id, status: 'pass', ms: Date.now() - started }
      } catch (err) {
        const status = err instanceof Unsupported ? 'unsupported' : 'fail'
        result = { scenario: scenario.id, status, reason: firstLine(err), ms: Date.now() - started }
        if (status === 'fail') result.trace = broker.traceSince(mark)
      } finally {
        clearTimeout(timer)
        controller.abort()
      }
      for (const cleanup of cleanups.reverse()) {
        try {
          await Promise.race([cleanup(), new Promise((resolve) => setTimeout(resolve, 5000))])
        } catch {
          // A client that fails to disconnect cleanly does not change the verdict.
        }
      }
      results.push(result)
      log(
        `${runner.name} ${scenario.id}: ${result.status}${result.reason === undefined ? '' : ` — ${result.reason}`} (${result.ms} ms)`,
      )
    }
  } finally {
    await broker.close()
  }
  return { client: runner.name, version: detected.version, at, results }
}
