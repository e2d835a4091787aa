// The broker's logger: pino, NDJSON on stdout. Pretty output only when stdout is a terminal and the
// optional pino-pretty package happens to be installed (it is not a dependency). Quiet by default
// (`warn`); `info` gives one line per connection event, `trace` the decoded request/response flow.

import { pino } from 'pino'
import type { Logger, LevelWithSilent } from 'pino'

export type { Logger }

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]

export interface LoggerOptions {
  level?: LevelWithSilent
  /** Force or forbid pretty output; default: a TTY with pino-pretty installed. */
  pretty?: boolean
  /** Write to this destination instead of stdout (tests). */
  destination?: NodeJS.WritableStream
}

function prettyAvailable(): boolean {
  try {
    import.meta.resolve('pino-pretty')
    return true
  } catch {
    return false
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'warn'
  const base = { name: 'samsa' }
  if (options.destination !== undefined) return pino({ level, base }, options.destination)
  const pretty = options.pretty ?? (process.stdout.isTTY && prettyAvailable())
  if (pretty && prettyAvailable()) {
    return pino({ level, base, transport: { target: 'pino-pretty', options: { colorize: true } } })
  }
  return pino({ level, base })
}

/** A logger that discards everything (embedding and unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
