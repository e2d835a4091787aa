// `samsa configs describe|alter` — DescribeConfigs and IncrementalAlterConfigs for topics, brokers
// and groups; also used by `topics describe|create|alter`.
//
//   samsa configs describe (--topic T | --broker ID | --group G) [--all]
//   samsa configs alter (--topic T | --broker ID | --group G) [--set K=V]... [--delete K]...

import type { Client } from '../../client/client.ts'
import { check } from '../../client/errors.ts'
import { COMMON_OPTIONS, COMMON_USAGE, clientFor, keyValues, parse } from './common.ts'
import { EXIT } from './exit-codes.ts'
import { out, toJson, UsageError, type ToolIO } from './io.ts'
import { table } from './table.ts'

/** Kafka's ConfigResource.Type codes. */
export const RESOURCE = { topic: 2, broker: 4, group: 32 } as const
export type ResourceKind = keyof typeof RESOURCE

/** Kafka's DescribeConfigsResponse ConfigSource codes. */
const SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
] as const
const DEFAULT_CONFIG = 5

export function sourceName(code: number): string {
  return SOURCES[code] ?? `SOURCE_${code}`
}

export interface ConfigEntry {
  name: string
  value: string | null
  source: string
  readOnly: boolean
  sensitive: boolean
  isDefault: boolean
}

export async function describeConfigs(
  client: Client,
  kind: ResourceKind,
  name: string,
): Promise<ConfigEntry[]> {
  const res = await client.send('DescribeConfigs', {
    resources: [{ resourceType: RESOURCE[kind], resourceName: name, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  })
  const r = res.results[0]
  if (r === undefined) throw new Error('DescribeConfigs returned no result')
  check(r.errorCode, `describing ${kind} '${name}' configs`, r.errorMessage)
  return r.configs
    .map((c) => ({
      name: c.name,
      value: c.isSensitive ? null : c.value,
      source: sourceName(c.configSource),
      readOnly: c.readOnly,
      sensitive: c.isSensitive,
      isDefault: c.configSource === DEFAULT_CONFIG || (c.configSource === 0 && c.isDefault),
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** IncrementalAlterConfigs operation codes. */
export const OP = { SET: 0, DELETE: 1 } as const

export async function alterConfigs(
  client: Client,
  kind: ResourceKind,
  name: string,
  set: ReadonlyArray<readonly [string, string]>,
  remove: readonly string[],
): Promise<void> {
  const res = await client.send('IncrementalAlterConfigs', {
    resources: [
      {
        resourceType: RESOURCE[kind],
        resourceName: name,
        configs: [
          ...set.map(([k, v]) => ({ name: k, configOperation: OP.SET, value: v })),
          ...remove.map((k) => ({ name: k, configOperation: OP.DELETE, value: null })),
        ],
      },
    ],
    validateOnly: false,
  })
  for (const r of res.responses) check(r.errorCode, `altering ${kind} '${name}' configs`, r.errorMessage)
}

const USAGE = `Usage:
  samsa configs describe (--topic T | --broker ID | --group G) [--all]
  samsa configs alter (--topic T | --broker ID | --group G) [--set KEY=VALUE]... [--delete KEY]...

describe lists the configs that differ from the defaults (--all: every config) with their source.

${COMMON_USAGE}
`

function resourceOf(values: { topic?: string; broker?: string; group?: string }): [ResourceKind, string] {
  const given = (['topic', 'broker', 'group'] as const).filter((k) => values[k] !== undefined)
  if (given.length !== 1) throw new UsageError('name exactly one of --topic, --broker or --group')
  const kind = given[0]!
  return [kind, values[kind]!]
}

export async function configsCommand(args: readonly string[], io: ToolIO): Promise<number> {
  const { values, positionals } = parse({
    args: [...args],
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      topic: { type: 'string' },
      broker: { type: 'string' },
      group: { type: 'string' },
      all: { type: 'boolean' },
      set: { type: 'string', multiple: true },
      delete: { type: 'string', multiple: true },
    },
  })
  if (values.help === true) {
    out(io, USAGE)
    return EXIT.OK
  }
  const sub = positionals[0]
  if (positionals.length !== 1 || (sub !== 'describe' && sub !== 'alter'))
    throw new UsageError(`expected 'describe' or 'alter'\n\n${USAGE}`)
  const [kind, name] = resourceOf(values)
  const client = clientFor(values, io)
  try {
    if (sub === 'describe') {
      const all = await describeConfigs(client, kind, name)
      const shown = values.all === true ? all : all.filter((c) => !c.isDefault)
      if (values.json === true) out(io, toJson(shown))
      else if (shown.length === 0)
        out(io, `${kind} '${name}' has no configs other than the defaults (--all lists them)`)
      else
        io.stdout.write(
          table(
            ['NAME', 'VALUE', 'SOURCE', 'READ-ONLY'],
            shown.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source, c.readOnly]),
          ),
        )
      return EXIT.OK
    }
    const set = keyValues(values.set, '--set')
    const remove = values.delete ?? []
    if (set.length === 0 && remove.length === 0)
      throw new UsageError('alter needs --set KEY=VALUE or --delete KEY')
    await alterConfigs(client, kind, name, set, remove)
    if (values.json === true)
      out(io, toJson({ resource: kind, name, set: Object.fromEntries(set), deleted: remove }))
    else
      out(
        io,
        `Altered ${kind} '${name}': ${[...set.map(([k, v]) => `${k}=${v}`), ...remove.map((k) => `-${k}`)].join(', ')}`,
      )
    return EXIT.OK
  } finally {
    await client.close()
  }
}
