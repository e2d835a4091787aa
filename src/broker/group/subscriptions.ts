// The topic names a KIP-848 group's members subscribe to: listed names plus the current matches of
// their server-side regular expression (internal topics excluded). DescribeGroups, OffsetDelete and
// offset retention ask for it.

import type { ConsumerGroup, ConsumerMember } from './consumer-group.ts'
import type { TopicResolver } from './group-host.ts'
import { compileRe2FullMatch } from './re2-pattern.ts'

/** Topic names a consumer member subscribes to (names plus current regex matches). */
export function memberTopicNames(m: ConsumerMember, topics: TopicResolver | undefined): Set<string> {
  const out = new Set(m.subscribedTopicNames)
  if (m.subscribedTopicRegex !== null && topics !== undefined) {
    try {
      const re = compileRe2FullMatch(m.subscribedTopicRegex)
      for (const t of topics.all()) if (!t.name.startsWith('__') && re.test(t.name)) out.add(t.name)
    } catch {
      // validated on heartbeat; nothing matches an invalid pattern
    }
  }
  return out
}

export function consumerSubscribedTopics(g: ConsumerGroup, topics: TopicResolver | undefined): Set<string> {
  const out = new Set<string>()
  for (const m of g.members.values()) for (const t of memberTopicNames(m, topics)) out.add(t)
  return out
}
