// The coordinator's log on __consumer_offsets: created compacted with its configured partition
// count, records land on Kafka's partition for their group as RecordBatch v2 with Kafka-format
// keys and values, and a fresh reader replays them in order (tombstones included).

import { describe, expect, it } from 'vitest'
import { OFFSETS_TOPIC, OffsetsTopicLog } from '../../../src/broker/group/offsets-topic.ts'
import { decodeGroupRecord, offsetsPartitionFor } from '../../../src/broker/group/records-codec.ts'
import type { GroupRecord } from '../../../src/broker/group/records.ts'
import { readRecords } from '../../../src/protocol/records/records.ts'
import { harness } from '../handlers/data-path-harness.ts'

const offset = (groupId: string, partition: number, value: bigint | null): GroupRecord => ({
  type: 'offset',
  groupId,
  topic: 't',
  partition,
  value:
    value === null
      ? null
      : { offset: value, leaderEpoch: -1, metadata: '', commitTimestamp: 5, expireTimestamp: -1 },
})

describe('__consumer_offsets as the group log', () => {
  it('creates the compacted topic, places records by group, and replays them in order', async () => {
    const h = await harness()
    const log = new OffsetsTopicLog(h.services.topics, h.clock)
    await log.init(3, 104857600)
    const topic = h.services.topics.get(OFFSETS_TOPIC)
    expect(topic?.partitions).toBe(3)
    expect(topic?.configs['cleanup.policy']).toBe('compact')
    expect(h.services.topics.isInternal(OFFSETS_TOPIC)).toBe(true)

    const groups = ['alpha', 'beta', 'gamma', 'delta']
    await log.append([offset('alpha', 0, 1n), offset('beta', 0, 2n), offset('gamma', 0, 3n)])
    await log.append([offset('alpha', 0, 4n), offset('delta', 1, 9n), offset('beta', 0, null)])

    // Each group's records sit in its Kafka partition, in the bytes Kafka writes.
    for (const g of groups) {
      const p = offsetsPartitionFor(g, 3)
      const read = await h.services.topics.partition(OFFSETS_TOPIC, p)?.read(0n, 1 << 20)
      const decoded = (read?.records ?? [])
        .flatMap((b) => readRecords(b))
        .map((r) => decodeGroupRecord(r.key as Buffer, r.value))
      expect(decoded.some((r) => r?.groupId === g)).toBe(true)
      expect(decoded.every((r) => offsetsPartitionFor(r?.groupId ?? '', 3) === p)).toBe(true)
    }

    const replayed: GroupRecord[] = []
    const reader = new OffsetsTopicLog(h.services.topics, h.clock)
    await reader.init(3, 104857600)
    await reader.replay((r) => replayed.push(r))
    expect(replayed).toHaveLength(6)
    const alpha = replayed.filter((r) => r.groupId === 'alpha')
    expect(alpha.map((r) => (r.type === 'offset' ? r.value?.offset : undefined))).toEqual([1n, 4n])
    expect(
      replayed.find((r) => r.groupId === 'beta' && r.type === 'offset' && r.value === null),
    ).toBeDefined()
  })

  it('keeps the partition count of an existing topic', async () => {
    const h = await harness()
    await new OffsetsTopicLog(h.services.topics, h.clock).init(2, 104857600)
    const again = new OffsetsTopicLog(h.services.topics, h.clock)
    await again.init(7, 104857600)
    await again.append([offset('x', 0, 1n)])
    expect(h.services.topics.get(OFFSETS_TOPIC)?.partitions).toBe(2)
  })
})
