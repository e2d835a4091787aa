import { describe, expect, it } from 'vitest'
import produce from '../../../src/broker/handlers/00-produce.ts'
import listOffsets from '../../../src/broker/handlers/02-list-offsets.ts'
import deleteRecords from '../../../src/broker/handlers/21-delete-records.ts'
import offsetForLeaderEpoch from '../../../src/broker/handlers/23-offset-for-leader-epoch.ts'
import { NO_RESPONSE } from '../../../src/broker/registry.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { batch, harness, type Harness } from './data-path-harness.ts'

async function produceAt(
  h: Harness,
  topic: string,
  records: Array<{ value: string; timestamp: bigint }>,
): Promise<void> {
  const res = await h.call(produce, 9, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch(records) }] }],
  })
  if (res === NO_RESPONSE || res.responses[0]!.partitionResponses[0]!.errorCode !== 0)
    throw new Error('produce')
}

async function list(
  h: Harness,
  version: number,
  timestamp: bigint,
  extra: object = {},
  partition = 0,
  topic = 't',
) {
  const res = await h.call(listOffsets, version, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp, currentLeaderEpoch: -1 }] }],
    timeoutMs: 1000,
    ...extra,
  })
  if (res === NO_RESPONSE) throw new Error('no response')
  return res.topics[0]!.partitions[0]!
}

describe('ListOffsets', () => {
  it('answers earliest, latest, max timestamp and by timestamp', async () => {
    const h = await harness()
    await h.createTopic('t')
    const now = BigInt(h.clock.now())
    await produceAt(h, 't', [
      { value: 'a', timestamp: now - 3000n },
      { value: 'b', timestamp: now - 1000n },
    ])
    await produceAt(h, 't', [
      { value: 'c', timestamp: now - 2000n },
      { value: 'd', timestamp: now - 500n },
    ])
    expect(await list(h, 1, -2n)).toMatchObject({ errorCode: 0, offset: 0n, timestamp: -1n })
    expect(await list(h, 4, -1n)).toMatchObject({ errorCode: 0, offset: 4n, leaderEpoch: 0 })
    expect(await list(h, 8, -4n)).toMatchObject({ offset: 0n })
    expect(await list(h, 7, -3n)).toMatchObject({ errorCode: 0, offset: 3n, timestamp: now - 500n })
    expect(await list(h, 9, now - 1500n)).toMatchObject({ offset: 1n, timestamp: now - 1000n })
    expect(await list(h, 11, now - 2500n)).toMatchObject({ offset: 1n })
    expect(await list(h, 2, now)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n })
    expect(await list(h, 9, -5n)).toMatchObject({ errorCode: 0, offset: -1n, leaderEpoch: -1 })
  })

  it('gates special timestamps by version and checks partitions and epochs', async () => {
    const h = await harness()
    await h.createTopic('t')
    expect((await list(h, 6, -3n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION)
    expect((await list(h, 7, -4n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION)
    expect((await list(h, 10, -6n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION)
    expect((await list(h, 11, -6n)).errorCode).toBe(ErrorCode.NONE)
    expect((await list(h, 5, -1n, {}, 3)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect((await list(h, 5, -1n, {}, 0, 'nope')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const fenced = await h.call(listOffsets, 5, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: 2 }] }],
    })
    if (fenced === NO_RESPONSE) throw new Error()
    expect(fenced.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH)
    const dup = await h.call(listOffsets, 5, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, timestamp: -1n },
            { partitionIndex: 0, timestamp: -2n },
          ],
        },
      ],
    })
    if (dup === NO_RESPONSE) throw new Error()
    expect(dup.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ])
  })

  it('answers latest under read_committed with the last stable offset', async () => {
    const h = await harness()
    await h.createTopic('t')
    const now = BigInt(h.clock.now())
    await produceAt(h, 't', [{ value: 'a', timestamp: now }])
    await produceAt(h, 't', [{ value: 'b', timestamp: now + 1n }])
    h.services.topics.partition('t', 0)!.setFirstUnstableOffset(1n)
    expect((await list(h, 2, -1n, { isolationLevel: 1 })).offset).toBe(1n)
    expect((await list(h, 2, -1n, { isolationLevel: 0 })).offset).toBe(2n)
    // A timestamp match at or past the last stable offset is not visible yet.
    expect((await list(h, 2, now, { isolationLevel: 1 })).offset).toBe(0n)
    expect((await list(h, 7, -3n, { isolationLevel: 1 })).offset).toBe(-1n)
  })
})

describe('DeleteRecords', () => {
  async function del(h: Harness, offset: bigint, topic = 't', partition = 0, version = 2) {
    const res = await h.call(deleteRecords, version, {
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }],
      timeoutMs: 1000,
    })
    if (res === NO_RESPONSE) throw new Error()
    return res.topics[0]!.partitions[0]!
  }

  it('moves the log start offset, -1 meaning the high watermark', async () => {
    const h = await harness()
    await h.createTopic('t')
    const now = BigInt(h.clock.now())
    await produceAt(h, 't', [
      { value: 'a', timestamp: now },
      { value: 'b', timestamp: now },
      { value: 'c', timestamp: now },
    ])
    expect(await del(h, 2n, 't', 0, 0)).toMatchObject({ errorCode: 0, lowWatermark: 2n })
    expect((await list(h, 1, -2n)).offset).toBe(2n)
    expect(await del(h, 1n)).toMatchObject({ errorCode: 0, lowWatermark: 2n })
    expect(await del(h, 4n)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n })
    expect(await del(h, -1n)).toMatchObject({ errorCode: 0, lowWatermark: 3n })
    expect((await del(h, 0n, 'nope')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('refuses compact-only topics with POLICY_VIOLATION', async () => {
    const h = await harness()
    await h.createTopic('c', 1, { 'cleanup.policy': 'compact' })
    expect((await del(h, 0n, 'c')).errorCode).toBe(ErrorCode.POLICY_VIOLATION)
  })
})

describe('OffsetForLeaderEpoch', () => {
  it('ends the current epoch at the log end offset; unknown epochs are -1', async () => {
    const h = await harness()
    await h.createTopic('t')
    await produceAt(h, 't', [{ value: 'a', timestamp: BigInt(h.clock.now()) }])
    for (const v of [0, 2, 3, 4]) {
      const res = await h.call(offsetForLeaderEpoch, v, {
        replicaId: -1,
        topics: [
          {
            topic: 't',
            partitions: [
              { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 },
              { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 7 },
              { partition: 4, currentLeaderEpoch: -1, leaderEpoch: 0 },
            ],
          },
        ],
      })
      if (res === NO_RESPONSE) throw new Error()
      const [cur, future, missing] = res.topics[0]!.partitions
      expect(cur).toMatchObject({ errorCode: 0, endOffset: 1n, leaderEpoch: v >= 1 ? 0 : -1 })
      expect(future).toMatchObject({ errorCode: 0, endOffset: -1n })
      expect(missing!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    }
    const fenced = await h.call(offsetForLeaderEpoch, 2, {
      topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 0 }] }],
    })
    if (fenced === NO_RESPONSE) throw new Error()
    expect(fenced.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH)
  })
})
