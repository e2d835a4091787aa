// How a partition of this single-node cluster looks to clients: this node leads it, is its only
// replica and its whole ISR, at the constant LEADER_EPOCH. Metadata and DescribeTopicPartitions
// both answer from here.

import type { TopicRecord } from '../../storage/metadata-store.ts'
import { LEADER_EPOCH } from './topic-manager.ts'

export interface PartitionView {
  errorCode: number
  partitionIndex: number
  leaderId: number
  leaderEpoch: number
  replicaNodes: number[]
  isrNodes: number[]
  offlineReplicas: number[]
}

export function partitionViews(topic: TopicRecord, nodeId: number): PartitionView[] {
  const out: PartitionView[] = []
  for (let p = 0; p < topic.partitions; p++)
    out.push({
      errorCode: 0,
      partitionIndex: p,
      leaderId: nodeId,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })
  return out
}
