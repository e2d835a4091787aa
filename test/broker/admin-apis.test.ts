// Admin and metadata APIs over the wire, checking what Kafka would answer: incremental config
// changes, dynamic broker configs, deletion by topic id, DescribeTopicPartitions paging,
// FindCoordinator before a coordinator exists, ACLs without an authorizer, one-node elections.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { ApiKey } from '../../src/protocol/generated/index.ts'
import { silentLogger } from '../../src/broker/logger.ts'
import { startBroker, type RunningBroker } from '../../src/broker/server.ts'
import { WireClient } from './wire-client.ts'

type Body = Record<string, unknown> & { [k: string]: unknown }

let broker: RunningBroker
let c: WireClient
let seen = 0

async function call<T = Body>(apiKey: number, version: number, body: object): Promise<T> {
  c.send(apiKey, version, body)
  await c.waitFor(++seen)
  return c.response<T>(seen - 1).body
}

beforeAll(async () => {
  broker = await startBroker({ port: 0, memory: true, logger: silentLogger(), components: [] })
  c = await WireClient.open(broker.port)
})

afterAll(async () => {
  c?.close()
  await broker?.close()
})

describe('configs', () => {
  it('applies IncrementalAlterConfigs SET, APPEND, SUBTRACT and DELETE', async () => {
    await broker.services.topics.create('inc', { partitions: 1, replicationFactor: 1, configs: {} })
    const alter = (
      configs: object[],
    ): Promise<{ responses: Array<{ errorCode: number; errorMessage: string | null }> }> =>
      call(ApiKey.IncrementalAlterConfigs, 1, {
        resources: [{ resourceType: 2, resourceName: 'inc', configs }],
      })

    expect(
      (await alter([{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }])).responses[0]!
        .errorCode,
    ).toBe(0)
    expect(broker.services.topics.get('inc')!.configs).toEqual({ 'cleanup.policy': 'delete,compact' })
    await alter([
      { name: 'cleanup.policy', configOperation: 3, value: 'delete' },
      { name: 'retention.ms', configOperation: 0, value: '1000' },
    ])
    expect(broker.services.topics.get('inc')!.configs).toEqual({
      'cleanup.policy': 'compact',
      'retention.ms': '1000',
    })
    await alter([{ name: 'retention.ms', configOperation: 1, value: null }])
    expect(broker.services.topics.get('inc')!.configs).toEqual({ 'cleanup.policy': 'compact' })

    const appendToScalar = await alter([{ name: 'retention.ms', configOperation: 2, value: '5' }])
    expect(appendToScalar.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG })
    const unknown = await alter([{ name: 'retention.mss', configOperation: 0, value: '5' }])
    expect(unknown.responses[0]!.errorMessage).toContain('did you mean retention.ms')
    // A failed change leaves the overrides as they were.
    expect(broker.services.topics.get('inc')!.configs).toEqual({ 'cleanup.policy': 'compact' })
  })

  it('changes dynamic broker configs, which topics inherit, and refuses static ones', async () => {
    const r = await call<{ responses: Array<{ errorCode: number }> }>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 4,
          resourceName: '1',
          configs: [{ name: 'log.retention.ms', configOperation: 0, value: '120000' }],
        },
        {
          resourceType: 4,
          resourceName: '',
          configs: [{ name: 'num.partitions', configOperation: 0, value: '9' }],
        },
      ],
    })
    expect(r.responses.map((x) => x.errorCode)).toEqual([0, ErrorCode.INVALID_REQUEST])
    expect(broker.services.metadata.brokerConfigs()).toEqual({ 'log.retention.ms': '120000' })

    const d = await call<{
      results: Array<{
        configs: Array<{
          name: string
          value: string
          configSource: number
          synonyms: Array<{ name: string; source: number }>
        }>
      }>
    }>(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: 2, resourceName: 'inc', configurationKeys: ['retention.ms'] },
        { resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.ms'] },
      ],
      includeSynonyms: true,
      includeDocumentation: true,
    })
    const topicEntry = d.results[0]!.configs[0]!
    expect(topicEntry).toMatchObject({ name: 'retention.ms', value: '120000', configSource: 2 })
    expect(topicEntry.synonyms.map((s) => s.name)).toEqual(['log.retention.ms', 'log.retention.hours'])
    expect(d.results[1]!.configs[0]).toMatchObject({
      name: 'log.retention.ms',
      value: '120000',
      configSource: 2,
    })
  })

  it('describes the cluster default (empty broker name) as the dynamic settings only, and checks names', async () => {
    type R = {
      results: Array<{
        errorCode: number
        errorMessage: string | null
        configs: Array<{ name: string; configSource: number }>
      }>
    }
    const d = await call<R>(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: 4, resourceName: '', configurationKeys: null },
        { resourceType: 4, resourceName: '7', configurationKeys: null },
        { resourceType: 2, resourceName: 'bad/name', configurationKeys: null },
      ],
    })
    expect(d.results[0]!.configs.map((c) => [c.name, c.configSource])).toEqual([['log.retention.ms', 3]])
    expect(d.results[1]).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 7',
    })
    expect(d.results[2]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
  })

  it('reports and changes the root log level as a BROKER_LOGGER resource', async () => {
    await call(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 8,
          resourceName: '1',
          configs: [{ name: 'root', configOperation: 0, value: 'DEBUG' }],
        },
      ],
    })
    const d = await call<{ results: Array<{ configs: Array<{ name: string; value: string }> }> }>(
      ApiKey.DescribeConfigs,
      4,
      {
        resources: [{ resourceType: 8, resourceName: '1', configurationKeys: null }],
      },
    )
    expect(d.results[0]!.configs).toMatchObject([{ name: 'root', value: 'DEBUG' }])
    broker.services.logger.level = 'silent'
  })
})

describe('topics', () => {
  it('deletes by topic id (v6) and reports unknown ids', async () => {
    const t = await broker.services.topics.create('by-id', {
      partitions: 1,
      replicationFactor: 1,
      configs: {},
    })
    const r = await call<{ responses: Array<{ name: string | null; topicId: string; errorCode: number }> }>(
      ApiKey.DeleteTopics,
      6,
      {
        topics: [
          { name: null, topicId: t.topicId },
          { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
        ],
        timeoutMs: 1000,
      },
    )
    expect(r.responses).toContainEqual(
      expect.objectContaining({ name: 'by-id', topicId: t.topicId, errorCode: 0 }),
    )
    expect(r.responses).toContainEqual(
      expect.objectContaining({
        name: null,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
      }),
    )
    expect(broker.services.topics.get('by-id')).toBeUndefined()
  })

  it('pages DescribeTopicPartitions with a cursor', async () => {
    await broker.services.topics.create('paged', { partitions: 5, replicationFactor: 1, configs: {} })
    type R = {
      topics: Array<{ name: string; partitions: Array<{ partitionIndex: number }> }>
      nextCursor: { topicName: string; partitionIndex: number } | null
    }
    const first = await call<R>(ApiKey.DescribeTopicPartitions, 0, {
      topics: [{ name: 'paged' }],
      responsePartitionLimit: 3,
      cursor: null,
    })
    expect(first.topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0, 1, 2])
    expect(first.nextCursor).toEqual({ topicName: 'paged', partitionIndex: 3 })
    const rest = await call<R>(ApiKey.DescribeTopicPartitions, 0, {
      topics: [{ name: 'paged' }],
      responsePartitionLimit: 3,
      cursor: first.nextCursor,
    })
    expect(rest.topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([3, 4])
    expect(rest.nextCursor).toBeNull()
  })

  it('refuses duplicate names in one CreateTopics request and validates without creating', async () => {
    const r = await call<{ topics: Array<{ name: string; errorCode: number; numPartitions: number }> }>(
      ApiKey.CreateTopics,
      7,
      {
        topics: [
          { name: 'dup', numPartitions: 1, replicationFactor: 1 },
          { name: 'dup', numPartitions: 1, replicationFactor: 1 },
          { name: 'dry', numPartitions: 4, replicationFactor: -1 },
        ],
        timeoutMs: 1000,
        validateOnly: true,
      },
    )
    expect(r.topics).toEqual([
      expect.objectContaining({ name: 'dup', errorCode: ErrorCode.INVALID_REQUEST }),
      expect.objectContaining({ name: 'dry', errorCode: 0, numPartitions: 4 }),
    ])
    expect(broker.services.topics.get('dry')).toBeUndefined()
  })
})

describe('metadata', () => {
  it('looks topics up by id from v12 and refuses ids before it', async () => {
    const t = await broker.services.topics.create('meta-id', {
      partitions: 2,
      replicationFactor: 1,
      configs: {},
    })
    type R = {
      topics: Array<{ name: string | null; topicId: string; errorCode: number; partitions: unknown[] }>
    }
    const r = await call<R>(ApiKey.Metadata, 12, {
      topics: [
        { name: null, topicId: t.topicId },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
      ],
      allowAutoTopicCreation: false,
    })
    expect(r.topics).toEqual([
      expect.objectContaining({ name: 'meta-id', topicId: t.topicId, errorCode: 0 }),
      expect.objectContaining({
        name: null,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
      }),
    ])
    expect(r.topics[0]!.partitions).toHaveLength(2)
    const old = await call<R>(ApiKey.Metadata, 11, { topics: [{ name: 'meta-id', topicId: t.topicId }] })
    expect(old.topics.every((x) => x.errorCode === ErrorCode.INVALID_REQUEST)).toBe(true)
  })

  it('answers each distinct topic once, with leader, epoch, replicas and ISR of this node', async () => {
    type R = {
      controllerId: number
      clusterId: string
      topics: Array<{
        name: string
        partitions: Array<{
          leaderId: number
          leaderEpoch: number
          replicaNodes: number[]
          isrNodes: number[]
        }>
      }>
    }
    const r = await call<R>(ApiKey.Metadata, 9, {
      topics: [{ name: 'meta-id' }, { name: 'meta-id' }],
      allowAutoTopicCreation: false,
    })
    expect(r.topics).toHaveLength(1)
    expect(r.topics[0]!.partitions[0]).toEqual(
      expect.objectContaining({ leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] }),
    )
    expect(r.controllerId).toBe(1)
    expect(r.clusterId).toBe(broker.clusterId)
  })
})

describe('one-node answers', () => {
  it('answers FindCoordinator with COORDINATOR_NOT_AVAILABLE while no group coordinator runs', async () => {
    const r = await call<{ coordinators: Array<{ key: string; errorCode: number }> }>(
      ApiKey.FindCoordinator,
      4,
      {
        keyType: 0,
        coordinatorKeys: ['g'],
      },
    )
    expect(r.coordinators).toMatchObject([{ key: 'g', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }])
  })

  it('answers the ACL APIs with SECURITY_DISABLED, as Kafka does without an authorizer', async () => {
    const d = await call<{ errorCode: number; errorMessage: string }>(ApiKey.DescribeAcls, 2, {
      resourceTypeFilter: 1,
      patternTypeFilter: 1,
      operation: 1,
      permissionType: 1,
    })
    expect(d).toMatchObject({
      errorCode: ErrorCode.SECURITY_DISABLED,
      errorMessage: 'No Authorizer is configured on the broker',
    })
    const cr = await call<{ results: Array<{ errorCode: number; errorMessage: string }> }>(
      ApiKey.CreateAcls,
      2,
      {
        creations: [
          {
            resourceType: 2,
            resourceName: 't',
            resourcePatternType: 3,
            principal: 'User:a',
            host: '*',
            operation: 3,
            permissionType: 3,
          },
        ],
      },
    )
    expect(cr.results).toEqual([
      expect.objectContaining({
        errorCode: ErrorCode.SECURITY_DISABLED,
        errorMessage: 'No Authorizer is configured.',
      }),
    ])
  })

  it('describes the cluster for broker endpoints and refuses controller endpoints', async () => {
    type R = {
      errorCode: number
      controllerId: number
      brokers: Array<{ brokerId: number; port: number }>
      clusterAuthorizedOperations: number
    }
    const r = await call<R>(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    })
    expect(r).toMatchObject({ errorCode: 0, controllerId: 1, brokers: [{ brokerId: 1, port: broker.port }] })
    // CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE
    expect(r.clusterAuthorizedOperations).toBe(
      (1 << 5) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 7) | (1 << 8),
    )
    const ctl = await call<R>(ApiKey.DescribeCluster, 1, { endpointType: 2 })
    expect(ctl).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, brokers: [] })
  })

  it('describes the one log dir with partition sizes', async () => {
    await broker.services.topics.create('sized', { partitions: 2, replicationFactor: 1, configs: {} })
    type R = {
      results: Array<{
        logDir: string
        topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; partitionSize: bigint }> }>
        totalBytes: bigint
      }>
    }
    const r = await call<R>(ApiKey.DescribeLogDirs, 4, {
      topics: [
        { topic: 'sized', partitions: [0, 1, 7] },
        { topic: 'nope', partitions: [0] },
      ],
    })
    expect(r.results).toHaveLength(1)
    expect(r.results[0]!.logDir).toBe('memory')
    expect(r.results[0]!.totalBytes).toBe(-1n)
    expect(r.results[0]!.topics).toEqual([
      {
        name: 'sized',
        partitions: [
          expect.objectContaining({ partitionIndex: 0, partitionSize: 0n }),
          expect.objectContaining({ partitionIndex: 1 }),
        ],
      },
    ])
  })

  it('needs no leader election', async () => {
    await broker.services.topics.create('elect', { partitions: 1, replicationFactor: 1, configs: {} })
    const r = await call<{
      replicaElectionResults: Array<{ partitionResult: Array<{ partitionId: number; errorCode: number }> }>
    }>(ApiKey.ElectLeaders, 2, {
      electionType: 0,
      topicPartitions: [{ topic: 'elect', partitions: [0, 3] }],
      timeoutMs: 1000,
    })
    expect(r.replicaElectionResults[0]!.partitionResult).toEqual([
      expect.objectContaining({ partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED }),
      expect.objectContaining({ partitionId: 3, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }),
    ])
  })
})

describe('on disk', () => {
  it('reports the data directory with its file-system sizes and partition sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-logdirs-'))
    const disk = await startBroker({ port: 0, dataDir: dir, logger: silentLogger(), components: [] })
    const client = await WireClient.open(disk.port)
    try {
      await disk.services.topics.create('on-disk', { partitions: 1, replicationFactor: 1, configs: {} })
      client.send(ApiKey.DescribeLogDirs, 4, { topics: null })
      await client.waitFor(1)
      type R = {
        results: Array<{
          logDir: string
          totalBytes: bigint
          usableBytes: bigint
          topics: Array<{ name: string }>
        }>
      }
      const r = client.response<R>(0).body.results[0]!
      expect(r.logDir).toBe(dir)
      expect(r.totalBytes).toBeGreaterThan(0n)
      expect(r.usableBytes).toBeGreaterThan(0n)
      expect(r.topics.map((t) => t.name)).toContain('on-disk')
    } finally {
      client.close()
      await disk.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
