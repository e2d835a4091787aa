// MetadataStore behaviour, run against both implementations, plus a model-based test that drives
// the disk store (with random restarts) and the memory store with the same random calls.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KafkaError } from '../../../src/protocol/errors.ts'
import type { MetadataStore } from '../../../src/storage/metadata-store.ts'
import {
  MetadataStoreFailedError,
  createMemoryMetadataStore,
  openMetadataStore,
} from '../../../src/storage/metadata/index.ts'
import { FaultFs } from './fault-fs.ts'
import { dump, topicIdFor } from './workload.ts'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'samsa-metadata-store-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

let dirs = 0
const implementations: [string, () => Promise<MetadataStore>][] = [
  ['memory', () => Promise.resolve(createMemoryMetadataStore())],
  ['disk', () => openMetadataStore(join(root, `s${dirs++}`))],
]

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p
  } catch (err) {
    if (err instanceof KafkaError) return err.code
    throw err
  }
  throw new Error('expected a KafkaError, the call succeeded')
}

const topic = (name: string, i: number, partitions = 3, configs: Record<string, string> = {}) => ({
  name,
  topicId: topicIdFor(i),
  partitions,
  configs,
})

describe.each(implementations)('%s metadata store', (_name, open) => {
  it('has a Kafka-shaped cluster id', async () => {
    const s = await open()
    expect(s.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(Buffer.from(s.clusterId, 'base64url')).toHaveLength(16)
    await s.close()
  })

  it('creates, reads, reconfigures, grows and deletes topics', async () => {
    const s = await open()
    const configs = { 'retention.ms': '1000' }
    await s.createTopic(topic('b', 1, 2, configs))
    await s.createTopic(topic('a', 2))
    configs['retention.ms'] = 'changed by the caller afterwards'
    expect(s.topics().map((t) => t.name)).toEqual(['b', 'a'])
    const b = s.topic('b')!
    expect(b).toEqual({
      name: 'b',
      topicId: topicIdFor(1),
      partitions: 2,
      configs: { 'retention.ms': '1000' },
    })
    expect(Object.isFrozen(b) && Object.isFrozen(b.configs)).toBe(true)
    expect(s.topicById(topicIdFor(2))?.name).toBe('a')
    expect(s.topic('c')).toBeUndefined()
    expect(s.topicById(topicIdFor(3))).toBeUndefined()

    await s.setPartitionCount('b', 5)
    await s.setTopicConfigs('b', { 'cleanup.policy': 'compact' })
    expect(s.topic('b')).toEqual({ ...b, partitions: 5, configs: { 'cleanup.policy': 'compact' } })
    expect(s.topicById(topicIdFor(1))).toBe(s.topic('b'))

    await s.deleteTopic('b')
    expect(s.topic('b')).toBeUndefined()
    expect(s.topicById(topicIdFor(1))).toBeUndefined()
    // The name is free again, under a new id.
    await s.createTopic(topic('b', 9))
    expect(s.topic('b')?.topicId).toBe(topicIdFor(9))
    expect(s.topics().map((t) => t.name)).toEqual(['a', 'b'])

    expect(s.brokerConfigs()).toEqual({})
    await s.setBrokerConfigs({ 'log.retention.ms': '5' })
    await s.setBrokerConfigs({ 'num.partitions': '3' })
    expect(s.brokerConfigs()).toEqual({ 'num.partitions': '3' })
    await s.close()
  })

  it('refuses bad changes with Kafka error codes and leaves the state unchanged', async () => {
    const s = await open()
    await s.createTopic(topic('orders.v1', 1))
    const before = dump(s)
    expect(await codeOf(s.createTopic(topic('orders.v1', 2)))).toBe(36) // TOPIC_ALREADY_EXISTS
    expect(await codeOf(s.createTopic(topic('other', 1)))).toBe(36) // same topic id
    expect(await codeOf(s.createTopic(topic('orders_v1', 2)))).toBe(17) // collides ('.' vs '_')
    for (const name of ['', '.', '..', 'a'.repeat(250), 'has space', 'ünïcode', 'a/b'])
      expect(await codeOf(s.createTopic(topic(name, 3))), name).toBe(17) // INVALID_TOPIC_EXCEPTION
    for (const p of [0, -1, 1.5, 2 ** 31, Number.NaN])
      expect(await codeOf(s.createTopic(topic('p', 3, p))), String(p)).toBe(37) // INVALID_PARTITIONS
    for (const id of [
      '',
      'AAAAAAAAAAAAAAAAAAAAAA',
      'too-short',
      '!!!!!!!!!!!!!!!!!!!!!!',
      'AAAAAAAAAAAAAAAAAAAAAB',
    ])
      expect(await codeOf(s.createTopic({ ...topic('q', 0), topicId: id })), id).toBe(42) // INVALID_REQUEST
    expect(await codeOf(s.createTopic(topic('r', 4, 1, { '': 'x' })))).toBe(40) // INVALID_CONFIG
    expect(await codeOf(s.createTopic(topic('r', 4, 1, { a: 1 as unknown as string })))).toBe(40)

    expect(await codeOf(s.deleteTopic('nope'))).toBe(3) // UNKNOWN_TOPIC_OR_PARTITION
    expect(await codeOf(s.setPartitionCount('nope', 5))).toBe(3)
    expect(await codeOf(s.setTopicConfigs('nope', {}))).toBe(3)
    expect(await codeOf(s.setPartitionCount('orders.v1', 3))).toBe(37) // same count
    expect(await codeOf(s.setPartitionCount('orders.v1', 2))).toBe(37) // shrink
    expect(await codeOf(s.setPartitionCount('orders.v1', 0))).toBe(37)
    for (const n of [0, -1, 1.5, 2 ** 31]) expect(await codeOf(s.allocateProducerIds(n)), String(n)).toBe(42)
    expect(dump(s)).toEqual(before)
    await s.close()
  })

  it('validates concurrent calls against each other', async () => {
    const s = await open()
    const results = await Promise.allSettled([
      s.createTopic(topic('x', 1)),
      s.createTopic(topic('x', 2)),
      s.deleteTopic('x'),
      s.createTopic(topic('x', 3)),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    expect(s.topic('x')?.topicId).toBe(topicIdFor(3))
    await s.close()
  })

  it('hands out producer ids exactly once', async () => {
    const s = await open()
    const counts = [1, 1, 999, 5, 1500, 1, 3000, 2]
    const firsts = await Promise.all(counts.map((c) => s.allocateProducerIds(c)))
    const ranges = firsts
      .map((f, i) => [f, f + BigInt(counts[i]!)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    expect(ranges[0]![0]).toBeGreaterThanOrEqual(0n)
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1])
    await s.close()
  })

  it('refuses changes after close', async () => {
    const s = await open()
    await s.close()
    await expect(s.createTopic(topic('late', 1))).rejects.toThrow(MetadataStoreFailedError)
    await expect(s.allocateProducerIds(1)).rejects.toThrow(MetadataStoreFailedError)
    await s.close() // idempotent
  })
})

describe('disk metadata store', () => {
  it('keeps its cluster id across restarts; the memory store takes the one it is given', async () => {
    const dir = join(root, 'cid')
    const a = await openMetadataStore(dir)
    await a.close()
    const b = await openMetadataStore(dir)
    expect(b.clusterId).toBe(a.clusterId)
    await b.close()
    expect(createMemoryMetadataStore('MkU3OEVBNTcwNTJENDM2Qg').clusterId).toBe('MkU3OEVBNTcwNTJENDM2Qg')
  })

  it('shows a change to readers only once it is durable', async () => {
    const s = await openMetadataStore(join(root, 'vis'))
    const created = s.createTopic(topic('t', 1))
    expect(s.topic('t')).toBeUndefined()
    // ...but validation already sees it.
    expect(await codeOf(s.createTopic(topic('t', 2)))).toBe(36)
    await created
    expect(s.topic('t')?.topicId).toBe(topicIdFor(1))
    await s.close()
  })

  it('keeps the feature levels UpdateFeatures set across restarts, the newest set winning', async () => {
    const dir = join(root, 'features')
    const a = await openMetadataStore(dir)
    expect([...a.featureLevels()]).toEqual([])
    await a.setFeatureLevels(new Map([['transaction.version', 1]]))
    await a.setFeatureLevels(new Map([['transaction.version', 0]]))
    await a.close()
    const b = await openMetadataStore(dir)
    expect([...b.featureLevels()]).toEqual([['transaction.version', 0]])
    expect(await codeOf(b.setFeatureLevels(new Map([['transaction.version', 40000]])))).toBe(95)
    await b.close()
  })

  it('never reuses producer ids across restarts, skipping the unused rest of a block', async () => {
    const dir = join(root, 'pid')
    let last = -1n
    for (let restart = 0; restart < 5; restart++) {
      const s = await openMetadataStore(dir)
      for (let i = 0; i < 3; i++) {
        const id = await s.allocateProducerIds(7)
        expect(id).toBeGreaterThan(last)
        last = id + 6n
      }
      await s.close()
    }
    // Five starts, each reserving one block of 1000: ids stay within five blocks.
    expect(last).toBeLessThan(5000n)
  })

  it('behaves like the memory store under random calls and restarts (model-based)', async () => {
    type Cmd =
      | { c: 'create'; t: number; p: number }
      | { c: 'delete'; t: number }
      | { c: 'grow'; t: number; p: number }
      | { c: 'configs'; t: number; v: string }
      | { c: 'broker'; v: string }
      | { c: 'pids'; n: number }
      | { c: 'features'; v: number }
      | { c: 'group'; t: number; v: string }
      | { c: 'restart' }
    const name = (t: number) => `t${t}`
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({ c: fc.constant('create' as const), t: fc.nat(6), p: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ c: fc.constant('delete' as const), t: fc.nat(6) }),
      fc.record({ c: fc.constant('grow' as const), t: fc.nat(6), p: fc.integer({ min: 0, max: 8 }) }),
      fc.record({ c: fc.constant('configs' as const), t: fc.nat(6), v: fc.string({ maxLength: 40 }) }),
      fc.record({ c: fc.constant('broker' as const), v: fc.string({ maxLength: 40 }) }),
      fc.record({ c: fc.constant('pids' as const), n: fc.integer({ min: 1, max: 2500 }) }),
      fc.record({ c: fc.constant('features' as const), v: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ c: fc.constant('group' as const), t: fc.nat(3), v: fc.string({ maxLength: 10 }) }),
      fc.constant({ c: 'restart' as const }),
    )
    let nextId = 1000
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { maxLength: 60 }),
        fc.integer({ min: 64, max: 2048 }),
        async (cmds, threshold) => {
          const fs = new FaultFs()
          const opts = { fs, snapshotThresholdBytes: threshold }
          let disk = await openMetadataStore('/m', opts)
          const mem = createMemoryMetadataStore(disk.clusterId)
          let lastPid = -1n
          const both = async (f: (s: MetadataStore) => Promise<unknown>) => {
            const [a, b] = await Promise.allSettled([f(disk), f(mem)])
            expect(a.status).toBe(b.status)
            if (a.status === 'rejected' && b.status === 'rejected')
              expect((a.reason as KafkaError).code).toBe((b.reason as KafkaError).code)
            return a
          }
          for (const k of cmds) {
            switch (k.c) {
              case 'create': {
                const id = topicIdFor(nextId++)
                await both((s) =>
                  s.createTopic({ name: name(k.t), topicId: id, partitions: k.p, configs: {} }),
                )
                break
              }
              case 'delete':
                await both((s) => s.deleteTopic(name(k.t)))
                break
              case 'grow':
                await both((s) => s.setPartitionCount(name(k.t), k.p))
                break
              case 'configs':
                await both((s) => s.setTopicConfigs(name(k.t), { 'x.y': k.v }))
                break
              case 'broker':
                await both((s) => s.setBrokerConfigs({ [k.v || 'k']: k.v }))
                break
              case 'features':
                await both((s) => s.setFeatureLevels(new Map([['transaction.version', k.v]])))
                break
              case 'group':
                // An empty value removes the group's overrides.
                await both((s) => s.setGroupConfigs(`g${k.t}`, k.v === '' ? {} : { 'consumer.x': k.v }))
                break
              case 'pids': {
                const id = await disk.allocateProducerIds(k.n)
                expect(id).toBeGreaterThan(lastPid)
                lastPid = id + BigInt(k.n) - 1n
                break
              }
              case 'restart':
                await disk.close()
                disk = await openMetadataStore('/m', opts)
                break
            }
            expect(dump(disk)).toEqual(dump(mem))
          }
          await disk.close()
        },
      ),
      { numRuns: 60 },
    )
  })
})
