// Loading the static broker configuration from its sources, lowest precedence first:
//   defaults < server.properties (--config) < KAFKA_CFG_* (bitnami) < KAFKA_* (apache/kafka image)
//   < embedding properties (startBroker options) < --override key=value
// Environment mapping:
// - bitnami: KAFKA_CFG_LOG_RETENTION_MS → log.retention.ms (strip the prefix, `_`→`.`, lower-case);
// - apache/kafka: KAFKA_LOG_RETENTION_MS → log.retention.ms, with `___`→`-` and `__`→`_` escapes
//   (KafkaDockerWrapper: lower-case, `_`→`.`, then `...`→`-`, then `..`→`_`); the image's own
//   variables (KAFKA_HEAP_OPTS, KAFKA_VERSION, …) are not properties and are skipped.
// Problems are collected, not thrown one by one: every invalid value and every unknown property
// from a file or --override is an error (with a "did you mean" hint); unknown KAFKA_* variables
// are warnings, since environments carry unrelated KAFKA_* variables; properties Samsa accepts
// without acting on them are warnings.

import { readFileSync } from 'node:fs'
import { BrokerConfig } from './broker-config.ts'
import { BROKER_CONFIG_BY_NAME } from './definitions.ts'
import { listenerSettingsOf, resolveListeners, ListenerConfigError } from './listeners.ts'
import { parseConfigValue, suggestName } from './values.ts'

export interface ConfigSources {
  /** Path of a server.properties file. */
  file?: string
  /** Environment to read KAFKA_* / KAFKA_CFG_* variables from (none when omitted). */
  env?: Readonly<Record<string, string | undefined>>
  /** Properties given programmatically (startBroker). */
  properties?: Readonly<Record<string, string | number | boolean>>
  /** `key=value` strings from --override, applied last. */
  overrides?: readonly string[]
}

export interface LoadedConfig {
  config: BrokerConfig
  warnings: string[]
}

export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.problems = problems
  }
}

/** apache/kafka image variables that are not broker properties. */
const APACHE_EXCLUDED = new Set([
  'KAFKA_VERSION',
  'KAFKA_HEAP_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_LOG4J_ROOT_LOGLEVEL',
  'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL',
  'KAFKA_JMX_HOSTNAME',
])

/** Parses Java .properties text (the subset server.properties files use, plus escapes). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^\s+/, '')
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    // A line ending in an odd number of backslashes continues on the next.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^\s+/, '')
    }
    const m = /^((?:\\.|[^=:\s\\])*)\s*[=:\s]?\s*(.*)$/.exec(line)
    if (m === null) continue
    out.set(unescape(m[1]!), unescape(m[2]!.replace(/\s+$/, '')))
  }
  return out
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.startsWith('u') && c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16))
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c
  })
}

/** KAFKA_LOG_RETENTION_MS → log.retention.ms with the apache image's escapes. */
export function apacheEnvName(variable: string): string {
  return variable
    .slice('KAFKA_'.length)
    .toLowerCase()
    .replaceAll('_', '.')
    .replaceAll('...', '-')
    .replaceAll('..', '_')
}

/** KAFKA_CFG_LOG_RETENTION_MS → log.retention.ms (bitnami). */
export function bitnamiEnvName(variable: string): string {
  return variable.slice('KAFKA_CFG_'.length).toLowerCase().replaceAll('_', '.')
}

interface Setting {
  name: string
  value: string
  source: string
  /** Unknown names from this source are warnings rather than errors. */
  lenient: boolean
}

function envSettings(env: Readonly<Record<string, string | undefined>>): Setting[] {
  const bitnami: Setting[] = []
  const apache: Setting[] = []
  for (const [variable, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (value === undefined) continue
    if (variable.startsWith('KAFKA_CFG_'))
      bitnami.push({
        name: bitnamiEnvName(variable),
        value,
        source: `environment ${variable}`,
        lenient: true,
      })
    else if (variable.startsWith('KAFKA_') && !APACHE_EXCLUDED.has(variable))
      apache.push({ name: apacheEnvName(variable), value, source: `environment ${variable}`, lenient: true })
  }
  return [...bitnami, ...apache]
}

function parseOverride(text: string): { name: string; value: string } | undefined {
  const eq = text.indexOf('=')
  if (eq <= 0) return undefined
  return { name: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() }
}

/** Reads every source, validates, and returns the static configuration or throws ConfigError. */
export function loadConfig(sources: ConfigSources): LoadedConfig {
  const problems: string[] = []
  const warnings: string[] = []
  const settings: Setting[] = []

  if (sources.file !== undefined) {
    let text: string | undefined
    try {
      text = readFileSync(sources.file, 'utf8')
    } catch (err) {
      problems.push(`cannot read config file ${sources.file}: ${(err as Error).message}`)
    }
    if (text !== undefined)
      for (const [name, value] of parseProperties(text))
        settings.push({ name, value, source: sources.file, lenient: false })
  }
  if (sources.env !== undefined) settings.push(...envSettings(sources.env))
  for (const [name, value] of Object.entries(sources.properties ?? {}))
    settings.push({ name, value: String(value), source: 'startBroker options', lenient: false })
  for (const o of sources.overrides ?? []) {
    const kv = parseOverride(o)
    if (kv === undefined) problems.push(`--override '${o}' is not of the form key=value`)
    else settings.push({ ...kv, source: '--override', lenient: false })
  }

  const values = new Map<string, string>()
  for (const s of settings) {
    const def = BROKER_CONFIG_BY_NAME.get(s.name)
    if (def === undefined) {
      const hint = suggestName(s.name, BROKER_CONFIG_BY_NAME.keys())
      const text = `unknown property '${s.name}' (from ${s.source})${hint !== undefined ? `; did you mean '${hint}'?` : ''}`
      if (s.lenient) warnings.push(`${text}; ignored`)
      else problems.push(text)
      continue
    }
    const parsed = parseConfigValue(def, s.value)
    if (!parsed.ok) {
      problems.push(`${parsed.error} (from ${s.source})`)
      continue
    }
    values.set(s.name, s.value)
  }

  for (const name of values.keys()) {
    const def = BROKER_CONFIG_BY_NAME.get(name)!
    if (!def.implemented) warnings.push(`${name} is accepted for compatibility but has no effect in Samsa`)
  }

  const config = new BrokerConfig(values)
  const dirs = values.has('log.dirs') ? config.list('log.dirs') : []
  if (dirs.length > 1)
    warnings.push(`log.dirs names ${dirs.length} directories; Samsa uses only the first, ${dirs[0]}`)
  if (problems.length === 0) problems.push(...crossChecks(config))
  if (problems.length > 0) throw new ConfigError(problems)
  return { config, warnings }
}

/** Rules spanning several properties. */
function crossChecks(config: BrokerConfig): string[] {
  const problems: string[] = []
  const brokerId = config.optionalNumber('broker.id')
  if (brokerId !== null && brokerId !== -1 && config.isSet('node.id') && brokerId !== config.nodeId)
    problems.push(`broker.id=${brokerId} differs from node.id=${config.nodeId}; set only node.id`)
  try {
    resolveListeners(listenerSettingsOf(config))
  } catch (err) {
    if (err instanceof ListenerConfigError) problems.push(err.message)
    else throw err
  }
  if (config.number('group.min.session.timeout.ms') > config.number('group.max.session.timeout.ms'))
    problems.push('group.min.session.timeout.ms must not exceed group.max.session.timeout.ms')
  return problems
}
