// The `samsa` command line (entry: main.ts). `samsa start` (the default command) runs a broker until SIGINT/SIGTERM.
//
//   samsa [start] [--config server.properties] [--override key=value]... [--memory]
//                 [--data-dir DIR] [--log-level LEVEL]
//
// Configuration precedence: defaults < --config file < KAFKA_CFG_* < KAFKA_* < --override.
// Data lives in --data-dir, else log.dirs/log.dir from the configuration, else ./data.
// Logs are pino JSON on stdout at `warn` unless --log-level says otherwise (`trace` shows every
// decoded request and response); one plain line on stderr says where the broker listens.

import { parseArgs } from 'node:util'
import { ConfigError } from '../broker/config/load.ts'
import { createLogger, LOG_LEVELS } from '../broker/logger.ts'
import { startBroker } from '../broker/server.ts'
import { isTool } from './tools/names.ts'
import { settleMemoryWhenIdle } from './settle-memory.ts'
import { tuneV8 } from './v8-flags.ts'
import type { LevelWithSilent } from 'pino'

const USAGE = `Usage: samsa [start] [options]

Runs a single-node Kafka-compatible broker.

Options:
  -c, --config FILE        read broker properties from a server.properties file
  -o, --override KEY=VALUE set a broker property (repeatable; wins over everything else)
      --memory             keep logs and metadata in memory (nothing is written to disk)
  -d, --data-dir DIR       data directory (default: log.dirs from the config, else ./data)
  -l, --log-level LEVEL    fatal, error, warn (default), info, debug, trace or silent
  -h, --help               show this help
  -v, --version            print the version

Environment: KAFKA_CFG_<NAME> (bitnami) and KAFKA_<NAME> (apache/kafka image) set properties,
e.g. KAFKA_LOG_RETENTION_MS=60000 or KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE=false.
`

/** `samsa --help`: the start options, then the tools (src/cli/tools). */
async function fullUsage(): Promise<string> {
  return `${USAGE}\n${(await import('./tools/index.ts')).TOOLS_USAGE}`
}

function isLevel(s: string): s is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(s)
}

/** The version in our package.json: the nearest one up from this module (src/cli/, or wherever the
 * build put this code in dist/). */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(await readFile(new URL('package.json', dir), 'utf8')) as {
        name?: string
        version?: string
      }
      if (pkg.name === 'samsa') return pkg.version ?? 'unknown'
    } catch {
      // no package.json here: look further up
    }
    if (dir.pathname === '/') return 'unknown'
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  // CLI tools (topics, produce, consume, groups, configs, healthcheck) live in ./tools/, loaded only
  // when one is run.
  if (isTool(argv[0])) {
    const tools = await import('./tools/index.ts')
    return tools.runTool(argv[0], argv.slice(1), tools.processIO(argv[0]))
  }

  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        override: { type: 'string', short: 'o', multiple: true },
        memory: { type: 'boolean' },
        'data-dir': { type: 'string', short: 'd' },
        'log-level': { type: 'string', short: 'l' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (err) {
    process.stderr.write(`samsa: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(await fullUsage())
    return 0
  }
  if (values.version === true) {
    process.stdout.write(`${await version()}\n`)
    return 0
  }
  const command = positionals[0] ?? 'start'
  if (command !== 'start' || positionals.length > 1) {
    process.stderr.write(`samsa: unknown command '${positionals.join(' ')}'\n\n${USAGE}`)
    return 2
  }
  const level = values['log-level'] ?? 'warn'
  if (!isLevel(level)) {
    process.stderr.write(`samsa: --log-level must be one of ${LOG_LEVELS.join(', ')}\n`)
    return 2
  }
  const logger = createLogger({ level })

  tuneV8({ memoryLog: values.memory === true })
  let broker
  try {
    broker = await startBroker({
      configFile: values.config,
      overrides: values.override ?? [],
      env: process.env,
      memory: values.memory === true,
      dataDir: values['data-dir'],
      defaultDataDir: './data',
      logger,
    })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`samsa: ${err.message}\n`)
      return 2
    }
    process.stderr.write(`samsa: could not start: ${(err as Error).message}\n`)
    logger.error({ err }, 'startup failed')
    return 1
  }
  for (const w of broker.warnings) process.stderr.write(`samsa: warning: ${w}\n`)
  const where = broker.listeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(', ')
  process.stderr.write(
    `samsa: node ${broker.nodeId} of cluster ${broker.clusterId} listening on ${where} (bootstrap ${broker.bootstrap}, ${broker.storage})\n`,
  )

  const cancelSettle = settleMemoryWhenIdle()

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`samsa: ${signal} again; exiting without waiting\n`)
        resolve(1)
        return
      }
      stopping = true
      cancelSettle()
      process.stderr.write(`samsa: ${signal}: shutting down\n`)
      broker.close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
