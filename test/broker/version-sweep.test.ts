// Every version of every admin and metadata API this broker's core serves answers a plausible
// request with a response that decodes at that version (no EncodeError, no closed connection).
// Catches fields set in versions that lack them, which only show up on the wire.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKey } from '../../src/protocol/generated/index.ts'
import { startBroker, type RunningBroker } from '../../src/broker/server.ts'
import { silentLogger } from '../../src/broker/logger.ts'
import { WireClient } from './wire-client.ts'

const TOPIC = 'sweep'

/** A request body per API: names an existing topic where the API takes topics. */
const REQUESTS: Record<number, (v: number) => object> = {
  [ApiKey.Metadata]: (v) => ({
    topics: [{ name: TOPIC }, { name: 'missing-one' }],
    ...(v >= 4 ? { allowAutoTopicCreation: false } : {}),
    ...(v >= 8 ? { includeTopicAuthorizedOperations: true } : {}),
  }),
  [ApiKey.FindCoordinator]: (v) => (v >= 4 ? { keyType: 0, coordinatorKeys: ['g1', 'g2'] } : { key: 'g1' }),
  [ApiKey.ApiVersions]: (v) => (v >= 3 ? { clientSoftwareName: 'sweep', clientSoftwareVersion: '1.0' } : {}),
  [ApiKey.CreateTopics]: (v) => ({
    topics: [
      {
        name: `created-v${v}`,
        numPartitions: 1,
        replicationFactor: 1,
        configs: [{ name: 'retention.ms', value: '1000' }],
      },
    ],
    timeoutMs: 1000,
  }),
  [ApiKey.DeleteTopics]: (v) =>
    v >= 6
      ? { topics: [{ name: 'no-such-topic' }], timeoutMs: 1000 }
      : { topicNames: ['no-such-topic'], timeoutMs: 1000 },
  [ApiKey.DescribeAcls]: (v) => ({
    resourceTypeFilter: 1,
    ...(v >= 1 ? { patternTypeFilter: 1 } : {}),
    operation: 1,
    permissionType: 1,
  }),
  [ApiKey.CreateAcls]: () => ({
    creations: [
      {
        resourceType: 2,
        resourceName: TOPIC,
        principal: 'User:a',
        host: '*',
        operation: 3,
        permissionType: 3,
      },
    ],
  }),
  [ApiKey.DeleteAcls]: () => ({
    filters: [{ resourceTypeFilter: 2, resourceNameFilter: TOPIC, operation: 3, permissionType: 3 }],
  }),
  [ApiKey.DescribeConfigs]: (v) => ({
    resources: [
      { resourceType: 2, resourceName: TOPIC, configurationKeys: null },
      { resourceType: 4, resourceName: '1', configurationKeys: ['num.partitions'] },
      { resourceType: 2, resourceName: 'missing-one', configurationKeys: null },
    ],
    includeSynonyms: v >= 1,
    includeDocumentation: v >= 3,
  }),
  [ApiKey.AlterConfigs]: () => ({
    resources: [{ resourceType: 2, resourceName: TOPIC, configs: [{ name: 'retention.ms', value: '5000' }] }],
    validateOnly: true,
  }),
  [ApiKey.IncrementalAlterConfigs]: () => ({
    resources: [
      {
        resourceType: 2,
        resourceName: TOPIC,
        configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }],
      },
    ],
    validateOnly: true,
  }),
  [ApiKey.DescribeLogDirs]: () => ({ topics: [{ topic: TOPIC, partitions: [0, 1] }] }),
  [ApiKey.CreatePartitions]: () => ({
    topics: [{ name: TOPIC, count: 5, assignments: null }],
    timeoutMs: 1000,
    validateOnly: true,
  }),
  [ApiKey.ElectLeaders]: () => ({
    electionType: 0,
    topicPartitions: [{ topic: TOPIC, partitions: [0, 9] }],
    timeoutMs: 1000,
  }),
  [ApiKey.AlterPartitionReassignments]: () => ({
    timeoutMs: 1000,
    topics: [
      {
        name: TOPIC,
        partitions: [
          { partitionIndex: 0, replicas: [1] },
          { partitionIndex: 1, replicas: [2] },
        ],
      },
    ],
  }),
  [ApiKey.ListPartitionReassignments]: () => ({ timeoutMs: 1000, topics: null }),
  [ApiKey.DescribeCluster]: () => ({ includeClusterAuthorizedOperations: true }),
  [ApiKey.DescribeTopicPartitions]: () => ({
    topics: [{ name: TOPIC }],
    responsePartitionLimit: 1,
    cursor: null,
  }),
}

describe('version sweep', () => {
  let broker: RunningBroker

  beforeAll(async () => {
    broker = await startBroker({ port: 0, memory: true, logger: silentLogger(), components: [] })
    await broker.services.topics.create(TOPIC, { partitions: 2, replicationFactor: 1, configs: {} })
  })

  afterAll(async () => {
    await broker?.close()
  })

  for (const [key, build] of Object.entries(REQUESTS)) {
    it(`answers every served version of API ${key}`, async () => {
      const h = broker.services.apiVersions.find((a) => a.apiKey === Number(key))
      expect(h, `API ${key} is advertised`).toBeDefined()
      const c = await WireClient.open(broker.port)
      try {
        const versions: number[] = []
        for (let v = h!.minVersion; v <= h!.maxVersion; v++) versions.push(v)
        // Versions advertised below the handler's floor (policy) are refused; ask only served ones.
        const served = versions.filter((v) => v >= (Number(key) === ApiKey.DescribeLogDirs ? 1 : 0))
        for (const v of served) c.send(Number(key), v, build(v))
        await c.waitFor(served.length)
        expect(c.closed).toBe(false)
        for (let i = 0; i < served.length; i++) expect(() => c.response(i)).not.toThrow()
      } finally {
        c.close()
      }
    })
  }
})
