// The classic "consumer" group protocol's member metadata (KIP-429 and predecessors): the bytes that
// consumers put in JoinGroup protocols[].metadata (subscription) and SyncGroup assignments[].assignment
// (assignment), and that GroupMetadataValue stores per member.
//
// Format: int16 version, then the struct at that version. Never flexible. A reader that meets a
// version newer than it knows parses it as its highest known version (newer versions only append
// fields), so callers clamp the decoded version to 3 before decoding.
//
// Facts from shared/kafka-protocol/message/ConsumerProtocol{Subscription,Assignment}.json.

import { f, message, struct } from '../dsl.ts'

// v1 adds owned partitions (cooperative rebalancing), v2 the generation, v3 the rack (rack-aware assignors).
export const ConsumerProtocolSubscription = message('ConsumerProtocolSubscription', '0-3', 'none', {
  topics: f.array(f.string()).entity('topicName'),
  userData: f.bytes().nullable('0+').default(null),
  ownedPartitions: f
    .array(
      struct('TopicPartition', {
        topic: f.string().versions('1+').entity('topicName'),
        partitions: f.array(f.int32()).versions('1+'),
      }),
    )
    .versions('1+')
    .ignorable(),
  generationId: f.int32().versions('2+').default(-1).ignorable(),
  rackId: f.string().versions('3+').nullable('3+').default(null).ignorable(),
})

// Versions 1-3 exist only to pair with the subscription versions; the layout never changed.
export const ConsumerProtocolAssignment = message('ConsumerProtocolAssignment', '0-3', 'none', {
  assignedPartitions: f.array(
    struct('TopicPartition', {
      topic: f.string().entity('topicName'),
      partitions: f.array(f.int32()),
    }),
  ),
  userData: f.bytes().nullable('0+').default(null),
})

export const CONSUMER_PROTOCOL_MESSAGES = [ConsumerProtocolSubscription, ConsumerProtocolAssignment] as const
