import { describe, expect, it } from 'vitest'
import {
  decodeGroupRecord,
  encodeGroupRecord,
  offsetsPartitionFor,
} from '../../../src/broker/group/records-codec.ts'
import type { GroupRecord } from '../../../src/broker/group/records.ts'

const uuid = Buffer.alloc(16, 7).toString('base64url')

const samples: GroupRecord[] = [
  {
    type: 'offset',
    groupId: 'g',
    topic: 't',
    partition: 3,
    value: { offset: 42n, leaderEpoch: 5, metadata: 'md', commitTimestamp: 1000, expireTimestamp: -1 },
  },
  {
    type: 'offset',
    groupId: 'g',
    topic: 't',
    partition: 3,
    value: { offset: 42n, leaderEpoch: -1, metadata: '', commitTimestamp: 1000, expireTimestamp: 9000 },
  },
  { type: 'offset', groupId: 'g', topic: 't', partition: 3, value: null },
  {
    type: 'group-metadata',
    groupId: 'g',
    value: {
      protocolType: 'consumer',
      generation: 4,
      protocol: 'range',
      leader: 'm1',
      currentStateTimestamp: 77,
      members: [
        {
          memberId: 'm1',
          groupInstanceId: 'i1',
          clientId: 'c',
          clientHost: '/1.2.3.4',
          rebalanceTimeoutMs: 300000,
          sessionTimeoutMs: 45000,
          subscription: Buffer.from([1, 2]),
          assignment: Buffer.from([3]),
        },
      ],
    },
  },
  { type: 'group-metadata', groupId: 'g', value: null },
  { type: 'consumer-metadata', groupId: 'g', value: { epoch: 9 } },
  {
    type: 'consumer-partition-metadata',
    groupId: 'g',
    value: { topics: [{ topicId: uuid, topicName: 't', numPartitions: 6 }] },
  },
  {
    type: 'consumer-member',
    groupId: 'g',
    memberId: 'm',
    value: {
      instanceId: null,
      rackId: 'r',
      clientId: 'c',
      clientHost: 'h',
      subscribedTopicNames: ['a', 'b'],
      subscribedTopicRegex: null,
      rebalanceTimeoutMs: 1,
      serverAssignor: 'uniform',
      classicMemberMetadata: null,
    },
  },
  {
    type: 'consumer-member',
    groupId: 'g',
    memberId: 'classic-m',
    value: {
      instanceId: 'i',
      rackId: null,
      clientId: 'c',
      clientHost: 'h',
      subscribedTopicNames: ['a'],
      subscribedTopicRegex: null,
      rebalanceTimeoutMs: 30000,
      serverAssignor: null,
      classicMemberMetadata: {
        sessionTimeoutMs: 10000,
        supportedProtocols: [
          { name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0, 255, 255, 255, 255]) },
          { name: 'roundrobin', metadata: Buffer.from([0, 1]) },
        ],
      },
    },
  },
  { type: 'consumer-target-metadata', groupId: 'g', value: { assignmentEpoch: 3 } },
  {
    type: 'consumer-target-member',
    groupId: 'g',
    memberId: 'm',
    value: { partitions: new Map([[uuid, [0, 2]]]) },
  },
  {
    type: 'consumer-current',
    groupId: 'g',
    memberId: 'm',
    value: {
      memberEpoch: 3,
      previousMemberEpoch: 2,
      state: 1,
      assigned: new Map([[uuid, [1]]]),
      pendingRevocation: new Map([[uuid, [4]]]),
    },
  },
  { type: 'consumer-current', groupId: 'g', memberId: 'm', value: null },
]

describe('__consumer_offsets record codec', () => {
  it('round-trips every record type', () => {
    for (const r of samples) {
      const { key, value } = encodeGroupRecord(r)
      expect(decodeGroupRecord(key, value)).toEqual(r)
    }
  })

  it('writes Kafka’s own byte layout (OffsetCommitKey v1, OffsetCommitValue v3)', () => {
    const { key, value } = encodeGroupRecord(samples[0] as GroupRecord)
    // key: int16 1 | string "g" | string "t" | int32 3
    expect(key.toString('hex')).toBe('0001' + '000167' + '000174' + '00000003')
    // value: int16 3 | int64 42 | int32 5 | string "md" | int64 1000
    expect(value?.toString('hex')).toBe(
      '0003' + '000000000000002a' + '00000005' + '00026d64' + '00000000000003e8',
    )
    // With an expire timestamp the reference writes value v1: offset, metadata, commit, expire.
    const v1 = encodeGroupRecord(samples[1] as GroupRecord).value
    expect(v1?.toString('hex')).toBe(
      '0001' + '000000000000002a' + '0000' + '00000000000003e8' + '0000000000002328',
    )
  })

  it('skips record types it does not know (share groups) and rejects truncated bytes', () => {
    expect(decodeGroupRecord(Buffer.from([0, 9, 0, 1, 0x67]), null)).toBeUndefined()
    expect(() => decodeGroupRecord(Buffer.from([0, 1, 0, 5]), null)).toThrow()
  })

  it('places groups like Kafka: abs(String.hashCode) % partitions', () => {
    expect(offsetsPartitionFor('', 50)).toBe(0)
    expect(offsetsPartitionFor('a', 50)).toBe(97 % 50)
    expect(offsetsPartitionFor('ab', 50)).toBe(3105 % 50)
    // "polygenelubricants".hashCode() == Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0)
    // A negative hash: "my-group-12345" style ids still land in range.
    for (const g of ['group-x', 'console-consumer-1234', 'ü-group'])
      expect(offsetsPartitionFor(g, 7)).toBeGreaterThanOrEqual(0)
  })
})
