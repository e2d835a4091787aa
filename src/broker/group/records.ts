// The records the group coordinator writes to __consumer_offsets, as typed values. Each maps 1:1
// onto one of Kafka's own key/value pairs (record type = key version, see records-codec.ts for the
// bytes); `value: null` is a tombstone. Replaying these in log order rebuilds every group.
//
//   type 0/1 OffsetCommit                          (group, topic, partition) → offset
//   type 2   GroupMetadata                         (group) → classic group generation + members
//   type 3   ConsumerGroupMetadata                 (group) → group epoch
//   type 4   ConsumerGroupPartitionMetadata        (group) → subscribed topics' metadata
//   type 5   ConsumerGroupMemberMetadata           (group, member) → subscription
//   type 6   ConsumerGroupTargetAssignmentMetadata (group) → assignment epoch
//   type 7   ConsumerGroupTargetAssignmentMember   (group, member) → target partitions
//   type 8   ConsumerGroupCurrentMemberAssignment  (group, member) → epochs, state, owned/pending

export interface OffsetAndMetadata {
  offset: bigint
  /** -1 when unknown. */
  leaderEpoch: number
  metadata: string
  commitTimestamp: number
  /** Explicit expiry (OffsetCommit v2-4 retention time), else -1. */
  expireTimestamp: number
}

export interface ClassicMemberRecord {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  /** The member's metadata for the selected protocol. */
  subscription: Buffer
  assignment: Buffer
}

export interface GroupMetadataValue {
  protocolType: string
  generation: number
  protocol: string | null
  leader: string | null
  currentStateTimestamp: number
  members: ClassicMemberRecord[]
}

/** topicId (base64url uuid) → partitions. */
export type TopicPartitionsById = Map<string, number[]>

/** ConsumerGroupMemberMetadataValue.ClassicMemberMetadata: a classic member of a consumer group. */
export interface ClassicMemberMetadata {
  sessionTimeoutMs: number
  /** The JoinGroup protocols, in the member's preference order. */
  supportedProtocols: Array<{ name: string; metadata: Buffer }>
}

export interface ConsumerMemberMetadataValue {
  instanceId: string | null
  rackId: string | null
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  subscribedTopicRegex: string | null
  rebalanceTimeoutMs: number
  serverAssignor: string | null
  /** Tagged field 0: null for members of the consumer protocol. */
  classicMemberMetadata: ClassicMemberMetadata | null
}

export interface ConsumerCurrentAssignmentValue {
  memberEpoch: number
  previousMemberEpoch: number
  /** MemberState: 0 stable, 1 unrevoked partitions, 2 unreleased partitions, 3 unknown. */
  state: number
  assigned: TopicPartitionsById
  pendingRevocation: TopicPartitionsById
}

export interface SubscribedTopicMetadata {
  topicId: string
  topicName: string
  numPartitions: number
}

export type GroupRecord =
  | {
      type: 'offset'
      groupId: string
      topic: string
      partition: number
      value: OffsetAndMetadata | null
      /**
       * Set on a TxnOffsetCommit: the record is written in a transactional batch of this producer
       * and stays pending until the producer's COMMIT/ABORT marker (GroupLog.replay's onTxnEnd).
       */
      producerId?: bigint
      producerEpoch?: number
    }
  | { type: 'group-metadata'; groupId: string; value: GroupMetadataValue | null }
  | { type: 'consumer-metadata'; groupId: string; value: { epoch: number } | null }
  | {
      type: 'consumer-partition-metadata'
      groupId: string
      value: { topics: SubscribedTopicMetadata[] } | null
    }
  | { type: 'consumer-member'; groupId: string; memberId: string; value: ConsumerMemberMetadataValue | null }
  | { type: 'consumer-target-metadata'; groupId: string; value: { assignmentEpoch: number } | null }
  | {
      type: 'consumer-target-member'
      groupId: string
      memberId: string
      value: { partitions: TopicPartitionsById } | null
    }
  | {
      type: 'consumer-current'
      groupId: string
      memberId: string
      value: ConsumerCurrentAssignmentValue | null
    }
