// Loading: applies one __consumer_offsets record to the coordinator's groups and offsets (Kafka's
// GroupCoordinatorShard.replay), and the end of a transaction met in the log.

import { ClassicGroup, ClassicMember } from './classic-group.ts'
import { ClassicGroupState } from './classic-state.ts'
import { ConsumerGroup, ConsumerMember } from './consumer-group.ts'
import type { GroupsHost } from './group-host.ts'
import type { GroupRecord } from './records.ts'

/** A COMMIT/ABORT marker met while loading: the producer's pending offsets become visible or go. */
export function replayTxnEnd(host: GroupsHost, producerId: bigint, commit: boolean): void {
  for (const o of host.offsets.takePendingTransactional(producerId))
    if (commit) host.offsets.replay(o.groupId, o.topic, o.partition, o.value)
}

function replayConsumerGroup(host: GroupsHost, groupId: string): ConsumerGroup {
  const existing = host.groups.get(groupId)
  if (existing instanceof ConsumerGroup) return existing
  const g = new ConsumerGroup(groupId)
  host.groups.set(groupId, g)
  return g
}

/** Applies one log record while loading. */
export function replayRecord(host: GroupsHost, r: GroupRecord): void {
  switch (r.type) {
    case 'offset':
      // Offsets of a group never written otherwise belong to a simple classic group.
      if (r.value !== null && !host.groups.has(r.groupId)) host.createClassicGroup(r.groupId)
      if (r.producerId !== undefined && r.value !== null)
        host.offsets.addPendingTransactional(r.groupId, r.producerId, r.topic, r.partition, r.value)
      else host.offsets.replay(r.groupId, r.topic, r.partition, r.value)
      return
    case 'group-metadata': {
      if (r.value === null) {
        if (host.classicGroup(r.groupId) !== undefined) host.groups.delete(r.groupId)
        return
      }
      const g = new ClassicGroup(r.groupId)
      const v = r.value
      g.protocolType = v.protocolType === '' ? null : v.protocolType
      g.protocolName = v.protocol
      g.generationId = v.generation
      g.currentStateTimestamp = v.currentStateTimestamp
      for (const m of v.members) {
        const member = new ClassicMember({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          sessionTimeoutMs: m.sessionTimeoutMs,
          protocolType: v.protocolType,
          protocols: [{ name: v.protocol ?? '', metadata: m.subscription }],
          assignment: m.assignment,
        })
        g.add(member)
      }
      g.leaderId = v.leader
      if (g.size > 0) g.state = ClassicGroupState.Stable
      host.groups.set(r.groupId, g)
      return
    }
    case 'consumer-metadata': {
      if (r.value === null) {
        if (host.consumerGroup(r.groupId) !== undefined) host.groups.delete(r.groupId)
        return
      }
      replayConsumerGroup(host, r.groupId).groupEpoch = r.value.epoch
      return
    }
    case 'consumer-partition-metadata':
      if (r.value !== null) replayConsumerGroup(host, r.groupId).subscriptionMetadata = r.value.topics
      return
    case 'consumer-target-metadata':
      if (r.value !== null) replayConsumerGroup(host, r.groupId).assignmentEpoch = r.value.assignmentEpoch
      return
    case 'consumer-target-member': {
      const g = replayConsumerGroup(host, r.groupId)
      if (r.value === null) g.targetAssignment.delete(r.memberId)
      else g.targetAssignment.set(r.memberId, r.value.partitions)
      return
    }
    case 'consumer-member': {
      const g = replayConsumerGroup(host, r.groupId)
      if (r.value === null) {
        g.members.delete(r.memberId)
        return
      }
      const m = g.members.get(r.memberId) ?? new ConsumerMember(r.memberId)
      const { classicMemberMetadata, ...fields } = r.value
      Object.assign(m, fields, { subscribedTopicNames: [...r.value.subscribedTopicNames] })
      m.classic = classicMemberMetadata
      g.members.set(r.memberId, m)
      return
    }
    case 'consumer-current': {
      const g = replayConsumerGroup(host, r.groupId)
      const m = g.members.get(r.memberId)
      if (r.value === null || m === undefined) return
      m.memberEpoch = r.value.memberEpoch
      m.previousMemberEpoch = r.value.previousMemberEpoch
      m.state = r.value.state as ConsumerMember['state']
      m.assigned = r.value.assigned
      m.pendingRevocation = r.value.pendingRevocation
      return
    }
  }
}
