// KafkaJS admin against a real broker: topics (create, list, metadata, delete), configs round trip,
// partition growth, and the errors Kafka gives for bad requests.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Admin } from 'kafkajs'
import type { RunningBroker } from '../../src/index.ts'
import { type AdminHarness, startWithAdmin } from './helpers.ts'

const TOPIC = 2
const BROKER = 4

describe('KafkaJS admin', () => {
  let broker: RunningBroker
  let admin: Admin

  let harness: AdminHarness | undefined

  beforeAll(async () => {
    harness = await startWithAdmin({ config: { 'num.partitions': 2 } })
    ;({ broker, admin } = harness)
  })

  afterAll(async () => {
    await harness?.close()
  })

  it('describes the cluster as one node with its advertised address', async () => {
    const cluster = await admin.describeCluster()
    expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: broker.port }])
    expect(cluster.controller).toBe(1)
    expect(cluster.clusterId).toBe(broker.clusterId)
  })

  it('creates, lists, describes and deletes topics', async () => {
    expect(
      await admin.createTopics({
        topics: [{ topic: 'orders', numPartitions: 3 }, { topic: 'events' }],
        waitForLeaders: true,
      }),
    ).toBe(true)
    const userTopics = async (): Promise<string[]> =>
      (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort()
    expect(await userTopics()).toEqual(['events', 'orders'])
    const md = await admin.fetchTopicMetadata({ topics: ['orders', 'events'] })
    const orders = md.topics.find((t) => t.name === 'orders')!
    expect(orders.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2])
    for (const p of orders.partitions) {
      expect(p.leader).toBe(1)
      expect(p.replicas).toEqual([1])
      expect(p.isr).toEqual([1])
    }
    expect(md.topics.find((t) => t.name === 'events')!.partitions).toHaveLength(2) // num.partitions
    // Creating an existing topic is not an error for createTopics (it returns false).
    expect(await admin.createTopics({ topics: [{ topic: 'orders' }] })).toBe(false)

    await admin.deleteTopics({ topics: ['events'] })
    expect(await userTopics()).toEqual(['orders'])
  })

  it('refuses replication factors a single node cannot give, and illegal names', async () => {
    await expect(
      admin.createTopics({ topics: [{ topic: 'replicated', replicationFactor: 3 }] }),
    ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })] })
    await expect(admin.createTopics({ topics: [{ topic: 'bad name!' }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })],
    })
    await expect(
      admin.createTopics({
        topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.mss', value: '1' }] }],
      }),
    ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })] })
  })

  it('round-trips topic configs through AlterConfigs and DescribeConfigs', async () => {
    await admin.createTopics({
      topics: [{ topic: 'configured', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    })
    const describeTopic = async (): Promise<Map<string, { configValue: string; isDefault: boolean }>> => {
      const res = await admin.describeConfigs({
        resources: [{ type: TOPIC, name: 'configured' }],
        includeSynonyms: true,
      })
      return new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e]))
    }
    let entries = await describeTopic()
    expect(entries.get('cleanup.policy')?.configValue).toBe('compact')
    expect(entries.get('retention.ms')).toMatchObject({ configValue: '604800000', isDefault: true })

    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: TOPIC, name: 'configured', configEntries: [{ name: 'retention.ms', value: '60000' }] },
      ],
    })
    entries = await describeTopic()
    expect(entries.get('retention.ms')).toMatchObject({ configValue: '60000', isDefault: false })
    // AlterConfigs replaces the whole override set: cleanup.policy went back to its default.
    expect(entries.get('cleanup.policy')?.configValue).toBe('delete')

    await expect(
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: TOPIC, name: 'configured', configEntries: [{ name: 'retention.ms', value: 'soon' }] },
        ],
      }),
    ).rejects.toMatchObject({ type: 'INVALID_CONFIG' })
  })

  it('describes broker configs with their sources', async () => {
    const res = await admin.describeConfigs({
      resources: [{ type: BROKER, name: '1', configNames: ['num.partitions', 'log.retention.hours'] }],
      includeSynonyms: false,
    })
    const entries = new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e]))
    expect(entries.get('num.partitions')).toMatchObject({ configValue: '2', isDefault: false })
    expect(entries.get('log.retention.hours')).toMatchObject({ configValue: '168', isDefault: true })
  })

  it('grows a topic with CreatePartitions and refuses to shrink it', async () => {
    await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 1 }] })
    await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }] })
    const md = await admin.fetchTopicMetadata({ topics: ['growing'] })
    expect(md.topics[0]!.partitions).toHaveLength(4)
    await expect(
      admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 2 }] }),
    ).rejects.toMatchObject({
      type: 'INVALID_PARTITIONS',
    })
  })
})
