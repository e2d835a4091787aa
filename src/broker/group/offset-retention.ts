// Offset retention (KIP-211): which committed offsets have expired, by Kafka's per-group-type
// expiration conditions. An empty group left without offsets is deleted with them.

import { ClassicGroupState } from './classic-state.ts'
import { ConsumerGroup } from './consumer-group.ts'
import { isEmptyGroup, removeGroup } from './group-admin.ts'
import { emitOffset, type Group, type GroupsHost } from './group-host.ts'
import type { OffsetAndMetadata } from './records.ts'
import { consumerSubscribedTopics } from './subscriptions.ts'

/** Removes expired offsets; an empty group left without offsets is deleted. Returns how many went. */
export function expireOffsets(host: GroupsHost): number {
  const now = host.clock.now()
  let removed = 0
  for (const groupId of [...host.offsets.groupIds()]) {
    const g = host.groups.get(groupId)
    const condition =
      g === undefined
        ? { base: (o: OffsetAndMetadata) => o.commitTimestamp, keep: () => false }
        : expiryCondition(host, g)
    if (condition === undefined) continue
    for (const { topic, partition } of host.offsets.expired(
      groupId,
      now,
      host.config.offsetsRetentionMs,
      condition.base,
      condition.keep,
    )) {
      emitOffset(host, groupId, topic, partition, null)
      removed++
    }
  }
  for (const g of [...host.groups.values()])
    if (isEmptyGroup(g) && !host.offsets.hasOffsets(g.groupId)) removeGroup(host, g)
  return removed
}

/** Kafka's ClassicGroup.offsetExpirationCondition; undefined = nothing expires now. */
function expiryCondition(
  host: GroupsHost,
  g: Group,
): { base: (o: OffsetAndMetadata) => number; keep: (topic: string) => boolean } | undefined {
  if (g instanceof ConsumerGroup) {
    // Kafka's ConsumerGroup: by commit time, never for topics the group still subscribes to.
    const subscribed = consumerSubscribedTopics(g, host.topics)
    return { base: (o) => o.commitTimestamp, keep: (t) => subscribed.has(t) }
  }
  if (g.protocolType === null) return { base: (o) => o.commitTimestamp, keep: () => false }
  if (g.is(ClassicGroupState.Empty)) {
    const since = g.currentStateTimestamp
    return { base: (o) => (since >= 0 ? since : o.commitTimestamp), keep: () => false }
  }
  if (g.protocolType === 'consumer' && g.is(ClassicGroupState.Stable)) {
    const subscribed = g.subscribedTopics()
    if (subscribed !== undefined) return { base: (o) => o.commitTimestamp, keep: (t) => subscribed.has(t) }
  }
  return undefined
}
