// `samsa healthcheck` — one real ApiVersions round trip (connect, request, decoded answer with
// error code 0). Exit 0 when healthy, 1 otherwise (unreachable included), as Docker's HEALTHCHECK
// expects. Default target 127.0.0.1:9092 (inside the container: the broker's own listener).

import { Connection } from '../../client/connection.ts'
import { parseAddress } from '../../client/client.ts'
import { COMMON_OPTIONS, COMMON_USAGE, DEFAULT_BOOTSTRAP, intArg, parse } from './common.ts'
import { EXIT } from './exit-codes.ts'
import { err, out, toJson, UsageError, type ToolIO } from './io.ts'

const USAGE = `Usage: samsa healthcheck [-b HOST:PORT] [--timeout MS]

Exits 0 if the broker answers an ApiVersions request, 1 otherwise (default timeout 5000 ms).

${COMMON_USAGE}
`

export async function healthcheckCommand(args: readonly string[], io: ToolIO): Promise<number> {
  const { values, positionals } = parse({
    args: [...args],
    allowPositionals: true,
    options: { ...COMMON_OPTIONS },
  })
  if (values.help === true) {
    out(io, USAGE)
    return EXIT.OK
  }
  if (positionals.length > 0) throw new UsageError(`healthcheck takes no arguments\n\n${USAGE}`)
  const target = values['bootstrap-server'] ?? io.env.SAMSA_BOOTSTRAP_SERVERS ?? DEFAULT_BOOTSTRAP
  const timeout = intArg(values.timeout, '--timeout', 1) ?? 5000
  let addr
  try {
    addr = parseAddress(target.split(',')[0]!)
  } catch (e) {
    throw new UsageError(`--bootstrap-server: ${(e as Error).message}`)
  }
  const started = performance.now()
  try {
    const conn = await Connection.open({
      ...addr,
      connectTimeoutMs: timeout,
      requestTimeoutMs: timeout,
      clientId: 'samsa-healthcheck',
    })
    const apis = conn.brokerVersions.size
    conn.close()
    const ms = Math.round(performance.now() - started)
    if (values.json === true)
      out(io, toJson({ healthy: true, broker: `${addr.host}:${addr.port}`, apis, ms }))
    else out(io, `ok: ${addr.host}:${addr.port} answered ApiVersions (${apis} APIs) in ${ms} ms`)
    return EXIT.OK
  } catch (e) {
    if (values.json === true)
      out(io, toJson({ healthy: false, broker: `${addr.host}:${addr.port}`, error: (e as Error).message }))
    else err(io, `unhealthy: ${(e as Error).message}`)
    return EXIT.FAILED
  }
}
