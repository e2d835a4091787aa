// The topic manager: the one place topics are created, deleted, grown and reconfigured. It keeps
// the MetadataStore (durable topic records) and the LogStore (one PartitionLog per partition) in
// step, and answers the questions handlers ask (does this topic exist, what is partition p's log).
//
// Order of operations, chosen so a crash between steps leaves nothing a restart cannot repair:
// - create: open the partition logs, then write the topic record (a crash leaves orphan logs,
//   which start() deletes because no record names them);
// - delete: remove the topic record, then delete the logs (same repair);
// - add partitions: open the new logs, then record the new count.
// Creations of one name are serialised: a second create of a name being created waits for the
// first and then sees TOPIC_ALREADY_EXISTS (auto-creation uses `ensure`, which returns the topic).
//
// Internal topics (__consumer_offsets, __transaction_state) are registered by their owners with
// `registerInternalTopic`, which gives the partition count and configs used when the topic is
// first created (by its owner, or by a client naming it in Metadata with auto-creation on).

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import { randomUuid } from '../../random.ts'
import type { LogConfig, LogStore, PartitionLog, TopicPartition } from '../../storage/log-store.ts'
import type { MetadataStore, TopicRecord } from '../../storage/metadata-store.ts'
import { forEachLimit, PARTITION_CONCURRENCY } from '../../storage/parallel.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { toLogConfig, validateTopicConfigs } from '../config/topic-config.ts'
import type { Logger } from '../logger.ts'
import { topicCollisionKey, validateTopicName } from './topic-names.ts'

/** Kafka's cap on partitions per CreateTopics/CreatePartitions request is much higher; this one keeps
 * a typo (1e6 partitions) from exhausting memory and file handles on a development machine. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000

/** Kafka's internal topics: reported with isInternal=true whether or not their owner registered them. */
export const INTERNAL_TOPIC_NAMES: ReadonlySet<string> = new Set([
  '__consumer_offsets',
  '__transaction_state',
])

/**
 * The leader epoch of every partition. One node is the only and permanent leader, so the epoch
 * never changes; Produce writes it into batches, Metadata reports it, Fetch and
 * OffsetForLeaderEpoch compare clients' epochs with it.
 */
export const LEADER_EPOCH = 0

export interface InternalTopicSpec {
  partitions: number
  configs: Readonly<Record<string, string>>
}

export interface CreateTopicSpec {
  /** -1 = num.partitions. */
  partitions: number
  /** -1 = default (1); anything else but 1 fails on a single node. */
  replicationFactor: number
  configs: Readonly<Record<string, string>>
}

export type TopicChange =
  | { kind: 'created'; topic: TopicRecord }
  | { kind: 'deleted'; topic: TopicRecord }
  | { kind: 'partitions'; topic: TopicRecord }
  | { kind: 'configs'; topic: TopicRecord }

export interface TopicManagerDeps {
  metadata: MetadataStore
  logs: LogStore
  config: BrokerConfig
  logger: Logger
}

export class TopicManager {
  private readonly metadata: MetadataStore
  private readonly logs: LogStore
  private readonly config: BrokerConfig
  private readonly logger: Logger
  private readonly creating = new Map<string, Promise<TopicRecord>>()
  private readonly internal = new Map<string, () => InternalTopicSpec>()
  private readonly listeners = new Set<(change: TopicChange) => void>()

  constructor(deps: TopicManagerDeps) {
    this.metadata = deps.metadata
    this.logs = deps.logs
    this.config = deps.config
    this.logger = deps.logger
  }

  /**
   * Opens the logs of every recorded topic and deletes logs that no topic record names. A log
   * directory recorded for another topic id (partition.metadata) stays closed and untouched: the
   * partition is offline (its requests answer UNKNOWN_TOPIC_OR_PARTITION) until an operator
   * removes the directory.
   */
  async start(): Promise<void> {
    const known = new Set<string>()
    const opens: { tp: TopicPartition; config: LogConfig; topicId: string }[] = []
    for (const t of this.metadata.topics()) {
      const logConfig = toLogConfig(t.configs, this.config)
      for (let p = 0; p < t.partitions; p++) {
        opens.push({ tp: { topic: t.name, partition: p }, config: logConfig, topicId: t.topicId })
        known.add(`${t.name}\0${p}`)
      }
    }
    // Partitions load independently: keep several in flight (10,000 in a row took 11–24 s).
    await forEachLimit(opens, PARTITION_CONCURRENCY, async (o) => {
      try {
        await this.logs.open(o.tp, o.config, { topicId: o.topicId })
      } catch (err) {
        if (!(err instanceof KafkaError) || err.code !== ErrorCode.INCONSISTENT_TOPIC_ID) throw err
        this.logger.error(
          { topic: o.tp.topic, partition: o.tp.partition, err },
          'partition offline: its log belongs to another topic id',
        )
      }
    })
    const orphans = this.logs.partitions().filter((tp) => !known.has(`${tp.topic}\0${tp.partition}`))
    for (const tp of orphans)
      this.logger.warn(
        { topic: tp.topic, partition: tp.partition },
        'deleting a partition log no topic names',
      )
    await forEachLimit(orphans, PARTITION_CONCURRENCY, (tp) => this.logs.delete(tp))
  }

  /** Called with every change, after it is durable (fetch sessions, coordinators). */
  onChange(listener: (change: TopicChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(change: TopicChange): void {
    for (const l of this.listeners) {
      try {
        l(change)
      } catch (err) {
        this.logger.error({ err }, 'topic change listener failed')
      }
    }
  }

  registerInternalTopic(name: string, spec: () => InternalTopicSpec): void {
    this.internal.set(name, spec)
  }

  isInternal(name: string): boolean {
    return this.internal.has(name) || INTERNAL_TOPIC_NAMES.has(name)
  }

  list(): readonly TopicRecord[] {
    return this.metadata.topics()
  }

  get(name: string): TopicRecord | undefined {
    return this.metadata.topic(name)
  }

  getById(topicId: string): TopicRecord | undefined {
    return this.metadata.topicById(topicId)
  }

  /** The log of a partition, or undefined when the topic or partition does not exist. */
  partition(topic: string, partition: number): PartitionLog | undefined {
    const t = this.metadata.topic(topic)
    if (t === undefined || partition < 0 || partition >= t.partitions) return undefined
    return this.logs.get({ topic, partition })
  }

  /**
   * Checks a creation without performing it (CreateTopics validateOnly uses this alone).
   * Throws KafkaError with Kafka's code and message.
   */
  validateCreate(name: string, spec: CreateTopicSpec): { partitions: number; replicationFactor: number } {
    const nameError = validateTopicName(name)
    if (nameError !== undefined) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError)
    if (this.metadata.topic(name) !== undefined || this.creating.has(name))
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`)
    const key = topicCollisionKey(name)
    if (key !== name || name.includes('_')) {
      const other = this.metadata.topics().find((t) => t.name !== name && topicCollisionKey(t.name) === key)
      if (other !== undefined)
        throw new KafkaError(
          ErrorCode.INVALID_TOPIC_EXCEPTION,
          `Topic '${name}' collides with existing topic: ${other.name}`,
        )
    }
    if (spec.replicationFactor < -1 || spec.replicationFactor === 0)
      throw new KafkaError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        'Replication factor must be larger than 0, or -1 to use the default value.',
      )
    if (spec.partitions < -1 || spec.partitions === 0)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        'Number of partitions was set to an invalid non-positive value.',
      )
    const partitions = spec.partitions === -1 ? this.config.number('num.partitions') : spec.partitions
    if (partitions > MAX_PARTITIONS_PER_TOPIC)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Number of partitions ${partitions} exceeds this broker's limit of ${MAX_PARTITIONS_PER_TOPIC} per topic.`,
      )
    const replicationFactor = spec.replicationFactor === -1 ? 1 : spec.replicationFactor
    if (replicationFactor > 1)
      throw new KafkaError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`,
      )
    const configError = validateTopicConfigs(spec.configs)
    if (configError !== undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, configError)
    return { partitions, replicationFactor }
  }

  /** Creates a topic; throws KafkaError (TOPIC_ALREADY_EXISTS, INVALID_*) like Kafka's controller. */
  async create(name: string, spec: CreateTopicSpec): Promise<TopicRecord> {
    const { partitions } = this.validateCreate(name, spec)
    const record: TopicRecord = { name, topicId: randomUuid(), partitions, configs: { ...spec.configs } }
    const work = this.doCreate(record)
    this.creating.set(name, work)
    try {
      return await work
    } finally {
      this.creating.delete(name)
    }
  }

  private async doCreate(record: TopicRecord): Promise<TopicRecord> {
    const logConfig = toLogConfig(record.configs, this.config)
    const opened: number[] = []
    try {
      await forEachLimit(range(0, record.partitions), PARTITION_CONCURRENCY, async (p) => {
        await this.logs.open({ topic: record.name, partition: p }, logConfig, { topicId: record.topicId })
        opened.push(p)
      })
      await this.metadata.createTopic(record)
    } catch (err) {
      // Undo what was opened; start() would also remove these orphans after a crash.
      await forEachLimit(opened, PARTITION_CONCURRENCY, (p) =>
        this.logs.delete({ topic: record.name, partition: p }).catch(() => undefined),
      )
      throw err
    }
    this.logger.info(
      { topic: record.name, topicId: record.topicId, partitions: record.partitions },
      'topic created',
    )
    this.emit({ kind: 'created', topic: record })
    return record
  }

  /**
   * The topic, creating it with the broker defaults (or its internal spec) when it does not exist
   * (Metadata auto-creation). Concurrent calls for one name share one creation.
   */
  async ensure(name: string): Promise<TopicRecord> {
    const existing = this.metadata.topic(name)
    if (existing !== undefined) return existing
    const pending = this.creating.get(name)
    if (pending !== undefined) return pending
    const internal = this.internal.get(name)?.()
    try {
      return await this.create(name, {
        partitions: internal?.partitions ?? -1,
        replicationFactor: -1,
        configs: internal?.configs ?? {},
      })
    } catch (err) {
      // Lost a race with another creator: the topic exists now.
      const now = this.metadata.topic(name)
      if (now !== undefined) return now
      throw err
    }
  }

  async delete(name: string): Promise<TopicRecord> {
    const t = this.metadata.topic(name)
    if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    if (!this.config.boolean('delete.topic.enable'))
      throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.')
    await this.metadata.deleteTopic(name)
    await forEachLimit(range(0, t.partitions), PARTITION_CONCURRENCY, (p) =>
      this.logs.delete({ topic: name, partition: p }),
    )
    this.logger.info({ topic: name, topicId: t.topicId }, 'topic deleted')
    this.emit({ kind: 'deleted', topic: t })
    return t
  }

  /** Validates growing a topic to `count` partitions; throws KafkaError as Kafka does. */
  validatePartitionCount(name: string, count: number): TopicRecord {
    const t = this.metadata.topic(name)
    if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    if (count < t.partitions)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${t.partitions} partitions, which is higher than the requested ${count}.`,
      )
    if (count === t.partitions)
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${t.partitions} partition(s).`)
    if (count > MAX_PARTITIONS_PER_TOPIC)
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Number of partitions ${count} exceeds this broker's limit of ${MAX_PARTITIONS_PER_TOPIC} per topic.`,
      )
    return t
  }

  async addPartitions(name: string, count: number): Promise<TopicRecord> {
    const t = this.validatePartitionCount(name, count)
    const logConfig = toLogConfig(t.configs, this.config)
    await forEachLimit(range(t.partitions, count), PARTITION_CONCURRENCY, async (p) => {
      await this.logs.open({ topic: name, partition: p }, logConfig, { topicId: t.topicId })
    })
    await this.metadata.setPartitionCount(name, count)
    const updated = this.metadata.topic(name) ?? { ...t, partitions: count }
    this.logger.info({ topic: name, partitions: count }, 'partitions added')
    this.emit({ kind: 'partitions', topic: updated })
    return updated
  }

  /** Replaces a topic's config overrides (already validated) and applies them to its open logs. */
  async setConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicRecord> {
    const t = this.metadata.topic(name)
    if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    await this.metadata.setTopicConfigs(name, configs)
    const updated = this.metadata.topic(name) ?? { ...t, configs }
    this.applyLogConfig(updated)
    this.emit({ kind: 'configs', topic: updated })
    return updated
  }

  /** Re-applies effective log settings to every open log (after a broker-level config change). */
  reapplyLogConfigs(): void {
    for (const t of this.metadata.topics()) this.applyLogConfig(t)
  }

  private applyLogConfig(t: TopicRecord): void {
    const logConfig = toLogConfig(t.configs, this.config)
    for (let p = 0; p < t.partitions; p++)
      this.logs.get({ topic: t.name, partition: p })?.updateConfig(logConfig)
  }

  /** Every partition of every topic (DescribeLogDirs). */
  allPartitions(): TopicPartition[] {
    const out: TopicPartition[] = []
    for (const t of this.metadata.topics())
      for (let p = 0; p < t.partitions; p++) out.push({ topic: t.name, partition: p })
    return out
  }
}

/** The integers from..to-1. */
function* range(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i
}
