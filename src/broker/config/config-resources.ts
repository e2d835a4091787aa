// Config resources as DescribeConfigs, AlterConfigs and IncrementalAlterConfigs see them:
// TOPIC (a topic's overrides over the broker settings), BROKER (this node's dynamic configs over
// its static ones; the empty name is the cluster-wide default, which on one node is the same
// layer), BROKER_LOGGER (the root log level) and GROUP (a group's overrides of the consumer-group
// timeouts, group-config.ts). Other resource types are INVALID_REQUEST.
//
// Changes are computed as a new override map, validated as a whole, and only then stored, so a
// request either applies completely or not at all for each resource.

import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import type { Logger } from '../logger.ts'
import type { BrokerServices } from '../services.ts'
import { brokerConfigSource, ConfigSource, topicConfigSource } from './config-source.ts'
import {
  BROKER_CONFIG_BY_NAME,
  BROKER_CONFIGS,
  CONFIG_TYPE_CODE,
  TOPIC_CONFIG_BY_NAME,
} from './definitions.ts'
import {
  GROUP_CONFIG_BY_NAME,
  GROUP_CONFIGS,
  groupConfigValue,
  validateGroupConfigs,
} from './group-config.ts'
import { effectiveTopicConfigs, resolveTopicConfig, validateTopicConfigs } from './topic-config.ts'
import { parseConfigValue, splitList, suggestName } from './values.ts'
import { validateTopicName } from '../metadata/topic-names.ts'

export const ResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  GROUP: 32,
} as const

export const AlterOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const

export interface DescribedConfig {
  name: string
  value: string | null
  readOnly: boolean
  isDefault: boolean
  configSource: number
  isSensitive: boolean
  synonyms: Array<{ name: string; value: string | null; source: number }>
  configType: number
  documentation: string | null
}

export interface DescribeOptions {
  keys: readonly string[] | null
  synonyms: boolean
  documentation: boolean
}

const LOGGER_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'OFF'] as const
const ROOT_LOGGER = 'root'

function wanted(keys: readonly string[] | null, name: string): boolean {
  return keys === null || keys.length === 0 || keys.includes(name)
}

/** Kafka refuses the empty group name (there are no default group resources). */
function checkGroupName(name: string): void {
  if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Group name must not be empty')
}

/** Throws INVALID_REQUEST unless `name` addresses this node (or the cluster default, ''). */
function checkBrokerName(services: BrokerServices, name: string, allowDefault: boolean): void {
  if (name === '' && allowDefault) return
  if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Broker id must not be empty')
  if (!/^-?\d+$/.test(name))
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`)
  if (Number(name) !== services.nodeId)
    throw new KafkaError(
      ErrorCode.INVALID_REQUEST,
      allowDefault
        ? `Unexpected broker id, expected ${services.nodeId} or empty string, but received ${name}`
        : `Unexpected broker id, expected ${services.nodeId} but received ${name}`,
    )
}

export function describeResource(
  services: BrokerServices,
  resourceType: number,
  resourceName: string,
  opts: DescribeOptions,
): DescribedConfig[] {
  switch (resourceType) {
    case ResourceType.TOPIC: {
      const invalid = validateTopicName(resourceName)
      if (invalid !== undefined) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid)
      const topic = services.topics.get(resourceName)
      if (topic === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      return effectiveTopicConfigs(topic.configs, services.config)
        .filter((c) => wanted(opts.keys, c.def.name))
        .map((c) => ({
          name: c.def.name,
          value: c.value,
          readOnly: false,
          isDefault: c.origin === 'broker-default',
          configSource: topicConfigSource(c.origin),
          isSensitive: false,
          synonyms: opts.synonyms
            ? c.synonyms.map((s) => ({ name: s.name, value: s.value, source: topicConfigSource(s.origin) }))
            : [],
          configType: CONFIG_TYPE_CODE[c.def.type],
          documentation: opts.documentation ? c.def.doc : null,
        }))
    }
    case ResourceType.BROKER: {
      checkBrokerName(services, resourceName, true)
      // The cluster-wide default ('') shows only what was set dynamically, as Kafka does; on one
      // node that is the same layer as this broker's dynamic configs.
      const dynamic = services.config.dynamic()
      return BROKER_CONFIGS.filter(
        (d) => wanted(opts.keys, d.name) && (resourceName !== '' || d.name in dynamic),
      )
        .map((d) => {
          const e = services.config.entry(d.name)
          const source =
            resourceName === '' ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG : brokerConfigSource(e.origin)
          return {
            name: d.name,
            value: e.raw,
            readOnly: d.dynamic !== true,
            isDefault: e.origin === 'default',
            configSource: source,
            isSensitive: d.type === 'password',
            synonyms: opts.synonyms ? [{ name: d.name, value: e.raw, source }] : [],
            configType: CONFIG_TYPE_CODE[d.type],
            documentation: opts.documentation ? d.doc : null,
          }
        })
        .sort((a, b) => (a.name < b.name ? -1 : 1))
    }
    case ResourceType.BROKER_LOGGER: {
      checkBrokerName(services, resourceName, false)
      if (!wanted(opts.keys, ROOT_LOGGER)) return []
      const level = services.logger.level === 'silent' ? 'OFF' : services.logger.level.toUpperCase()
      return [
        {
          name: ROOT_LOGGER,
          value: level,
          readOnly: false,
          isDefault: false,
          configSource: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG,
          isSensitive: false,
          synonyms: [],
          configType: CONFIG_TYPE_CODE.string,
          documentation: opts.documentation ? 'The root log level of the broker.' : null,
        },
      ]
    }
    case ResourceType.GROUP: {
      checkGroupName(resourceName)
      const overrides = services.metadata.groupConfigs(resourceName)
      return GROUP_CONFIGS.filter((d) => wanted(opts.keys, d.name)).map((d) => {
        const value = String(groupConfigValue(d, overrides, services.config))
        const source = d.name in overrides ? ConfigSource.GROUP_CONFIG : ConfigSource.DEFAULT_CONFIG
        return {
          name: d.name,
          value,
          readOnly: false,
          isDefault: source === ConfigSource.DEFAULT_CONFIG,
          configSource: source,
          isSensitive: false,
          synonyms: opts.synonyms ? [{ name: d.name, value, source }] : [],
          configType: CONFIG_TYPE_CODE[d.type],
          documentation: opts.documentation ? d.doc : null,
        }
      })
    }
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}.`)
  }
}

export interface ConfigChange {
  name: string
  op: number
  value: string | null
}

/** Applies changes to a current override map; throws KafkaError on a change Kafka would refuse. */
function applyChanges(
  current: Readonly<Record<string, string>>,
  changes: readonly ConfigChange[],
  isList: (name: string) => boolean,
  effectiveList: (name: string) => readonly string[],
): Record<string, string> {
  const names = changes.map((c) => c.name)
  const dup = names.find((n, i) => names.indexOf(n) !== i)
  if (dup !== undefined)
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${dup}`)
  const next: Record<string, string> = { ...current }
  for (const c of changes) {
    switch (c.op) {
      case AlterOp.SET:
        if (c.value === null)
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`)
        next[c.name] = c.value
        break
      case AlterOp.DELETE:
        delete next[c.name]
        break
      case AlterOp.APPEND:
      case AlterOp.SUBTRACT: {
        if (!isList(c.name))
          throw new KafkaError(
            ErrorCode.INVALID_CONFIG,
            `Config value ${c.op === AlterOp.APPEND ? 'append' : 'subtract'} is not allowed for config key: ${c.name}`,
          )
        const base = next[c.name] !== undefined ? splitList(next[c.name]!) : [...effectiveList(c.name)]
        const items = splitList(c.value ?? '')
        const out =
          c.op === AlterOp.APPEND
            ? [...base, ...items.filter((i) => !base.includes(i))]
            : base.filter((i) => !items.includes(i))
        next[c.name] = out.join(',')
        break
      }
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.op} for ${c.name}`)
    }
  }
  return next
}

/**
 * Alters one resource. `replace` (legacy AlterConfigs) makes `changes` the whole override set;
 * otherwise they are incremental. With `validateOnly` nothing is stored.
 */
export async function alterResource(
  services: BrokerServices,
  resourceType: number,
  resourceName: string,
  changes: readonly ConfigChange[],
  replace: boolean,
  validateOnly: boolean,
): Promise<void> {
  switch (resourceType) {
    case ResourceType.TOPIC: {
      const topic = services.topics.get(resourceName)
      if (topic === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      for (const c of changes)
        if (!TOPIC_CONFIG_BY_NAME.has(c.name)) {
          const hint = suggestName(c.name, TOPIC_CONFIG_BY_NAME.keys())
          throw new KafkaError(
            ErrorCode.INVALID_CONFIG,
            `Unknown topic config name: ${c.name}${hint !== undefined ? ` (did you mean ${hint}?)` : ''}`,
          )
        }
      const next = applyChanges(
        replace ? {} : topic.configs,
        changes,
        (n) => TOPIC_CONFIG_BY_NAME.get(n)?.type === 'list',
        (n) => {
          const r = resolveTopicConfig(TOPIC_CONFIG_BY_NAME.get(n)!, topic.configs, services.config)
          return splitList(r.value ?? '')
        },
      )
      const err = validateTopicConfigs(next)
      if (err !== undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, err)
      if (!validateOnly) await services.topics.setConfigs(resourceName, next)
      return
    }
    case ResourceType.BROKER: {
      checkBrokerName(services, resourceName, true)
      for (const c of changes) {
        const def = BROKER_CONFIG_BY_NAME.get(c.name)
        if (def === undefined)
          throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown broker config: ${c.name}`)
        if (def.dynamic !== true)
          throw new KafkaError(
            ErrorCode.INVALID_REQUEST,
            `Cannot update these configs dynamically: Set(${c.name})`,
          )
      }
      const next = applyChanges(
        replace ? {} : services.config.dynamic(),
        changes,
        (n) => BROKER_CONFIG_BY_NAME.get(n)?.type === 'list',
        (n) => services.config.list(n),
      )
      for (const [name, value] of Object.entries(next)) {
        const parsed = parseConfigValue(BROKER_CONFIG_BY_NAME.get(name)!, value)
        if (!parsed.ok) throw new KafkaError(ErrorCode.INVALID_CONFIG, parsed.error)
      }
      if (validateOnly) return
      await services.metadata.setBrokerConfigs(next)
      services.config.setDynamic(next)
      services.topics.reapplyLogConfigs()
      return
    }
    case ResourceType.BROKER_LOGGER: {
      checkBrokerName(services, resourceName, false)
      if (replace)
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'AlterConfigs does not support broker loggers.')
      let level: string | undefined
      for (const c of changes) {
        if (c.name !== ROOT_LOGGER)
          throw new KafkaError(
            ErrorCode.INVALID_CONFIG,
            `Logger ${c.name} does not exist (only ${ROOT_LOGGER}).`,
          )
        if (c.op === AlterOp.DELETE) level = 'WARN'
        else if (
          c.op === AlterOp.SET &&
          c.value !== null &&
          (LOGGER_LEVELS as readonly string[]).includes(c.value.toUpperCase())
        )
          level = c.value.toUpperCase()
        else throw new KafkaError(ErrorCode.INVALID_CONFIG, `Cannot set ${c.name} to ${c.value ?? 'null'}.`)
      }
      if (!validateOnly && level !== undefined)
        services.logger.level = level === 'OFF' ? 'silent' : level.toLowerCase()
      return
    }
    case ResourceType.GROUP: {
      checkGroupName(resourceName)
      const next = applyChanges(
        replace ? {} : services.metadata.groupConfigs(resourceName),
        changes,
        (n) => GROUP_CONFIG_BY_NAME.get(n)?.type === 'list',
        () => [],
      )
      validateGroupConfigs(next, services.config)
      // The coordinator reads a group's timeouts from the store at each heartbeat.
      if (!validateOnly) await services.metadata.setGroupConfigs(resourceName, next)
      return
    }
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}.`)
  }
}

export interface AlterResourceResult {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
}

/**
 * One resource of AlterConfigs / IncrementalAlterConfigs, which succeeds or fails on its own:
 * `rejected` (a request-level check the handler made) or alterResource's error becomes the
 * resource's result; an error that is not a KafkaError is logged and answered
 * UNKNOWN_SERVER_ERROR.
 */
export async function alterResourceResult(
  services: BrokerServices,
  logger: Logger,
  resource: { resourceType: number; resourceName: string },
  changes: readonly ConfigChange[],
  replace: boolean,
  validateOnly: boolean,
  rejected?: KafkaError,
): Promise<AlterResourceResult> {
  const { resourceType, resourceName } = resource
  try {
    if (rejected !== undefined) throw rejected
    await alterResource(services, resourceType, resourceName, changes, replace, validateOnly)
    return { errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName }
  } catch (err) {
    if (!(err instanceof KafkaError)) logger.error({ err }, 'altering configs failed')
    return {
      errorCode: toErrorCode(err),
      errorMessage: err instanceof KafkaError ? (err.errorMessage ?? err.message) : null,
      resourceType,
      resourceName,
    }
  }
}
