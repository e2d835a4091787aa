import { execFileSync } from 'node:child_process'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createLogger, silentLogger, type Logger } from '../../src/broker/logger.ts'

const LOGGER = fileURLToPath(new URL('../../src/broker/logger.ts', import.meta.url))

function capture(level: 'info' | 'warn' | 'debug' = 'info'): {
  logger: Logger
  lines: () => Array<Record<string, unknown>>
} {
  const out = new PassThrough()
  const chunks: string[] = []
  out.on('data', (c: Buffer) => chunks.push(c.toString()))
  return {
    logger: createLogger({ level, destination: out }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

describe('broker logger', () => {
  it('writes pino NDJSON with bindings, at or above the level only', () => {
    const { logger, lines } = capture('info')
    logger.debug('hidden')
    logger.info('plain')
    const conn = logger.child({ conn: 7 })
    conn.warn({ heldBytes: 3 }, 'reading paused')
    conn.child({ api: 'Produce' }).error('deep')
    expect(
      lines().map((l) => [l['level'], l['msg'], l['conn'], l['api'], l['heldBytes'], l['name']]),
    ).toEqual([
      [30, 'plain', undefined, undefined, undefined, 'samsa'],
      [40, 'reading paused', 7, undefined, 3, 'samsa'],
      [50, 'deep', 7, 'Produce', undefined, 'samsa'],
    ])
  })

  it("gives a child its parent's level at creation; a later change moves only that logger", () => {
    const { logger, lines } = capture('warn')
    const before = logger.child({ c: 1 })
    logger.level = 'debug'
    const after = logger.child({ c: 2 })
    expect([
      logger.isLevelEnabled('debug'),
      before.isLevelEnabled('debug'),
      after.isLevelEnabled('debug'),
    ]).toEqual([true, false, true])
    before.info('no')
    after.debug('yes')
    logger.debug('root')
    // A logger whose pino logger already exists follows a level change too.
    after.level = 'error'
    after.warn('no')
    expect(lines().map((l) => l['msg'])).toEqual(['yes', 'root'])
    expect(silentLogger().isLevelEnabled('fatal')).toBe(false)
  })

  it('does not load pino until something is logged at an enabled level', () => {
    const script = `
      const { createRequire } = await import('node:module')
      const { createLogger } = await import(${JSON.stringify(LOGGER)})
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/pino/'))
      const l = createLogger({ level: 'warn' })
      l.child({ conn: 1 }).info('below the level')
      const before = loaded()
      l.warn('now')
      console.log(JSON.stringify([before, loaded()]))`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    // pino's own line for 'now' may come before or after ours (its stream writes asynchronously).
    const ours = out.split('\n').find((line) => line.startsWith('['))
    expect(JSON.parse(ours ?? 'null')).toEqual([false, true])
  })

  it('accepts a pino logger where a Logger is expected', () => {
    const p: Logger = pino({ level: 'silent' })
    expect(p.isLevelEnabled('info')).toBe(false)
  })
})
