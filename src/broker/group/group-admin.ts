// The admin APIs over groups: DescribeGroups (consumer groups shown in the classic shape, as Kafka 4
// does), ConsumerGroupDescribe, ListGroups, DeleteGroups and OffsetDelete, plus the removal of a
// group (tombstones for its offsets and metadata) that DeleteGroups and offset retention share.
// Each runs inside one synchronous coordinator step.

import { ErrorCode } from '../../protocol/errors.ts'
import {
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from '../../protocol/generated/index.ts'
import { Writer } from '../../protocol/primitives/writer.ts'
import { ClassicGroup, type ClassicMember } from './classic-group.ts'
import { ClassicGroupState } from './classic-state.ts'
import { ConsumerGroup, type ConsumerMember } from './consumer-group.ts'
import { emitOffset, type Group, type GroupsHost } from './group-host.ts'
import type { TopicPartitionErrors } from './offset-commit.ts'
import { consumerSubscribedTopics, memberTopicNames } from './subscriptions.ts'

export interface DescribedGroup {
  errorCode: number
  errorMessage: string | null
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: Array<{
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    memberMetadata: Buffer
    memberAssignment: Buffer
  }>
}

export interface ConsumerGroupDescription {
  groupId: string
  errorCode: number
  errorMessage: string | null
  group: ConsumerGroup | undefined
}

export interface ListedGroup {
  groupId: string
  protocolType: string
  groupState: string
  groupType: string
}

export function describeGroup(host: GroupsHost, groupId: string): DescribedGroup {
  const base: DescribedGroup = {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId,
    groupState: 'Dead',
    protocolType: '',
    protocolData: '',
    members: [],
  }
  if (groupId === '') return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID }
  const g = host.groups.get(groupId)
  if (g === undefined)
    return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` }
  if (g instanceof ConsumerGroup) return describeConsumerAsClassic(host, g, base)
  const stable = g.is(ClassicGroupState.Stable)
  return {
    ...base,
    groupState: g.state,
    protocolType: g.protocolType ?? '',
    protocolData: stable ? (g.protocolName ?? '') : '',
    members: [...g.members.values()].map((m: ClassicMember) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? m.metadataFor(g.protocolName) : Buffer.alloc(0),
      memberAssignment: stable ? m.assignment : Buffer.alloc(0),
    })),
  }
}

/**
 * A consumer group in DescribeGroups' classic shape (as Kafka 4 does for admin tools): protocol
 * type "consumer", the assignor as protocol, members' subscriptions and assignments encoded as
 * ConsumerProtocolSubscription/Assignment v0.
 */
function describeConsumerAsClassic(host: GroupsHost, g: ConsumerGroup, base: DescribedGroup): DescribedGroup {
  const nameOf = (id: string): string => host.topics?.byId(id)?.name ?? id
  return {
    ...base,
    groupState: g.state,
    protocolType: 'consumer',
    protocolData: host.config.consumerAssignors[0] ?? 'uniform',
    members: [...g.members.values()].map((m: ConsumerMember) => {
      const sub = new Writer(64)
      sub.int16(0)
      encodeConsumerProtocolSubscription(sub, 0, {
        topics: [...memberTopicNames(m, host.topics)],
        userData: null,
      })
      const asg = new Writer(64)
      asg.int16(0)
      encodeConsumerProtocolAssignment(asg, 0, {
        assignedPartitions: [...m.assigned].map(([id, partitions]) => ({ topic: nameOf(id), partitions })),
        userData: null,
      })
      return {
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: sub.toBuffer(),
        memberAssignment: asg.toBuffer(),
      }
    }),
  }
}

/** ConsumerGroupDescribe: GROUP_ID_NOT_FOUND for unknown ids and for classic groups. */
export function describeConsumerGroup(host: GroupsHost, groupId: string): ConsumerGroupDescription {
  const g = host.consumerGroup(groupId)
  if (groupId === '' || g === undefined)
    return {
      groupId,
      errorCode: groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: host.groups.has(groupId)
        ? `Group ${groupId} is not a consumer group.`
        : `Group ${groupId} not found.`,
      group: undefined,
    }
  return { groupId, errorCode: ErrorCode.NONE, errorMessage: null, group: g }
}

/** ListGroups; filters compare case-insensitively, as Kafka does. Empty filter = all. */
export function listGroups(
  host: GroupsHost,
  statesFilter: readonly string[],
  typesFilter: readonly string[],
): ListedGroup[] {
  const states = new Set(statesFilter.map((s) => s.toLowerCase()))
  const types = new Set(typesFilter.map((s) => s.toLowerCase()))
  const out: ListedGroup[] = []
  for (const g of host.groups.values()) {
    const listed: ListedGroup =
      g instanceof ClassicGroup
        ? {
            groupId: g.groupId,
            protocolType: g.protocolType ?? '',
            groupState: g.state,
            groupType: 'classic',
          }
        : { groupId: g.groupId, protocolType: 'consumer', groupState: g.state, groupType: 'consumer' }
    if (states.size > 0 && !states.has(listed.groupState.toLowerCase())) continue
    if (types.size > 0 && !types.has(listed.groupType)) continue
    out.push(listed)
  }
  return out
}

/** DeleteGroups, one group: only an empty group goes. */
export function deleteGroup(host: GroupsHost, groupId: string): number {
  if (groupId === '') return ErrorCode.INVALID_GROUP_ID
  const g = host.groups.get(groupId)
  if (g === undefined) return ErrorCode.GROUP_ID_NOT_FOUND
  if (!isEmptyGroup(g)) return ErrorCode.NON_EMPTY_GROUP
  removeGroup(host, g)
  return ErrorCode.NONE
}

/** OffsetDelete: never for topics the group still subscribes to. */
export function deleteOffsets(
  host: GroupsHost,
  groupId: string,
  topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>,
): { errorCode: number; topics: TopicPartitionErrors[] } {
  if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] }
  const group = host.groups.get(groupId)
  if (group === undefined || (group instanceof ClassicGroup && group.is(ClassicGroupState.Dead)))
    return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] }
  let subscribed: Set<string> | undefined
  if (group instanceof ClassicGroup) {
    const active = !group.is(ClassicGroupState.Empty)
    // A live classic group that does not use the consumer protocol cannot lose offsets at all.
    if (active && group.protocolType !== 'consumer')
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] }
    subscribed = active ? group.subscribedTopics() : new Set<string>()
  } else subscribed = consumerSubscribedTopics(group, host.topics)
  return {
    errorCode: ErrorCode.NONE,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partitionIndex) => {
        if (subscribed?.has(t.name) === true)
          return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }
        if (
          host.offsets.get(groupId, t.name, partitionIndex) !== undefined ||
          host.offsets.hasPendingTxn(groupId, t.name, partitionIndex)
        )
          emitOffset(host, groupId, t.name, partitionIndex, null)
        return { partitionIndex, errorCode: ErrorCode.NONE }
      }),
    })),
  }
}

/** Tombstones the group's offsets and metadata, and forgets it (→ Dead). */
export function removeGroup(host: GroupsHost, g: Group): void {
  for (const { topic, partition } of host.offsets.list(g.groupId))
    emitOffset(host, g.groupId, topic, partition, null)
  host.offsets.deletePendingForGroup(g.groupId)
  if (g instanceof ClassicGroup) {
    host.emit({ type: 'group-metadata', groupId: g.groupId, value: null })
    host.classic.forget(g)
    g.transitionTo(ClassicGroupState.Dead, host.clock.now())
  } else {
    host.consumer.emitGroupTombstones(g)
    host.consumer.forget(g)
    g.dead = true
  }
  host.groups.delete(g.groupId)
}

export function isEmptyGroup(g: Group): boolean {
  return g instanceof ClassicGroup ? g.is(ClassicGroupState.Empty) : g.members.size === 0
}
