// The MetadataStore behaviour shared by the disk and memory stores, over a RecordLog that makes
// records durable (the journal) or not (memory).
//
// Two images: `pending` takes every accepted record synchronously, so validation sees changes
// still being written (two concurrent creates of one name cannot both pass); the log's committed
// image takes a record only once it is durable, and is what reads serve. So a topic is visible
// exactly when its createTopic has resolved, and a crash can never un-happen something a reader
// saw. Following the no-await-inside-a-transition rule, each call validates and applies to
// `pending` synchronously before it awaits the log.
//
// Producer ids are handed out from blocks (ProducerIdBlockAllocated records) reserved before use;
// ids left in a block at a restart are skipped, never reused.

import type { MetadataStore, TopicRecord } from '../metadata-store.ts'
import type { MetadataImage } from './image.ts'
import { MetadataStoreFailedError } from './metadata-errors.ts'
import {
  planCreateTopic,
  planDeleteTopic,
  planProducerIdBlock,
  planSetBrokerConfigs,
  planSetFeatureLevels,
  planSetGroupConfigs,
  planSetPartitionCount,
  planSetTopicConfigs,
  validateProducerIdCount,
} from './plan.ts'
import type { Configs, MetadataRecord } from './records.ts'

export interface RecordLog {
  /** Snapshot plus every record whose append has resolved. */
  readonly image: MetadataImage
  /** Resolves once the record is durable and applied to `image`, in append order. */
  append(record: MetadataRecord): Promise<void>
  close(): Promise<void>
}

export class ImageStore implements MetadataStore {
  private readonly log: RecordLog
  private readonly pending: MetadataImage
  private failure: Error | undefined
  private closed = false
  /** The unhanded part of the newest block: [nextProducerId, blockEnd). */
  private nextProducerId: bigint
  private blockEnd: bigint
  /** Resolves when the newest block's record is durable. */
  private blockDurable: Promise<void> = Promise.resolve()

  constructor(log: RecordLog) {
    this.log = log
    this.pending = log.image.clone()
    // Whatever was reserved before this start may have been handed out: begin past it.
    this.nextProducerId = log.image.nextProducerId
    this.blockEnd = log.image.nextProducerId
  }

  get clusterId(): string {
    return this.log.image.clusterId
  }

  topics(): readonly TopicRecord[] {
    return this.log.image.topics()
  }

  topic(name: string): TopicRecord | undefined {
    return this.log.image.topic(name)
  }

  topicById(topicId: string): TopicRecord | undefined {
    return this.log.image.topicById(topicId)
  }

  brokerConfigs(): Readonly<Record<string, string>> {
    return this.log.image.brokerConfigs
  }

  groupConfigs(group: string): Readonly<Record<string, string>> {
    return this.log.image.groupConfigs(group)
  }

  groupsWithConfigs(): readonly string[] {
    return this.log.image.groupsWithConfigs()
  }

  setGroupConfigs(group: string, configs: Configs): Promise<void> {
    return this.change(() => planSetGroupConfigs(group, configs))
  }

  featureLevels(): ReadonlyMap<string, number> {
    return this.log.image.featureLevels
  }

  createTopic(topic: TopicRecord): Promise<void> {
    return this.change(() => planCreateTopic(this.pending, topic))
  }

  deleteTopic(name: string): Promise<void> {
    return this.change(() => planDeleteTopic(this.pending, name))
  }

  setPartitionCount(name: string, partitions: number): Promise<void> {
    return this.change(() => planSetPartitionCount(this.pending, name, partitions))
  }

  setTopicConfigs(name: string, configs: Configs): Promise<void> {
    return this.change(() => planSetTopicConfigs(this.pending, name, configs))
  }

  setBrokerConfigs(configs: Configs): Promise<void> {
    return this.change(() => planSetBrokerConfigs(configs))
  }

  setFeatureLevels(levels: ReadonlyMap<string, number>): Promise<void> {
    return this.change(() => planSetFeatureLevels(levels))
  }

  // async functions run synchronously up to their first await: validation and the `pending`
  // update below happen in the caller's tick.
  async allocateProducerIds(count: number): Promise<bigint> {
    this.checkOpen()
    validateProducerIdCount(count)
    const n = BigInt(count)
    if (this.nextProducerId + n > this.blockEnd) {
      const record = planProducerIdBlock(this.pending, count)
      this.pending.apply(record)
      this.nextProducerId = record.first
      this.blockEnd = record.first + record.count
      this.blockDurable = this.persist(record)
    }
    const first = this.nextProducerId
    this.nextProducerId += n
    // Ids from a block whose record is still being written wait for it to be durable.
    await this.blockDurable
    return first
  }

  /** Sets the cluster id (first start only: the disk store calls it when the image has none). */
  initClusterId(clusterId: string): Promise<void> {
    return this.change(() => ({ type: 'clusterIdSet', clusterId }))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.log.close()
  }

  private checkOpen(): void {
    if (this.closed) throw new MetadataStoreFailedError('metadata store is closed')
    if (this.failure !== undefined) throw this.failure
  }

  private async change(plan: () => MetadataRecord): Promise<void> {
    this.checkOpen()
    const record = plan()
    this.pending.apply(record)
    await this.persist(record)
  }

  private persist(record: MetadataRecord): Promise<void> {
    return this.log.append(record).catch((err: unknown) => {
      // `pending` now holds a change that is not durable: accept nothing more.
      this.failure ??= err instanceof Error ? err : new MetadataStoreFailedError(String(err))
      throw err
    })
  }
}
