// Record schemas of the __consumer_offsets topic (the group coordinator's log).
//
// Storage format (each record of a batch in __consumer_offsets):
//   key   = int16 key version, then the key struct at that version. The key version is the record
//           type: 0-1 OffsetCommit, 2 GroupMetadata, 3-8 the KIP-848 ConsumerGroup* records.
//   value = int16 value version, then the value struct at that version; a null value is a tombstone
//           that deletes the key.
// The reference coordinator (4.0) writes OffsetCommitKey 1, OffsetCommitValue 3 (1 when the commit
// carries an explicit expire timestamp), GroupMetadataKey 2 and GroupMetadataValue 3; the KIP-848
// values are written at 0 (flexible). Readers must accept every declared version.
// Share-group records (types 9-15, KIP-932) are not declared: Samsa has no share groups.
//
// Facts from shared/kafka-protocol/internal/group-coordinator/ (pre-4.0 snapshot), plus the
// OffsetCommitValue topic id tag added in Kafka 4.x.

import { f, message, struct } from '../dsl.ts'

/** Key versions (record types) of __consumer_offsets records. */
export const ConsumerOffsetsRecordType = {
  OffsetCommitLegacy: 0,
  OffsetCommit: 1,
  GroupMetadata: 2,
  ConsumerGroupMetadata: 3,
  ConsumerGroupPartitionMetadata: 4,
  ConsumerGroupMemberMetadata: 5,
  ConsumerGroupTargetAssignmentMetadata: 6,
  ConsumerGroupTargetAssignmentMember: 7,
  ConsumerGroupCurrentMemberAssignment: 8,
} as const
export type ConsumerOffsetsRecordType =
  (typeof ConsumerOffsetsRecordType)[keyof typeof ConsumerOffsetsRecordType]

// ---------------------------------------------------------------------------------------------
// Classic groups and committed offsets

/** Types 0 and 1: a committed offset of one partition (the two key versions are identical). */
export const OffsetCommitKey = message('OffsetCommitKey', '0-1', 'none', {
  group: f.string().versions('0-1').entity('groupId'),
  topic: f.string().versions('0-1').entity('topicName'),
  partition: f.int32().versions('0-1'),
})

// v1 alone carries an expire timestamp (OffsetCommit v2-4 retention, removed by KIP-211); v3 adds the
// leader epoch; v4 is the first flexible version (KIP-915: later changes only as tagged fields).
export const OffsetCommitValue = message('OffsetCommitValue', '0-4', '4+', {
  offset: f.int64(),
  leaderEpoch: f.int32().versions('3+').default(-1).ignorable(),
  metadata: f.string(),
  commitTimestamp: f.int64(),
  expireTimestamp: f.int64().versions('1').default(-1n).ignorable(),
  // Kafka 4.x: the topic id of the committed partition, when the commit named the topic by id.
  topicId: f.uuid().versions('4+').tag(0, '4+').ignorable(),
})

/** Type 2: the state of a classic (JoinGroup/SyncGroup) group. */
export const GroupMetadataKey = message('GroupMetadataKey', '2', 'none', {
  group: f.string().versions('2').entity('groupId'),
})

// v1 adds the rebalance timeout, v2 the state timestamp, v3 static membership; v4 is the first
// flexible version. `subscription`/`assignment` hold the members' protocol metadata as sent in
// JoinGroup/SyncGroup (for "consumer" groups: ConsumerProtocolSubscription/Assignment).
export const GroupMetadataValue = message('GroupMetadataValue', '0-4', '4+', {
  protocolType: f.string(),
  generation: f.int32(),
  protocol: f.string().nullable('0+'),
  leader: f.string().nullable('0+'),
  currentStateTimestamp: f.int64().versions('2+').default(-1n).ignorable(),
  members: f.array(
    struct('MemberMetadata', {
      memberId: f.string(),
      groupInstanceId: f.string().versions('3+').nullable('3+').default(null).ignorable(),
      clientId: f.string(),
      clientHost: f.string(),
      rebalanceTimeout: f.int32().versions('1+').default(-1).ignorable(),
      sessionTimeout: f.int32(),
      subscription: f.bytes(),
      assignment: f.bytes(),
    }),
  ),
})

// ---------------------------------------------------------------------------------------------
// KIP-848 consumer groups. Keys are never flexible; values are flexible from v0.

/** Type 3: the group epoch. */
export const ConsumerGroupMetadataKey = message('ConsumerGroupMetadataKey', '3', 'none', {
  groupId: f.string().versions('3').entity('groupId'),
})

export const ConsumerGroupMetadataValue = message('ConsumerGroupMetadataValue', '0', '0+', {
  epoch: f.int32(),
})

/** Type 4: metadata of the topics the group subscribes to (deprecated upstream after 4.0). */
export const ConsumerGroupPartitionMetadataKey = message('ConsumerGroupPartitionMetadataKey', '4', 'none', {
  groupId: f.string().versions('4').entity('groupId'),
})

export const ConsumerGroupPartitionMetadataValue = message('ConsumerGroupPartitionMetadataValue', '0', '0+', {
  topics: f.array(
    struct('TopicMetadata', {
      topicId: f.uuid(),
      topicName: f.string().entity('topicName'),
      numPartitions: f.int32(),
      // Unused since Kafka 4.0; written empty.
      partitionMetadata: f.array(
        struct('PartitionMetadata', {
          partition: f.int32(),
          racks: f.array(f.string()),
        }),
      ),
    }),
  ),
})

/** Type 5: a member's subscription and client details. */
export const ConsumerGroupMemberMetadataKey = message('ConsumerGroupMemberMetadataKey', '5', 'none', {
  groupId: f.string().versions('5').entity('groupId'),
  memberId: f.string().versions('5'),
})

export const ConsumerGroupMemberMetadataValue = message('ConsumerGroupMemberMetadataValue', '0', '0+', {
  instanceId: f.string().nullable('0+'),
  rackId: f.string().nullable('0+'),
  clientId: f.string(),
  clientHost: f.string(),
  subscribedTopicNames: f.array(f.string()).entity('topicName'),
  subscribedTopicRegex: f.string().nullable('0+'),
  rebalanceTimeoutMs: f.int32().default(-1),
  serverAssignor: f.string().nullable('0+'),
  // Present for members that joined a consumer group through the classic protocol (KIP-848 upgrade path).
  classicMemberMetadata: f
    .struct(
      struct('ClassicMemberMetadata', {
        sessionTimeoutMs: f.int32(),
        supportedProtocols: f.array(
          struct('ClassicProtocol', {
            name: f.string(),
            metadata: f.bytes(),
          }),
        ),
      }),
    )
    .nullable('0+')
    .default(null)
    .tag(0, '0+'),
})

const TopicPartitions = struct('TopicPartitions', {
  topicId: f.uuid(),
  partitions: f.array(f.int32()),
})

/** Type 6: the epoch of the group's target assignment. */
export const ConsumerGroupTargetAssignmentMetadataKey = message(
  'ConsumerGroupTargetAssignmentMetadataKey',
  '6',
  'none',
  { groupId: f.string().versions('6').entity('groupId') },
)

export const ConsumerGroupTargetAssignmentMetadataValue = message(
  'ConsumerGroupTargetAssignmentMetadataValue',
  '0',
  '0+',
  { assignmentEpoch: f.int32() },
)

/** Type 7: one member's target assignment. */
export const ConsumerGroupTargetAssignmentMemberKey = message(
  'ConsumerGroupTargetAssignmentMemberKey',
  '7',
  'none',
  {
    groupId: f.string().versions('7').entity('groupId'),
    memberId: f.string().versions('7'),
  },
)

export const ConsumerGroupTargetAssignmentMemberValue = message(
  'ConsumerGroupTargetAssignmentMemberValue',
  '0',
  '0+',
  { topicPartitions: f.array(TopicPartitions) },
)

/** Type 8: one member's current assignment and reconciliation state. */
export const ConsumerGroupCurrentMemberAssignmentKey = message(
  'ConsumerGroupCurrentMemberAssignmentKey',
  '8',
  'none',
  {
    groupId: f.string().versions('8').entity('groupId'),
    memberId: f.string().versions('8'),
  },
)

export const ConsumerGroupCurrentMemberAssignmentValue = message(
  'ConsumerGroupCurrentMemberAssignmentValue',
  '0',
  '0+',
  {
    memberEpoch: f.int32(),
    previousMemberEpoch: f.int32(),
    // The member's reconciliation state (the coordinator's MemberState ids).
    state: f.int8(),
    assignedPartitions: f.array(TopicPartitions),
    partitionsPendingRevocation: f.array(TopicPartitions),
  },
)

/** Every __consumer_offsets message, keys and values, in record-type order. */
export const CONSUMER_OFFSETS_MESSAGES = [
  OffsetCommitKey,
  OffsetCommitValue,
  GroupMetadataKey,
  GroupMetadataValue,
  ConsumerGroupMetadataKey,
  ConsumerGroupMetadataValue,
  ConsumerGroupPartitionMetadataKey,
  ConsumerGroupPartitionMetadataValue,
  ConsumerGroupMemberMetadataKey,
  ConsumerGroupMemberMetadataValue,
  ConsumerGroupTargetAssignmentMetadataKey,
  ConsumerGroupTargetAssignmentMetadataValue,
  ConsumerGroupTargetAssignmentMemberKey,
  ConsumerGroupTargetAssignmentMemberValue,
  ConsumerGroupCurrentMemberAssignmentKey,
  ConsumerGroupCurrentMemberAssignmentValue,
] as const
