// Validation: turns a MetadataStore call into the record that performs it, or throws the
// KafkaError a Kafka 4.x controller returns for the same request. Pure functions of the image, so
// the disk and memory stores cannot disagree about what is allowed.

import { KafkaError } from '../../protocol/errors.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import type { TopicRecord } from '../metadata-store.ts'
import type { MetadataImage } from './image.ts'
import type { Configs, MetadataRecord } from './records.ts'

const MAX_TOPIC_NAME_LENGTH = 249 // Kafka's Topic.MAX_NAME_LENGTH
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/
const INT32_MAX = 0x7fffffff
const INT64_MAX = (1n << 63n) - 1n

export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new KafkaError('INVALID_TOPIC_EXCEPTION', "Topic name is illegal, it can't be empty")
  if (name === '.' || name === '..')
    throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Topic name cannot be "." or ".."`)
  if (name.length > MAX_TOPIC_NAME_LENGTH)
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`,
    )
  if (!LEGAL_TOPIC_NAME.test(name))
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    )
}

function validTopicId(id: string): boolean {
  return (
    typeof id === 'string' &&
    id.length === 22 &&
    id !== ZERO_UUID &&
    /^[A-Za-z0-9_-]+$/.test(id) &&
    Buffer.from(id, 'base64url').toString('base64url') === id
  )
}

function validatePartitions(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > INT32_MAX)
    throw new KafkaError(
      'INVALID_PARTITIONS',
      `Number of partitions must be larger than 0, got ${partitions}.`,
    )
}

function validateConfigs(configs: Configs): Configs {
  if (typeof configs !== 'object' || configs === null)
    throw new KafkaError('INVALID_CONFIG', 'configs must be an object of strings')
  const entries = Object.entries(configs)
  for (const [k, v] of entries) {
    if (k === '') throw new KafkaError('INVALID_CONFIG', 'empty config name')
    if (typeof v !== 'string') throw new KafkaError('INVALID_CONFIG', `config ${k} must be a string`)
  }
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>)
}

function existing(image: MetadataImage, name: string): TopicRecord {
  const t = image.topic(name)
  if (t === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${name} does not exist.`)
  return t
}

export function planCreateTopic(image: MetadataImage, topic: TopicRecord): MetadataRecord {
  validateTopicName(topic.name)
  if (image.topic(topic.name) !== undefined)
    throw new KafkaError('TOPIC_ALREADY_EXISTS', `Topic '${topic.name}' already exists.`)
  const other = image.collidingTopic(topic.name)
  if (other !== undefined)
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `Topic '${topic.name}' collides with existing topic: ${other}`,
    )
  if (!validTopicId(topic.topicId))
    throw new KafkaError('INVALID_REQUEST', `invalid topic id '${String(topic.topicId)}'`)
  if (image.topicById(topic.topicId) !== undefined)
    throw new KafkaError('TOPIC_ALREADY_EXISTS', `Topic id ${topic.topicId} is already in use.`)
  validatePartitions(topic.partitions)
  const configs = validateConfigs(topic.configs)
  return {
    type: 'topicCreated',
    topic: Object.freeze({ name: topic.name, topicId: topic.topicId, partitions: topic.partitions, configs }),
  }
}

export function planDeleteTopic(image: MetadataImage, name: string): MetadataRecord {
  return { type: 'topicDeleted', topicId: existing(image, name).topicId }
}

/** As CreatePartitions: the count may only grow, and asking for the current count is an error. */
export function planSetPartitionCount(
  image: MetadataImage,
  name: string,
  partitions: number,
): MetadataRecord {
  const t = existing(image, name)
  validatePartitions(partitions)
  if (partitions === t.partitions)
    throw new KafkaError('INVALID_PARTITIONS', `Topic already has ${t.partitions} partitions.`)
  if (partitions < t.partitions)
    throw new KafkaError(
      'INVALID_PARTITIONS',
      `The topic ${name} currently has ${t.partitions} partition(s); ${partitions} would not be an increase.`,
    )
  return { type: 'partitionsChanged', topicId: t.topicId, partitions }
}

export function planSetTopicConfigs(image: MetadataImage, name: string, configs: Configs): MetadataRecord {
  const t = existing(image, name)
  return { type: 'topicConfigsSet', topicId: t.topicId, configs: validateConfigs(configs) }
}

export function planSetBrokerConfigs(configs: Configs): MetadataRecord {
  return { type: 'brokerConfigsSet', configs: validateConfigs(configs) }
}

export function planSetGroupConfigs(group: string, configs: Configs): MetadataRecord {
  if (group === '') throw new KafkaError('INVALID_REQUEST', 'Group name must not be empty')
  return { type: 'groupConfigsSet', group, configs: validateConfigs(configs) }
}

/** Levels are Kafka's int16, names non-empty; the broker checks them against what it supports. */
export function planSetFeatureLevels(levels: ReadonlyMap<string, number>): MetadataRecord {
  for (const [name, level] of levels) {
    if (name === '') throw new KafkaError('INVALID_REQUEST', 'a feature name must not be empty')
    if (!Number.isInteger(level) || level < 0 || level > 0x7fff)
      throw new KafkaError('INVALID_UPDATE_VERSION', `feature ${name} level ${level} is not in [0, 32767]`)
  }
  return { type: 'featureLevelsSet', levels: new Map(levels) }
}

/** Kafka's controller hands producer ids to brokers in blocks of 1000 (ProducerIdsBlock). */
export const PRODUCER_ID_BLOCK_SIZE = 1000

export function validateProducerIdCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > INT32_MAX)
    throw new KafkaError('INVALID_REQUEST', `producer id count must be a positive int32, got ${count}`)
}

/** A block starting at the first unreserved id, large enough for `count`. */
export function planProducerIdBlock(
  image: MetadataImage,
  count: number,
): Extract<MetadataRecord, { type: 'producerIdBlockAllocated' }> {
  const size = BigInt(Math.max(count, PRODUCER_ID_BLOCK_SIZE))
  const first = image.nextProducerId
  if (first + size > INT64_MAX) throw new KafkaError('UNKNOWN_SERVER_ERROR', 'producer ids exhausted')
  return { type: 'producerIdBlockAllocated', first, count: size }
}
