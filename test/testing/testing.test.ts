// samsa/testing: the helpers against an in-process broker, and the documented Vitest example run
// as its own Vitest process (its config has the globalSetup).

import { execFile } from 'node:child_process'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Client } from '../../src/client/client.ts'
import {
  resetBroker,
  startTestBroker,
  TopicScope,
  uniqueTopicName,
  type RunningBroker,
} from '../../src/testing/index.ts'

let broker: RunningBroker
beforeAll(async () => {
  const t0 = performance.now()
  broker = await startTestBroker()
  // "Startup in milliseconds": generous bound for a loaded CI machine.
  expect(performance.now() - t0).toBeLessThan(2000)
})
afterAll(async () => {
  await broker.close()
})

async function topicNames(): Promise<string[]> {
  const c = new Client({ bootstrap: broker.bootstrap })
  try {
    return (await c.topics(null))
      .filter((t) => !t.internal)
      .map((t) => t.name)
      .sort()
  } finally {
    await c.close()
  }
}

test('uniqueTopicName is unique and a legal Kafka topic name', () => {
  const names = new Set(Array.from({ length: 1000 }, () => uniqueTopicName('my topic/ä')))
  expect(names.size).toBe(1000)
  for (const n of names) expect(n).toMatch(/^[a-zA-Z0-9._-]{1,249}$/)
})

test('TopicScope creates unique topics and cleanup deletes exactly those', async () => {
  const other = new TopicScope(broker.bootstrap)
  const keep = await other.create('keep')
  const scope = new TopicScope(broker.bootstrap)
  const a = await scope.create('orders', { partitions: 3, configs: { 'retention.ms': '1000' } })
  const b = await scope.create('orders')
  expect(await topicNames()).toEqual([keep, a, b].sort())
  await scope.cleanup()
  expect(await topicNames()).toEqual([keep])
  await other.cleanup()
  expect(await topicNames()).toEqual([])
})

test('resetBroker deletes every topic and group', async () => {
  const scope = new TopicScope(broker.bootstrap)
  const t = await scope.create('jobs')
  const c = new Client({ bootstrap: broker.bootstrap })
  try {
    const conn = await c.coordinator('g1')
    const { body } = await conn.send('OffsetCommit', {
      groupId: 'g1',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [
        {
          name: t,
          partitions: [
            { partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    })
    expect(body.topics[0]!.partitions[0]!.errorCode).toBe(0)
    expect((await c.send('ListGroups', {})).groups.map((g) => g.groupId)).toEqual(['g1'])
    await resetBroker(broker.bootstrap)
    expect(await topicNames()).toEqual([])
    expect((await c.send('ListGroups', {})).groups).toEqual([])
  } finally {
    await c.close()
  }
})

test('the documented Vitest example passes (globalSetup, inject, TopicScope)', async () => {
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/testing/example/vitest.config.ts'],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, SAMSA_BOOTSTRAP_SERVERS: '', NO_COLOR: '1', FORCE_COLOR: '0' },
      },
      (e, stdout, stderr) =>
        resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, out: stdout + stderr }),
    )
  })
  expect(r.code, r.out).toBe(0)
  expect(r.out).toMatch(/Tests\s+3 passed \(3\)/)
}, 60_000)
