// The broker's logger: pino, NDJSON on stdout. Pretty output only when stdout is a terminal and the
// optional pino-pretty package happens to be installed (it is not a dependency). Quiet by default
// (`warn`); `info` gives one line per connection event, `trace` the decoded request/response flow.
//
// pino itself is loaded only when something is first logged at an enabled level: at the default
// level a broker that has nothing to warn about never loads it, which keeps ~2 MB of modules out
// of an idle broker's memory (issue 7's idle-RSS bar). Until then a logger is a level and its
// bindings; child loggers are as cheap (one per connection), and each becomes a pino child of its
// parent's pino logger on its first enabled call. Levels behave as pino's: a child takes its
// parent's level when created, and setting a level later changes only that logger.
// `Logger` is the part of pino's API the broker uses, so a pino logger can be passed in instead
// (BrokerOptions.logger).

import type { Logger as PinoLogger, LevelWithSilent, pino as pinoFactory } from 'pino'

export interface LogFn {
  (obj: object, msg?: string): void
  (msg: string): void
}

export interface Logger {
  level: string
  fatal: LogFn
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
  trace: LogFn
  child(bindings: Record<string, unknown>): Logger
  isLevelEnabled(level: string): boolean
}

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]

/** pino's numeric levels; silent is above everything. */
const LEVEL_VALUE: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
}

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

type Pino = typeof pinoFactory

function loadPino(): Pino {
  const require = process.getBuiltinModule('node:module').createRequire(import.meta.url)
  return (require('pino') as { pino: Pino }).pino
}

/** Makes the root pino logger (the first time anything is logged). */
function rootPino(options: LoggerOptions, level: string): PinoLogger {
  const pino = loadPino()
  const base = { name: 'samsa' }
  if (options.destination !== undefined) return pino({ level, base }, options.destination)
  const pretty = options.pretty ?? (process.stdout.isTTY && prettyAvailable())
  if (pretty && prettyAvailable())
    return pino({ level, base, transport: { target: 'pino-pretty', options: { colorize: true } } })
  return pino({ level, base })
}

class LazyLogger implements Logger {
  #level: string
  #value: number
  #real: PinoLogger | undefined
  /** Creates this logger's pino logger: the root's, or a child of the parent's. */
  readonly #realize: (level: string) => PinoLogger

  constructor(level: string, realize: (level: string) => PinoLogger) {
    if (!(level in LEVEL_VALUE)) throw new Error(`unknown log level ${level}`)
    this.#level = level
    this.#value = LEVEL_VALUE[level]!
    this.#realize = realize
  }

  get level(): string {
    return this.#level
  }

  set level(level: string) {
    if (!(level in LEVEL_VALUE)) throw new Error(`unknown log level ${level}`)
    this.#level = level
    this.#value = LEVEL_VALUE[level]!
    if (this.#real !== undefined) this.#real.level = level
  }

  /** The pino logger behind this one, made on first use. */
  pino(): PinoLogger {
    return (this.#real ??= this.#realize(this.#level))
  }

  isLevelEnabled(level: string): boolean {
    return (LEVEL_VALUE[level] ?? Infinity) >= this.#value
  }

  child(bindings: Record<string, unknown>): Logger {
    return new LazyLogger(this.#level, (level) => {
      const c = this.pino().child(bindings)
      c.level = level
      return c
    })
  }

  #log(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    a: object | string,
    msg?: string,
  ): void {
    if (LEVEL_VALUE[level]! < this.#value) return
    const p = this.pino()
    if (typeof a === 'string') p[level](a)
    else p[level](a, msg)
  }

  readonly fatal: LogFn = (a: object | string, msg?: string) => this.#log('fatal', a, msg)
  readonly error: LogFn = (a: object | string, msg?: string) => this.#log('error', a, msg)
  readonly warn: LogFn = (a: object | string, msg?: string) => this.#log('warn', a, msg)
  readonly info: LogFn = (a: object | string, msg?: string) => this.#log('info', a, msg)
  readonly debug: LogFn = (a: object | string, msg?: string) => this.#log('debug', a, msg)
  readonly trace: LogFn = (a: object | string, msg?: string) => this.#log('trace', a, msg)
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return new LazyLogger(options.level ?? 'warn', (level) => rootPino(options, level))
}

/** A logger that discards everything (embedding and unit tests); it never loads pino. */
export function silentLogger(): Logger {
  return new LazyLogger('silent', (level) => loadPino()({ level }))
}
