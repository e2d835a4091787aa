// What a tool writes to and reads from. The CLI passes the process's streams; tests pass buffers.
// Results go to stdout (tables, or JSON with --json); messages and progress go to stderr, so
// `samsa consume … | jq` and `samsa topics list --json | …` see only data.

import type { Readable, Writable } from 'node:stream'

export interface ToolIO {
  stdin: Readable
  stdout: Writable
  stderr: Writable
  env: Readonly<Record<string, string | undefined>>
  /** Resolves when the user asks to stop (SIGINT/SIGTERM); tools that run until stopped await it. */
  interrupted: Promise<void>
}

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export function out(io: ToolIO, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export function err(io: ToolIO, text: string): void {
  io.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** JSON with bigints as numbers when safe, else strings (offsets and timestamps are int64). */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      typeof v === 'bigint'
        ? v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(v)
          : v.toString()
        : v,
    indent,
  )
}

/**
 * A progress line on stderr for long operations, only when stderr is a terminal (so logs and CI
 * output stay clean). `update` redraws at most every 100 ms; `done` clears the line.
 */
export class Progress {
  private readonly io: ToolIO
  private readonly enabled: boolean
  private last = 0

  constructor(io: ToolIO) {
    this.io = io
    this.enabled = (io.stderr as { isTTY?: boolean }).isTTY === true
  }

  update(text: string): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.last < 100) return
    this.last = now
    this.io.stderr.write(`\r\x1b[2K${text}`)
  }

  done(): void {
    if (this.enabled && this.last !== 0) this.io.stderr.write('\r\x1b[2K')
  }
}
