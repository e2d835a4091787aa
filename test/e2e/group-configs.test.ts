// Group configs (KIP-848, the GROUP config resource) end to end with @platformatic/kafka: its Admin
// describes and alters them; its own ConsumerGroupHeartbeat and ConsumerGroupDescribe codecs show
// that a group runs with its overrides (the heartbeat interval it is told, the session after which
// a silent member is fenced) while other groups keep the broker's settings; a restart on disk
// keeps the overrides.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Admin,
  Connection,
  consumerGroupDescribeV0,
  consumerGroupHeartbeatV0,
  incrementalAlterConfigsV1,
  ResponseError,
} from '@platformatic/kafka'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { testBroker } from './helpers.ts'

const GROUP = 32
const SET = 0
const DELETE = 1
const DEFAULT_CONFIG = 5
const GROUP_CONFIG = 8

// Lower broker bounds so a test can watch a session expire in about a second.
const brokerConfig = {
  'group.consumer.min.session.timeout.ms': 500,
  'group.consumer.min.heartbeat.interval.ms': 100,
}

function adminFor(broker: RunningBroker): Admin {
  return new Admin({ clientId: 'samsa-group-configs', bootstrapBrokers: [broker.bootstrap] })
}

async function describeGroup(
  admin: Admin,
  group: string,
): Promise<Map<string, { value: string; source: number }>> {
  const [result] = await admin.describeConfigs({ resources: [{ resourceType: GROUP, resourceName: group }] })
  return new Map(result!.configs.map((c) => [c.name, { value: c.value ?? '', source: c.configSource }]))
}

type Change = { name: string; configOperation: number; value?: string }

/** The error code and message the broker answered for one GROUP resource (raw IncrementalAlterConfigs). */
async function alterGroup(
  c: Connection,
  group: string,
  configs: Change[],
): Promise<{ code: number; message: string | null }> {
  const resources = [{ resourceType: GROUP, resourceName: group, configs }]
  try {
    const r = await incrementalAlterConfigsV1.api.async(
      c,
      resources as incrementalAlterConfigsV1.IncrementalAlterConfigsRequestResource[],
      false,
    )
    return { code: r.responses[0]!.errorCode, message: r.responses[0]!.errorMessage ?? null }
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err
    const r = (err.response as incrementalAlterConfigsV1.IncrementalAlterConfigsResponse).responses[0]!
    return { code: r.errorCode, message: r.errorMessage ?? null }
  }
}

describe('group configs with @platformatic/kafka', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-group-configs-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('describes, validates and applies per-group consumer timeouts, and keeps them across a restart', async () => {
    let broker = await testBroker({ memory: false, dataDir: dir, config: brokerConfig })
    let admin = adminFor(broker)
    let c = new Connection('samsa-group-configs-raw')
    await c.connect(broker.host, broker.port)
    try {
      // Without overrides: the broker's values, from its defaults.
      const before = await describeGroup(admin, 'fast')
      expect([...before.keys()].sort()).toEqual([
        'consumer.heartbeat.interval.ms',
        'consumer.session.timeout.ms',
        'share.heartbeat.interval.ms',
        'share.record.lock.duration.ms',
        'share.session.timeout.ms',
      ])
      expect(before.get('consumer.session.timeout.ms')).toEqual({ value: '45000', source: DEFAULT_CONFIG })

      // Kafka's refusals: unknown name, outside the broker's bounds, session ≤ heartbeat, empty name.
      const refused: Array<
        [string, Array<{ name: string; configOperation: number; value?: string }>, RegExp]
      > = [
        ['fast', [{ name: 'consumer.nope', configOperation: SET, value: '1' }], /Unknown group config name/],
        [
          'fast',
          [{ name: 'consumer.session.timeout.ms', configOperation: SET, value: '100' }],
          /greater than or equal to group.consumer.min.session.timeout.ms/,
        ],
        [
          'fast',
          [
            { name: 'consumer.session.timeout.ms', configOperation: SET, value: '800' },
            { name: 'consumer.heartbeat.interval.ms', configOperation: SET, value: '900' },
          ],
          /must be greater than consumer.heartbeat.interval.ms/,
        ],
        [
          'fast',
          [{ name: 'consumer.session.timeout.ms', configOperation: SET, value: 'soon' }],
          /Invalid value/,
        ],
      ]
      for (const [group, configs, message] of refused) {
        const r = await alterGroup(c, group, configs)
        expect(r.code).toBe(ErrorCode.INVALID_CONFIG)
        expect(r.message).toMatch(message)
      }
      expect((await alterGroup(c, '', [])).code).toBe(ErrorCode.INVALID_REQUEST)

      const set = await alterGroup(c, 'fast', [
        { name: 'consumer.session.timeout.ms', configOperation: SET, value: '800' },
        { name: 'consumer.heartbeat.interval.ms', configOperation: SET, value: '200' },
      ])
      expect(set.code).toBe(ErrorCode.NONE)
      const after = await describeGroup(admin, 'fast')
      expect(after.get('consumer.session.timeout.ms')).toEqual({ value: '800', source: GROUP_CONFIG })
      expect(after.get('consumer.heartbeat.interval.ms')).toEqual({ value: '200', source: GROUP_CONFIG })
      expect((await describeGroup(admin, 'other')).get('consumer.session.timeout.ms')?.value).toBe('45000')

      // The overrides survive a restart.
      await c.close()
      await admin.close()
      await broker.close()
      broker = await testBroker({ memory: false, dataDir: dir, config: brokerConfig })
      admin = adminFor(broker)
      c = new Connection('samsa-group-configs-raw')
      await c.connect(broker.host, broker.port)
      expect((await describeGroup(admin, 'fast')).get('consumer.session.timeout.ms')?.value).toBe('800')

      // A member of 'fast' is told the group's interval; one of 'other' the broker's. A silent
      // member of 'fast' is fenced after ~800 ms.
      await admin.createTopics({ topics: ['gc-topic'], partitions: 1, replicas: 1 })
      const join = (group: string) =>
        consumerGroupHeartbeatV0.api.async(c, group, '', 0, null, null, 30_000, ['gc-topic'], null, null, [])
      const fast = await join('fast')
      expect(fast.errorCode).toBe(0)
      expect(fast.heartbeatIntervalMs).toBe(200)
      expect((await join('other')).heartbeatIntervalMs).toBe(5000)
      const members = async (group: string): Promise<number> => {
        const r = await consumerGroupDescribeV0.api.async(c, [group], false)
        return r.groups[0]!.members.length
      }
      expect(await members('fast')).toBe(1)
      const silentSince = Date.now()
      let fastMembers = 1
      while (fastMembers !== 0 && Date.now() - silentSince < 10_000) {
        await new Promise((r) => setTimeout(r, 100))
        fastMembers = await members('fast')
      }
      const fencedAfter = Date.now() - silentSince
      expect(fastMembers).toBe(0)
      expect(fencedAfter).toBeGreaterThanOrEqual(600)
      expect(fencedAfter).toBeLessThan(5000)
      // The member of 'other' (45 s session) is still there.
      expect(await members('other')).toBe(1)

      // DELETE goes back to the broker's value — checked on the result: the heartbeat alone would
      // leave the 800 ms session at or below the broker's 5 s interval.
      const heartbeatOnly = await alterGroup(c, 'fast', [
        { name: 'consumer.heartbeat.interval.ms', configOperation: DELETE },
      ])
      expect(heartbeatOnly.code).toBe(ErrorCode.INVALID_CONFIG)
      const both = await alterGroup(c, 'fast', [
        { name: 'consumer.heartbeat.interval.ms', configOperation: DELETE },
        { name: 'consumer.session.timeout.ms', configOperation: DELETE },
      ])
      expect(both.code).toBe(ErrorCode.NONE)
      const reset = await describeGroup(admin, 'fast')
      expect(reset.get('consumer.heartbeat.interval.ms')).toEqual({ value: '5000', source: DEFAULT_CONFIG })
      expect(reset.get('consumer.session.timeout.ms')).toEqual({ value: '45000', source: DEFAULT_CONFIG })
    } finally {
      await c.close()
      await admin.close()
      await broker.close()
    }
  })
})
