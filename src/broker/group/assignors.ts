// Server-side assignors for KIP-848 consumer groups, after Kafka's UniformAssignor and
// RangeAssignor (group.consumer.assignors; a member may ask for one by name).
//
// uniform: spreads every subscribed partition so member counts differ by at most one among
//   members that could take the partition, keeping each partition with its current target owner
//   where that does not break the balance (sticky), then moving single partitions from the most
//   to the least loaded eligible member until nothing improves.
// range:   per topic, the members subscribed to it in member-id order get contiguous ranges;
//   the first (partitions % members) get one extra; so co-partitioned topics line up.
// Both are deterministic for a given input (members ordered by id, topics by name).

import type { TopicPartitionsById } from './records.ts'

export interface AssignorTopic {
  topicId: string
  name: string
  partitions: number
}

export interface AssignorMember {
  memberId: string
  /** Topic ids the member subscribes to (resolved names and regex matches). */
  topics: ReadonlySet<string>
  /** Its current target, for stickiness. */
  current: TopicPartitionsById
}

export type Assignor = (
  members: readonly AssignorMember[],
  topics: ReadonlyMap<string, AssignorTopic>,
) => Map<string, TopicPartitionsById>

const byId = (a: AssignorMember, b: AssignorMember): number =>
  a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0

function sortedTopics(topics: ReadonlyMap<string, AssignorTopic>): AssignorTopic[] {
  return [...topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

function toResult(
  members: readonly AssignorMember[],
  owner: Map<string, string>,
): Map<string, TopicPartitionsById> {
  const out = new Map<string, TopicPartitionsById>()
  for (const m of members) out.set(m.memberId, new Map())
  for (const [key, memberId] of owner) {
    const [topicId, p] = key.split(':') as [string, string]
    const tp = out.get(memberId)
    if (tp === undefined) continue
    const list = tp.get(topicId) ?? []
    list.push(Number(p))
    tp.set(topicId, list)
  }
  for (const tp of out.values()) for (const l of tp.values()) l.sort((a, b) => a - b)
  return out
}

export const uniformAssignor: Assignor = (membersIn, topics) => {
  const members = [...membersIn].sort(byId)
  const count = new Map<string, number>(members.map((m) => [m.memberId, 0]))
  const owner = new Map<string, string>()
  const eligible = (topicId: string): AssignorMember[] => members.filter((m) => m.topics.has(topicId))
  const partitions: Array<{ topicId: string; p: number }> = []
  for (const t of sortedTopics(topics))
    for (let p = 0; p < t.partitions; p++) partitions.push({ topicId: t.topicId, p })

  // Fair share per member if everything were spread over all eligible members.
  const fair = Math.ceil(partitions.length / Math.max(1, members.length))
  // 1. keep current owners (sticky) up to the fair share
  for (const { topicId, p } of partitions) {
    const prev = members.find((m) => m.topics.has(topicId) && m.current.get(topicId)?.includes(p) === true)
    if (prev !== undefined && (count.get(prev.memberId) ?? 0) < fair) {
      owner.set(`${topicId}:${p}`, prev.memberId)
      count.set(prev.memberId, (count.get(prev.memberId) ?? 0) + 1)
    }
  }
  // 2. the rest to the least loaded eligible member
  for (const { topicId, p } of partitions) {
    const key = `${topicId}:${p}`
    if (owner.has(key)) continue
    let best: AssignorMember | undefined
    for (const m of eligible(topicId))
      if (best === undefined || (count.get(m.memberId) ?? 0) < (count.get(best.memberId) ?? 0)) best = m
    if (best === undefined) continue
    owner.set(key, best.memberId)
    count.set(best.memberId, (count.get(best.memberId) ?? 0) + 1)
  }
  // 3. balance: move one partition from a member holding two more than an eligible other
  for (let moved = true, rounds = 0; moved && rounds < partitions.length * 2; rounds++) {
    moved = false
    for (const [key, from] of owner) {
      const topicId = key.slice(0, key.lastIndexOf(':'))
      const fromCount = count.get(from) ?? 0
      let to: AssignorMember | undefined
      for (const m of eligible(topicId))
        if (
          (count.get(m.memberId) ?? 0) + 1 < fromCount &&
          (to === undefined || (count.get(m.memberId) ?? 0) < (count.get(to.memberId) ?? 0))
        )
          to = m
      if (to === undefined) continue
      owner.set(key, to.memberId)
      count.set(from, fromCount - 1)
      count.set(to.memberId, (count.get(to.memberId) ?? 0) + 1)
      moved = true
    }
  }
  return toResult(members, owner)
}

export const rangeAssignor: Assignor = (membersIn, topics) => {
  const members = [...membersIn].sort(byId)
  const owner = new Map<string, string>()
  for (const t of sortedTopics(topics)) {
    const subs = members.filter((m) => m.topics.has(t.topicId))
    if (subs.length === 0) continue
    const base = Math.floor(t.partitions / subs.length)
    const extra = t.partitions % subs.length
    let next = 0
    subs.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0)
      for (let k = 0; k < n; k++) owner.set(`${t.topicId}:${next++}`, m.memberId)
    })
  }
  return toResult(members, owner)
}

export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([
  ['uniform', uniformAssignor],
  ['range', rangeAssignor],
])
