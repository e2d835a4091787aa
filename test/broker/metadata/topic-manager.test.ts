// The topic manager keeps the MetadataStore and the LogStore in step, with Kafka's rules.

import { describe, expect, it } from 'vitest'
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.ts'
import { randomUuid } from '../../../src/random.ts'
import { MemoryFileSystem, writeFully } from '../../../src/storage/fs.ts'
import { openDiskLogStore } from '../../../src/storage/log/disk-log-store.ts'
import { createMemoryLogStore } from '../../../src/storage/memory/index.ts'
import { createMemoryMetadataStore } from '../../../src/storage/metadata/index.ts'
import { DEFAULT_LOG_CONFIG } from '../../../src/storage/log-store.ts'
import { loadConfig } from '../../../src/broker/config/load.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { TopicManager } from '../../../src/broker/metadata/topic-manager.ts'
import { validateTopicName } from '../../../src/broker/metadata/topic-names.ts'

function manager(overrides: string[] = []) {
  const metadata = createMemoryMetadataStore()
  const logs = createMemoryLogStore()
  const config = loadConfig({ overrides }).config
  return { metadata, logs, topics: new TopicManager({ metadata, logs, config, logger: silentLogger() }) }
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p
    return 0
  } catch (err) {
    if (err instanceof KafkaError) return err.code
    throw err
  }
}

describe('TopicManager', () => {
  it('creates a topic with a fresh id and one open log per partition, and deletes both', async () => {
    const { topics, metadata, logs } = manager(['num.partitions=3'])
    const t = await topics.create('a', {
      partitions: -1,
      replicationFactor: -1,
      configs: { 'retention.ms': '1000' },
    })
    expect(t.partitions).toBe(3)
    expect(t.topicId).toHaveLength(22)
    expect(metadata.topic('a')).toMatchObject({ topicId: t.topicId, configs: { 'retention.ms': '1000' } })
    expect(
      logs
        .partitions()
        .map((p) => p.partition)
        .sort(),
    ).toEqual([0, 1, 2])
    expect(topics.partition('a', 2)).toBeDefined()
    expect(topics.partition('a', 3)).toBeUndefined()
    await topics.delete('a')
    expect(metadata.topic('a')).toBeUndefined()
    expect(logs.partitions()).toEqual([])
  })

  it("applies Kafka's rules: names, collisions, counts, replication factor, configs", async () => {
    const { topics } = manager()
    await topics.create('with.dot', { partitions: 1, replicationFactor: 1, configs: {} })
    const spec = { partitions: 1, replicationFactor: 1, configs: {} }
    expect(await code(topics.create('with.dot', spec))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    expect(await code(topics.create('with_dot', spec))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(await code(topics.create('a/b', spec))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(await code(topics.create('x'.repeat(250), spec))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(await code(topics.create('p0', { ...spec, partitions: 0 }))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(await code(topics.create('r3', { ...spec, replicationFactor: 3 }))).toBe(
      ErrorCode.INVALID_REPLICATION_FACTOR,
    )
    expect(await code(topics.create('r0', { ...spec, replicationFactor: 0 }))).toBe(
      ErrorCode.INVALID_REPLICATION_FACTOR,
    )
    expect(await code(topics.create('cfg', { ...spec, configs: { 'segment.bytes': '1' } }))).toBe(
      ErrorCode.INVALID_CONFIG,
    )
    expect(validateTopicName('.')).toBeDefined()
    expect(validateTopicName('ok-name_1.x')).toBeUndefined()
  })

  it('shares one creation between concurrent auto-creations of the same name', async () => {
    const { topics } = manager()
    const [a, b, c] = await Promise.all([topics.ensure('race'), topics.ensure('race'), topics.ensure('race')])
    expect(a.topicId).toBe(b.topicId)
    expect(b.topicId).toBe(c.topicId)
    expect(topics.list()).toHaveLength(1)
  })

  it('uses the registered spec when an internal topic is auto-created', async () => {
    const { topics } = manager()
    topics.registerInternalTopic('__consumer_offsets', () => ({
      partitions: 4,
      configs: { 'cleanup.policy': 'compact' },
    }))
    const t = await topics.ensure('__consumer_offsets')
    expect(t).toMatchObject({ partitions: 4, configs: { 'cleanup.policy': 'compact' } })
    expect(topics.isInternal('__consumer_offsets')).toBe(true)
    expect(topics.isInternal('__transaction_state')).toBe(true)
    expect(topics.isInternal('plain')).toBe(false)
  })

  it('grows topics and refuses to shrink them', async () => {
    const { topics, logs } = manager()
    await topics.create('g', { partitions: 2, replicationFactor: 1, configs: {} })
    await topics.addPartitions('g', 5)
    expect(topics.get('g')?.partitions).toBe(5)
    expect(logs.partitions()).toHaveLength(5)
    expect(await code(topics.addPartitions('g', 5))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(await code(topics.addPartitions('g', 1))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(await code(topics.addPartitions('nope', 9))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('refuses deletion when delete.topic.enable is false', async () => {
    const { topics } = manager(['delete.topic.enable=false'])
    await topics.create('kept', { partitions: 1, replicationFactor: 1, configs: {} })
    expect(await code(topics.delete('kept'))).toBe(ErrorCode.TOPIC_DELETION_DISABLED)
  })

  it('on start, reopens recorded topics and deletes logs no topic names (a crash between steps)', async () => {
    const { topics, metadata, logs } = manager()
    await topics.create('kept', { partitions: 2, replicationFactor: 1, configs: {} })
    await logs.open({ topic: 'orphan', partition: 0 }, DEFAULT_LOG_CONFIG)
    const config = loadConfig({}).config
    const restarted = new TopicManager({ metadata, logs, config, logger: silentLogger() })
    await restarted.start()
    expect(
      logs
        .partitions()
        .map((p) => `${p.topic}-${p.partition}`)
        .sort(),
    ).toEqual(['kept-0', 'kept-1'])
  })

  it('on start, leaves a partition whose log belongs to another topic id offline and untouched', async () => {
    const fs = new MemoryFileSystem()
    const metadata = createMemoryMetadataStore()
    const config = loadConfig({}).config
    let logs = await openDiskLogStore('/data', { fs, checkpointIntervalMs: 0 })
    const topics = new TopicManager({ metadata, logs, config, logger: silentLogger() })
    const t = await topics.create('t', { partitions: 2, replicationFactor: 1, configs: {} })
    await logs.close()
    // The directory of t-0 now claims another topic (a deleted topic's leftover, say).
    const other = randomUuid()
    const h = await fs.open('/data/t-0/partition.metadata', { create: true })
    await h.truncate(0)
    await writeFully(h, Buffer.from(`version: 0\ntopic_id: ${other}`), 0)
    await h.close()
    logs = await openDiskLogStore('/data', { fs, checkpointIntervalMs: 0 })
    const restarted = new TopicManager({ metadata, logs, config, logger: silentLogger() })
    await restarted.start()
    expect(restarted.partition('t', 0)).toBeUndefined()
    expect(restarted.partition('t', 1)).toBeDefined()
    expect(restarted.get('t')?.topicId).toBe(t.topicId)
    // Not deleted as an orphan either.
    expect((await fs.readFile('/data/t-0/partition.metadata')).toString()).toContain(other)
    expect(
      logs
        .partitions()
        .map((p) => `${p.topic}-${p.partition}`)
        .sort(),
    ).toEqual(['t-0', 't-1'])
    await logs.close()
  })

  it('tells listeners about changes after they are durable', async () => {
    const { topics } = manager()
    const seen: string[] = []
    topics.onChange((c) => seen.push(`${c.kind}:${c.topic.name}`))
    await topics.create('l', { partitions: 1, replicationFactor: 1, configs: {} })
    await topics.addPartitions('l', 2)
    await topics.setConfigs('l', { 'retention.ms': '5' })
    await topics.delete('l')
    expect(seen).toEqual(['created:l', 'partitions:l', 'configs:l', 'deleted:l'])
  })
})

describe('TopicManager failures', () => {
  it('removes the logs it opened when the topic record cannot be written', async () => {
    const { topics, metadata, logs } = manager()
    metadata.createTopic = () => Promise.reject(new Error('disk full'))
    await expect(
      topics.create('doomed', { partitions: 3, replicationFactor: 1, configs: {} }),
    ).rejects.toThrow('disk full')
    expect(logs.partitions()).toEqual([])
    expect(topics.get('doomed')).toBeUndefined()
  })
})
