// The broker's own metadata, persisted durably: cluster id, topics (with their UUIDs, partition
// counts and per-topic config overrides), dynamic broker configs, per-group config overrides,
// finalized feature levels set by
// UpdateFeatures, and the producer-id high-water mark (so producer ids are never reused after a
// restart).
//
// The disk implementation is a small journal of protobuf records, compacted into a snapshot and
// replayed on start (src/storage/metadata/). Every mutating call resolves only once the change is
// durable (fsynced), so an acknowledged CreateTopics survives kill -9.

export interface TopicRecord {
  readonly name: string
  /** Kafka's 22-character base64url UUID text form. */
  readonly topicId: string
  readonly partitions: number
  /** Topic-level config overrides under Kafka's property names (only those set explicitly). */
  readonly configs: Readonly<Record<string, string>>
}

/**
 * Implementations: openMetadataStore(dir) and createMemoryMetadataStore(clusterId?) in
 * src/storage/metadata/index.ts.
 *
 * Validation errors are KafkaError (src/protocol/errors.ts) with Kafka's codes: duplicate name or
 * topic id TOPIC_ALREADY_EXISTS; a name that is illegal or collides with another by '.'/'_'
 * INVALID_TOPIC_EXCEPTION; a partition count < 1, not larger than the current one, or not an
 * int32 INVALID_PARTITIONS; an unknown topic name UNKNOWN_TOPIC_OR_PARTITION; a malformed topic
 * id or producer-id count INVALID_REQUEST; a non-string config value INVALID_CONFIG. Calls are
 * validated synchronously against every change already accepted (even if not yet durable), so
 * concurrent conflicting calls cannot both succeed. Reads show a change once its call resolves.
 * After close(), or after a failed journal write/fsync, mutations reject with
 * MetadataStoreFailedError (reads keep serving what was committed).
 */
export interface MetadataStore {
  readonly clusterId: string
  topics(): readonly TopicRecord[]
  topic(name: string): TopicRecord | undefined
  topicById(topicId: string): TopicRecord | undefined
  createTopic(topic: TopicRecord): Promise<void>
  deleteTopic(name: string): Promise<void>
  setPartitionCount(name: string, partitions: number): Promise<void>
  /** Replaces the topic's config overrides with `configs`. */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void>
  /** Dynamic broker-level config overrides (AlterConfigs on the BROKER resource). */
  brokerConfigs(): Readonly<Record<string, string>>
  setBrokerConfigs(configs: Readonly<Record<string, string>>): Promise<void>
  /** A group's config overrides (KIP-848 group configs, the GROUP config resource); {} when none. */
  groupConfigs(group: string): Readonly<Record<string, string>>
  /** Groups that have config overrides. */
  groupsWithConfigs(): readonly string[]
  /** Replaces the group's config overrides with `configs` ({} removes them). */
  setGroupConfigs(group: string, configs: Readonly<Record<string, string>>): Promise<void>
  /** Finalized feature levels chosen by UpdateFeatures (KIP-584); empty until one succeeds. */
  featureLevels(): ReadonlyMap<string, number>
  /** Replaces the levels chosen by UpdateFeatures with `levels`. */
  setFeatureLevels(levels: ReadonlyMap<string, number>): Promise<void>
  /** Reserves `count` new producer ids; returns the first. Never returns an id twice, across restarts. */
  allocateProducerIds(count: number): Promise<bigint>
  close(): Promise<void>
}
