// The metadata image: the state that the records describe, and how each record changes it.
//
// `apply` is replay: it trusts that records were validated when they were written (plan.ts) and
// only refuses what would leave the image inconsistent (a record for a topic id it does not
// hold), which on replay means the files are damaged. Topic records are frozen, so callers can
// hold them without copying.

import type { TopicRecord } from '../metadata-store.ts'
import { MetadataCorruptError } from './metadata-errors.ts'
import type { Configs, FeatureLevelMap, MetadataRecord, MetadataSnapshot } from './records.ts'

const EMPTY: Configs = Object.freeze({})
const NO_LEVELS: FeatureLevelMap = new Map()

export class MetadataImage {
  clusterId = ''
  /** Creation order (Map keeps insertion order), so topics() lists them as they were created. */
  private readonly byName = new Map<string, TopicRecord>()
  private readonly byId = new Map<string, TopicRecord>()
  /** Name with '.' replaced by '_' → name: Kafka refuses topics that collide this way. */
  private readonly byCollisionKey = new Map<string, string>()
  brokerConfigs: Configs = EMPTY
  /** The first producer id not yet reserved by a ProducerIdBlockAllocated record. */
  nextProducerId = 0n
  /** Finalized feature levels chosen by UpdateFeatures (replaced whole, never mutated). */
  featureLevels: FeatureLevelMap = NO_LEVELS
  /** Group → config overrides; a group whose overrides are all removed leaves the map. */
  private readonly groupConfigsByName = new Map<string, Configs>()

  static fromSnapshot(s: MetadataSnapshot): MetadataImage {
    const image = new MetadataImage()
    image.clusterId = s.clusterId
    for (const t of s.topics) image.apply({ type: 'topicCreated', topic: t })
    image.brokerConfigs = freezeConfigs(s.brokerConfigs)
    image.nextProducerId = s.nextProducerId
    image.featureLevels = new Map(s.featureLevels)
    for (const [group, configs] of s.groupConfigs) image.groupConfigsByName.set(group, freezeConfigs(configs))
    return image
  }

  toSnapshot(journalGeneration: bigint): MetadataSnapshot {
    return {
      journalGeneration,
      clusterId: this.clusterId,
      topics: [...this.byName.values()],
      brokerConfigs: this.brokerConfigs,
      nextProducerId: this.nextProducerId,
      featureLevels: this.featureLevels,
      groupConfigs: new Map(this.groupConfigsByName),
    }
  }

  clone(): MetadataImage {
    return MetadataImage.fromSnapshot(this.toSnapshot(0n))
  }

  topics(): readonly TopicRecord[] {
    return [...this.byName.values()]
  }

  topic(name: string): TopicRecord | undefined {
    return this.byName.get(name)
  }

  topicById(topicId: string): TopicRecord | undefined {
    return this.byId.get(topicId)
  }

  /** The group's config overrides (empty when it has none). */
  groupConfigs(group: string): Configs {
    return this.groupConfigsByName.get(group) ?? EMPTY
  }

  /** Groups with config overrides. */
  groupsWithConfigs(): readonly string[] {
    return [...this.groupConfigsByName.keys()]
  }

  /** The existing topic whose name equals `name` up to '.' versus '_', if any. */
  collidingTopic(name: string): string | undefined {
    return this.byCollisionKey.get(collisionKey(name))
  }

  apply(r: MetadataRecord): void {
    switch (r.type) {
      case 'clusterIdSet':
        this.clusterId = r.clusterId
        return
      case 'topicCreated': {
        const t = freezeTopic(r.topic)
        if (this.byName.has(t.name) || this.byId.has(t.topicId))
          throw new MetadataCorruptError(`metadata: topic ${t.name} (${t.topicId}) created twice`)
        this.byName.set(t.name, t)
        this.byId.set(t.topicId, t)
        this.byCollisionKey.set(collisionKey(t.name), t.name)
        return
      }
      case 'topicDeleted': {
        const t = this.existing(r.topicId)
        this.byName.delete(t.name)
        this.byId.delete(t.topicId)
        this.byCollisionKey.delete(collisionKey(t.name))
        return
      }
      case 'partitionsChanged': {
        const t = this.existing(r.topicId)
        this.replace({ ...t, partitions: r.partitions })
        return
      }
      case 'topicConfigsSet': {
        const t = this.existing(r.topicId)
        this.replace({ ...t, configs: r.configs })
        return
      }
      case 'brokerConfigsSet':
        this.brokerConfigs = freezeConfigs(r.configs)
        return
      case 'producerIdBlockAllocated':
        if (r.first < this.nextProducerId)
          throw new MetadataCorruptError(`metadata: producer id block at ${r.first} reuses ids`)
        this.nextProducerId = r.first + r.count
        return
      case 'featureLevelsSet':
        this.featureLevels = new Map(r.levels)
        return
      case 'groupConfigsSet':
        if (Object.keys(r.configs).length === 0) this.groupConfigsByName.delete(r.group)
        else this.groupConfigsByName.set(r.group, freezeConfigs(r.configs))
        return
    }
  }

  private existing(topicId: string): TopicRecord {
    const t = this.byId.get(topicId)
    if (t === undefined) throw new MetadataCorruptError(`metadata: record for unknown topic id ${topicId}`)
    return t
  }

  /** Same name and id, so both maps point at the new frozen record (insertion order is kept). */
  private replace(t: TopicRecord): void {
    const frozen = freezeTopic(t)
    this.byName.set(frozen.name, frozen)
    this.byId.set(frozen.topicId, frozen)
  }
}

function collisionKey(name: string): string {
  return name.replaceAll('.', '_')
}

function freezeConfigs(c: Configs): Configs {
  return Object.isFrozen(c) ? c : Object.freeze({ ...c })
}

function freezeTopic(t: TopicRecord): TopicRecord {
  if (Object.isFrozen(t) && Object.isFrozen(t.configs)) return t
  return Object.freeze({
    name: t.name,
    topicId: t.topicId,
    partitions: t.partitions,
    configs: freezeConfigs(t.configs),
  })
}
