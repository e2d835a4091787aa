// The `samsa` tools besides `start`: dispatch by command name, and the one place where errors
// become exit codes (exit-codes.ts) and one-line messages on stderr.

import { BrokerError, ConnectionError, UnsupportedApiError } from '../../client/errors.ts'
import { configsCommand } from './configs.ts'
import { consumeCommand } from './consume.ts'
import { EXIT } from './exit-codes.ts'
import { groupsCommand } from './groups.ts'
import { healthcheckCommand } from './healthcheck.ts'
import { err, UsageError, type ToolIO } from './io.ts'
import { isTool, type ToolName } from './names.ts'
import { produceCommand } from './produce.ts'
import { topicsCommand } from './topics.ts'

export const TOOLS = {
  topics: topicsCommand,
  produce: produceCommand,
  consume: consumeCommand,
  groups: groupsCommand,
  configs: configsCommand,
  healthcheck: healthcheckCommand,
} as const satisfies Record<ToolName, unknown>

export { isTool, type ToolName }

export const TOOLS_USAGE = `Tools (speak the Kafka protocol to any broker; 'samsa COMMAND --help' for details):
  samsa topics list|create|describe|alter|delete
  samsa produce TOPIC            one record per stdin line
  samsa consume TOPIC            print records (--from-beginning, --group, --format json, …)
  samsa groups list|describe|delete|reset-offsets
  samsa configs describe|alter
  samsa healthcheck              exit 0 if the broker answers ApiVersions
`

/** Runs one tool; never throws: every failure is an exit code and a message on stderr. */
export async function runTool(name: ToolName, args: readonly string[], io: ToolIO): Promise<number> {
  try {
    return await TOOLS[name](args, io)
  } catch (e) {
    if (e instanceof UsageError) {
      err(io, `samsa ${name}: ${e.message}`)
      return EXIT.USAGE
    }
    if (e instanceof ConnectionError) {
      err(io, `samsa ${name}: ${e.message}`)
      return EXIT.UNREACHABLE
    }
    if (e instanceof UnsupportedApiError) {
      err(io, `samsa ${name}: ${e.message}`)
      return EXIT.UNSUPPORTED
    }
    if (e instanceof BrokerError) {
      err(io, `samsa ${name}: ${e.message}`)
      return EXIT.FAILED
    }
    err(io, `samsa ${name}: ${(e as Error).stack ?? String(e)}`)
    return EXIT.FAILED
  }
}

/** Tools that run until stopped and must finish cleanly on Ctrl-C (commit offsets, leave the group). */
const TRAPS_SIGNALS: ReadonlySet<ToolName> = new Set(['consume'])

/**
 * ToolIO over the real process. For tools in TRAPS_SIGNALS the first SIGINT/SIGTERM resolves
 * `interrupted` (the tool winds down); the others keep the default, immediate exit.
 */
export function processIO(name: ToolName): ToolIO {
  const interrupted = new Promise<void>((resolve) => {
    if (!TRAPS_SIGNALS.has(name)) return
    const on = (): void => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve()
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interrupted,
  }
}
