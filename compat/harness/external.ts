// Runners for clients that live outside Node (Python, Go, CLIs): one child process per scenario,
// killed (by its own pid) when the scenario times out.
//
// Child protocol: `<command...> <scenario-id> <bootstrap> <unique-prefix>`; the child prints
// whatever it likes, and as its last stdout line one JSON object
//   {"status": "pass" | "fail" | "unsupported", "reason": "..."}
// A child that exits without that line is a failure, reported with the tail of its stderr.

import { spawn, type ChildProcess } from 'node:child_process'
import { Unsupported } from './results.ts'
import type { ScenarioContext } from './runner.ts'

export class ChildFailed extends Error {
  override name = 'ChildFailed'
}

export interface ChildOutput {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command until it exits or ctx times out; never rejects on a non-zero exit. */
export function runChild(
  ctx: ScenarioContext,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string | Buffer; cwd?: string } = {},
): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess
    try {
      child = spawn(command, args, {
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)))
      return
    }
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout?.on('data', (c: Buffer) => out.push(c))
    child.stderr?.on('data', (c: Buffer) => err.push(c))
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
    ctx.signal.addEventListener('abort', kill, { once: true })
    ctx.defer(kill)
    child.on('error', (e) => reject(e))
    child.on('close', (code) => {
      ctx.signal.removeEventListener('abort', kill)
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input)
  })
}

/** A long-running child (e.g. a consumer) whose output is watched while the scenario goes on. */
export interface LiveChild {
  stdout(): string
  stderr(): string
  exited(): boolean
  stop(): Promise<ChildOutput>
}

export function startChild(
  ctx: ScenarioContext,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): LiveChild {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => out.push(c))
  child.stderr.on('data', (c: Buffer) => err.push(c))
  child.on('error', () => {})
  const done = new Promise<ChildOutput>((resolve) =>
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    ),
  )
  const kill = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  ctx.signal.addEventListener('abort', () => kill('SIGKILL'), { once: true })
  ctx.defer(() => kill('SIGKILL'))
  return {
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      kill('SIGTERM')
      const timer = setTimeout(() => kill('SIGKILL'), 3000)
      const result = await done
      clearTimeout(timer)
      return result
    },
  }
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join(' | ')
}

/** Runs one scenario through a child that speaks the protocol above. */
export async function runScenarioChild(
  ctx: ScenarioContext,
  command: string,
  args: readonly string[],
  scenario: string,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<void> {
  const prefix = ctx.topic()
  const result = await runChild(ctx, command, [...args, scenario, ctx.bootstrap, prefix], options)
  const last = result.stdout.trim().split('\n').pop() ?? ''
  let verdict: { status?: string; reason?: string } | undefined
  try {
    verdict = JSON.parse(last) as { status?: string; reason?: string }
  } catch {
    verdict = undefined
  }
  if (verdict?.status === 'pass') return
  if (verdict?.status === 'unsupported') throw new Unsupported(verdict.reason ?? 'unsupported')
  if (verdict?.status === 'fail') throw new ChildFailed(verdict.reason ?? 'failed')
  throw new ChildFailed(`exit ${result.code} without a verdict; stderr: ${tail(result.stderr)}`)
}
