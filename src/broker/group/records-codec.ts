// GroupRecord ↔ the key/value bytes of a __consumer_offsets record, in Kafka's own formats (the
// generated codecs of src/protocol/schema/records/consumer-offsets.ts).
//
//   key   = int16 key version (= record type) + key struct
//   value = int16 value version + value struct; null = tombstone
//
// Versions written are the reference coordinator's (4.0): OffsetCommitKey 1 with OffsetCommitValue 3
// (1 when the commit carries an explicit expire timestamp), GroupMetadataKey 2 with
// GroupMetadataValue 3, KIP-848 keys 3-8 with values at 0. Every declared value version is read.
// Records of types this broker does not know (share groups, 9-15) decode to undefined and are
// skipped on replay, as an older Kafka would.

import {
  decodeConsumerGroupCurrentMemberAssignmentKey,
  decodeConsumerGroupCurrentMemberAssignmentValue,
  decodeConsumerGroupMemberMetadataKey,
  decodeConsumerGroupMemberMetadataValue,
  decodeConsumerGroupMetadataKey,
  decodeConsumerGroupMetadataValue,
  decodeConsumerGroupPartitionMetadataKey,
  decodeConsumerGroupPartitionMetadataValue,
  decodeConsumerGroupTargetAssignmentMemberKey,
  decodeConsumerGroupTargetAssignmentMemberValue,
  decodeConsumerGroupTargetAssignmentMetadataKey,
  decodeConsumerGroupTargetAssignmentMetadataValue,
  decodeGroupMetadataKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeConsumerGroupCurrentMemberAssignmentKey,
  encodeConsumerGroupCurrentMemberAssignmentValue,
  encodeConsumerGroupMemberMetadataKey,
  encodeConsumerGroupMemberMetadataValue,
  encodeConsumerGroupMetadataKey,
  encodeConsumerGroupMetadataValue,
  encodeConsumerGroupPartitionMetadataKey,
  encodeConsumerGroupPartitionMetadataValue,
  encodeConsumerGroupTargetAssignmentMemberKey,
  encodeConsumerGroupTargetAssignmentMemberValue,
  encodeConsumerGroupTargetAssignmentMetadataKey,
  encodeConsumerGroupTargetAssignmentMetadataValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from '../../protocol/generated/index.ts'
import { Reader } from '../../protocol/primitives/reader.ts'
import { Writer } from '../../protocol/primitives/writer.ts'
import type { GroupRecord, TopicPartitionsById } from './records.ts'

export interface EncodedRecord {
  key: Buffer
  value: Buffer | null
}

function framed(version: number, body: (w: Writer) => void): Buffer {
  const w = new Writer(64)
  w.int16(version)
  body(w)
  return w.toBuffer()
}

const toList = (m: TopicPartitionsById): Array<{ topicId: string; partitions: number[] }> =>
  [...m].map(([topicId, partitions]) => ({ topicId, partitions }))
const toMap = (l: ReadonlyArray<{ topicId: string; partitions: number[] }>): TopicPartitionsById =>
  new Map(l.map((t) => [t.topicId, [...t.partitions]]))

/** A key with its value framed at `version`, or a tombstone for a null value. */
function keyed<V>(
  key: Buffer,
  value: V | null,
  version: number,
  body: (w: Writer, v: V) => void,
): EncodedRecord {
  return { key, value: value === null ? null : framed(version, (w) => body(w, value)) }
}

export function encodeGroupRecord(r: GroupRecord): EncodedRecord {
  switch (r.type) {
    case 'offset': {
      const key = framed(1, (w) =>
        encodeOffsetCommitKey(w, 1, { group: r.groupId, topic: r.topic, partition: r.partition }),
      )
      const version = r.value !== null && r.value.expireTimestamp !== -1 ? 1 : 3
      return keyed(key, r.value, version, (w, v) =>
        encodeOffsetCommitValue(w, version, {
          offset: v.offset,
          leaderEpoch: v.leaderEpoch,
          metadata: v.metadata,
          commitTimestamp: BigInt(v.commitTimestamp),
          expireTimestamp: BigInt(v.expireTimestamp),
        }),
      )
    }
    case 'group-metadata':
      return keyed(
        framed(2, (w) => encodeGroupMetadataKey(w, 2, { group: r.groupId })),
        r.value,
        3,
        (w, v) =>
          encodeGroupMetadataValue(w, 3, {
            protocolType: v.protocolType,
            generation: v.generation,
            protocol: v.protocol,
            leader: v.leader,
            currentStateTimestamp: BigInt(v.currentStateTimestamp),
            members: v.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              rebalanceTimeout: m.rebalanceTimeoutMs,
              sessionTimeout: m.sessionTimeoutMs,
              subscription: m.subscription,
              assignment: m.assignment,
            })),
          }),
      )
    case 'consumer-metadata':
      return keyed(
        framed(3, (w) => encodeConsumerGroupMetadataKey(w, 3, { groupId: r.groupId })),
        r.value,
        0,
        (w, v) => encodeConsumerGroupMetadataValue(w, 0, { epoch: v.epoch }),
      )
    case 'consumer-partition-metadata':
      return keyed(
        framed(4, (w) => encodeConsumerGroupPartitionMetadataKey(w, 4, { groupId: r.groupId })),
        r.value,
        0,
        (w, v) =>
          encodeConsumerGroupPartitionMetadataValue(w, 0, {
            topics: v.topics.map((t) => ({
              topicId: t.topicId,
              topicName: t.topicName,
              numPartitions: t.numPartitions,
              partitionMetadata: [],
            })),
          }),
      )
    case 'consumer-member':
      return keyed(
        framed(5, (w) =>
          encodeConsumerGroupMemberMetadataKey(w, 5, { groupId: r.groupId, memberId: r.memberId }),
        ),
        r.value,
        0,
        (w, v) => encodeConsumerGroupMemberMetadataValue(w, 0, v),
      )
    case 'consumer-target-metadata':
      return keyed(
        framed(6, (w) => encodeConsumerGroupTargetAssignmentMetadataKey(w, 6, { groupId: r.groupId })),
        r.value,
        0,
        (w, v) =>
          encodeConsumerGroupTargetAssignmentMetadataValue(w, 0, { assignmentEpoch: v.assignmentEpoch }),
      )
    case 'consumer-target-member':
      return keyed(
        framed(7, (w) =>
          encodeConsumerGroupTargetAssignmentMemberKey(w, 7, { groupId: r.groupId, memberId: r.memberId }),
        ),
        r.value,
        0,
        (w, v) =>
          encodeConsumerGroupTargetAssignmentMemberValue(w, 0, { topicPartitions: toList(v.partitions) }),
      )
    case 'consumer-current':
      return keyed(
        framed(8, (w) =>
          encodeConsumerGroupCurrentMemberAssignmentKey(w, 8, { groupId: r.groupId, memberId: r.memberId }),
        ),
        r.value,
        0,
        (w, v) =>
          encodeConsumerGroupCurrentMemberAssignmentValue(w, 0, {
            memberEpoch: v.memberEpoch,
            previousMemberEpoch: v.previousMemberEpoch,
            state: v.state,
            assignedPartitions: toList(v.assigned),
            partitionsPendingRevocation: toList(v.pendingRevocation),
          }),
      )
  }
}

/** Decodes one record; undefined for record types this broker does not keep. Throws on bad bytes. */
export function decodeGroupRecord(key: Buffer, value: Buffer | null): GroupRecord | undefined {
  const kr = new Reader(key)
  const type = kr.int16()
  const vr = value === null ? undefined : new Reader(value)
  const vv = vr === undefined ? -1 : vr.int16()
  // The value read by `read` at its version, or null for a tombstone.
  const valueOf = <V>(read: (r: Reader, version: number) => V): V | null =>
    vr === undefined ? null : read(vr, vv)
  switch (type) {
    case 0:
    case 1: {
      const k = decodeOffsetCommitKey(kr, type)
      return {
        type: 'offset',
        groupId: k.group,
        topic: k.topic,
        partition: k.partition,
        value: valueOf((r, version) => {
          const v = decodeOffsetCommitValue(r, version)
          return {
            offset: v.offset,
            leaderEpoch: v.leaderEpoch,
            metadata: v.metadata,
            commitTimestamp: Number(v.commitTimestamp),
            expireTimestamp: Number(v.expireTimestamp),
          }
        }),
      }
    }
    case 2: {
      const k = decodeGroupMetadataKey(kr, 2)
      return {
        type: 'group-metadata',
        groupId: k.group,
        value: valueOf((r, version) => {
          const v = decodeGroupMetadataValue(r, version)
          return {
            protocolType: v.protocolType,
            generation: v.generation,
            protocol: v.protocol,
            leader: v.leader,
            currentStateTimestamp: Number(v.currentStateTimestamp),
            members: v.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              // Values before v1 had no rebalance timeout: the session timeout stood in for it.
              rebalanceTimeoutMs: m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout,
              sessionTimeoutMs: m.sessionTimeout,
              subscription: m.subscription,
              assignment: m.assignment,
            })),
          }
        }),
      }
    }
    case 3: {
      const k = decodeConsumerGroupMetadataKey(kr, 3)
      return {
        type: 'consumer-metadata',
        groupId: k.groupId,
        value: valueOf((r, version) => ({ epoch: decodeConsumerGroupMetadataValue(r, version).epoch })),
      }
    }
    case 4: {
      const k = decodeConsumerGroupPartitionMetadataKey(kr, 4)
      return {
        type: 'consumer-partition-metadata',
        groupId: k.groupId,
        value: valueOf((r, version) => ({
          topics: decodeConsumerGroupPartitionMetadataValue(r, version).topics.map((t) => ({
            topicId: t.topicId,
            topicName: t.topicName,
            numPartitions: t.numPartitions,
          })),
        })),
      }
    }
    case 5: {
      const k = decodeConsumerGroupMemberMetadataKey(kr, 5)
      return {
        type: 'consumer-member',
        groupId: k.groupId,
        memberId: k.memberId,
        value: valueOf((r, version) => {
          const v = decodeConsumerGroupMemberMetadataValue(r, version)
          return {
            instanceId: v.instanceId,
            rackId: v.rackId,
            clientId: v.clientId,
            clientHost: v.clientHost,
            subscribedTopicNames: v.subscribedTopicNames,
            subscribedTopicRegex: v.subscribedTopicRegex,
            rebalanceTimeoutMs: v.rebalanceTimeoutMs,
            serverAssignor: v.serverAssignor,
            classicMemberMetadata:
              v.classicMemberMetadata === null
                ? null
                : {
                    sessionTimeoutMs: v.classicMemberMetadata.sessionTimeoutMs,
                    supportedProtocols: v.classicMemberMetadata.supportedProtocols.map((p) => ({
                      name: p.name,
                      metadata: p.metadata,
                    })),
                  },
          }
        }),
      }
    }
    case 6: {
      const k = decodeConsumerGroupTargetAssignmentMetadataKey(kr, 6)
      return {
        type: 'consumer-target-metadata',
        groupId: k.groupId,
        value: valueOf((r, version) => ({
          assignmentEpoch: decodeConsumerGroupTargetAssignmentMetadataValue(r, version).assignmentEpoch,
        })),
      }
    }
    case 7: {
      const k = decodeConsumerGroupTargetAssignmentMemberKey(kr, 7)
      return {
        type: 'consumer-target-member',
        groupId: k.groupId,
        memberId: k.memberId,
        value: valueOf((r, version) => ({
          partitions: toMap(decodeConsumerGroupTargetAssignmentMemberValue(r, version).topicPartitions),
        })),
      }
    }
    case 8: {
      const k = decodeConsumerGroupCurrentMemberAssignmentKey(kr, 8)
      return {
        type: 'consumer-current',
        groupId: k.groupId,
        memberId: k.memberId,
        value: valueOf((r, version) => {
          const v = decodeConsumerGroupCurrentMemberAssignmentValue(r, version)
          return {
            memberEpoch: v.memberEpoch,
            previousMemberEpoch: v.previousMemberEpoch,
            state: v.state,
            assigned: toMap(v.assignedPartitions),
            pendingRevocation: toMap(v.partitionsPendingRevocation),
          }
        }),
      }
    }
    default:
      return undefined
  }
}

/**
 * Kafka's partition for a group: abs(Java String.hashCode(groupId)) % partitions, with
 * abs(Integer.MIN_VALUE) taken as 0 (Utils.abs). Java hashes UTF-16 code units, as JS strings are.
 */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  let h = 0
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(h, 31) + groupId.charCodeAt(i)) | 0
  const abs = h === -2147483648 ? 0 : Math.abs(h)
  return abs % partitions
}
