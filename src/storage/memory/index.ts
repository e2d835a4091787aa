// The in-memory LogStore: for tests and the broker's in-memory mode. Same behaviour as the disk
// log (see memory-log.ts); nothing survives the process.

import { KafkaError } from '../../protocol/errors.ts'
import type { LogConfig, LogStore, OpenOptions, PartitionLog, TopicPartition } from '../log-store.ts'
import type { Decompressor } from '../record-timestamps.ts'
import { runCleanerRound, type CleanerOptions } from '../cleaner/round.ts'
import { BlockPool } from './block-pool.ts'
import { MemoryPartitionLog } from './memory-log.ts'

export { MemoryPartitionLog } from './memory-log.ts'

export interface MemoryLogStoreOptions {
  /** Wall clock in ms (segment.ms and retention); default Date.now. */
  now?: () => number
  /** Decompresses record sections for exact timestamp lookups in compressed batches. */
  decompress?: Decompressor
  /**
   * Apply retention.bytes as segments roll as well as in maintain() (default true; false gives the
   * disk log's exact timing, for tests that compare the two).
   */
  retentionOnRoll?: boolean
  /** Compaction settings (default: on, 128 MiB offset map). */
  cleaner?: CleanerOptions
  /** Memory the logs copy appends into (default: one pool for the store's logs). */
  blocks?: BlockPool
}

function key(tp: TopicPartition): string {
  return `${tp.partition}:${tp.topic}`
}

class MemoryLogStore implements LogStore {
  readonly #logs = new Map<string, MemoryPartitionLog>()
  /**
   * The same logs by topic, then partition: get() (every produce and fetch) finds a log by one
   * lookup of the topic string, without building the `partition:topic` key and hashing it.
   */
  readonly #byTopic = new Map<string, Array<MemoryPartitionLog | undefined>>()
  /** The cleaner's first dirty offset per partition (what the disk store checkpoints). */
  readonly #firstDirty = new Map<string, bigint>()
  readonly #uncleanable = new Set<string>()
  /** The topic id each log was opened for (OpenOptions.topicId). */
  readonly #topicIds = new Map<string, string>()
  readonly #options: Required<Pick<MemoryLogStoreOptions, 'now' | 'blocks'>> & MemoryLogStoreOptions

  constructor(options: MemoryLogStoreOptions) {
    this.#options = { ...options, now: options.now ?? Date.now, blocks: options.blocks ?? new BlockPool() }
  }

  open(tp: TopicPartition, config: LogConfig, options: OpenOptions = {}): Promise<PartitionLog> {
    const existing = this.#logs.get(key(tp))
    const recorded = this.#topicIds.get(key(tp))
    if (
      existing !== undefined &&
      recorded !== undefined &&
      options.topicId !== undefined &&
      recorded !== options.topicId
    )
      return Promise.reject(
        new KafkaError(
          'INCONSISTENT_TOPIC_ID',
          `log ${tp.topic}-${tp.partition} belongs to topic id ${recorded}, not ${options.topicId}`,
        ),
      )
    if (options.topicId !== undefined) this.#topicIds.set(key(tp), options.topicId)
    if (existing !== undefined) {
      existing.updateConfig(config)
      return Promise.resolve(existing)
    }
    const log = new MemoryPartitionLog({ topic: tp.topic, partition: tp.partition }, config, this.#options)
    this.#logs.set(key(tp), log)
    let partitions = this.#byTopic.get(tp.topic)
    if (partitions === undefined) this.#byTopic.set(tp.topic, (partitions = []))
    partitions[tp.partition] = log
    return Promise.resolve(log)
  }

  get(tp: TopicPartition): PartitionLog | undefined {
    return this.#byTopic.get(tp.topic)?.[tp.partition]
  }

  async delete(tp: TopicPartition): Promise<void> {
    const log = this.#logs.get(key(tp))
    if (log === undefined) return
    this.#logs.delete(key(tp))
    const partitions = this.#byTopic.get(tp.topic)
    if (partitions !== undefined) {
      partitions[tp.partition] = undefined
      if (partitions.every((l) => l === undefined)) this.#byTopic.delete(tp.topic)
    }
    this.#topicIds.delete(key(tp))
    this.#firstDirty.delete(key(tp))
    this.#uncleanable.delete(key(tp))
    await log.close()
  }

  partitions(): TopicPartition[] {
    return [...this.#logs.values()].map((l) => l.topicPartition)
  }

  async maintain(now: number): Promise<void> {
    for (const log of this.#logs.values()) await log.maintain(now)
    await runCleanerRound(this.#logs, this.#firstDirty, now, this.#uncleanable, this.#options.cleaner)
  }

  flush(): Promise<void> {
    return Promise.resolve()
  }

  async close(): Promise<void> {
    for (const log of this.#logs.values()) await log.close()
    this.#logs.clear()
    this.#byTopic.clear()
    this.#topicIds.clear()
  }
}

export function createMemoryLogStore(options: MemoryLogStoreOptions = {}): LogStore {
  return new MemoryLogStore(options)
}
