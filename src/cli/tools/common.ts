// Options every tool shares and the argument helpers they use.
//
//   -b, --bootstrap-server HOST:PORT[,…]   default $SAMSA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092
//       --json                             machine-readable output
//       --timeout MS                       connect and request timeout (default 10000)

import { parseArgs, type ParseArgsConfig } from 'node:util'
import { Client } from '../../client/client.ts'
import { UsageError, type ToolIO } from './io.ts'

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092'

export const COMMON_OPTIONS = {
  'bootstrap-server': { type: 'string', short: 'b' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

export const COMMON_USAGE = `Common options:
  -b, --bootstrap-server HOST:PORT  broker to connect to (default $SAMSA_BOOTSTRAP_SERVERS or ${DEFAULT_BOOTSTRAP})
      --json                        machine-readable output on stdout
      --timeout MS                  connect/request timeout in ms (default 10000)
  -h, --help                        show help`

/** parseArgs (strict, positionals allowed) that reports problems as UsageError. */
export function parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

export function intArg(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${name} must be an integer, got '${value}'`)
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${name} must be an integer >= ${min}, got '${value}'`)
  return n
}

export function bigintArg(value: string | undefined, name: string): bigint | undefined {
  if (value === undefined) return undefined
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${name} must be an integer, got '${value}'`)
  return BigInt(value)
}

/** A timestamp as epoch milliseconds or an ISO-8601 date/time. */
export function timestampArg(value: string, name: string): bigint {
  if (/^\d+$/.test(value)) return BigInt(value)
  const ms = Date.parse(value)
  if (Number.isNaN(ms))
    throw new UsageError(`${name} must be epoch milliseconds or an ISO-8601 time, got '${value}'`)
  return BigInt(ms)
}

/** `key=value` pairs (repeatable option) into an ordered list. */
export function keyValues(values: readonly string[] | undefined, name: string): Array<[string, string]> {
  return (values ?? []).map((kv) => {
    const i = kv.indexOf('=')
    if (i <= 0) throw new UsageError(`${name} takes KEY=VALUE, got '${kv}'`)
    return [kv.slice(0, i), kv.slice(i + 1)]
  })
}

export function clientFor(values: { 'bootstrap-server'?: string; timeout?: string }, io: ToolIO): Client {
  const bootstrap = values['bootstrap-server'] ?? io.env.SAMSA_BOOTSTRAP_SERVERS ?? DEFAULT_BOOTSTRAP
  const timeout = intArg(values.timeout, '--timeout', 1) ?? 10_000
  try {
    return new Client({ bootstrap, connectTimeoutMs: timeout, requestTimeoutMs: Math.max(timeout, 30_000) })
  } catch (e) {
    throw new UsageError(`--bootstrap-server: ${(e as Error).message}`)
  }
}
