// The group coordinator as a broker component: creates __consumer_offsets, replays it, fills
// services.groups and answers group requests until the broker closes. Settings come from the
// broker config under Kafka's names (offsets.*, group.*).

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import type { BrokerComponent } from '../components.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { consumerGroupTimeouts } from '../config/group-config.ts'
import type { TopicManager } from '../metadata/topic-manager.ts'
import type { RequestContext } from '../request-context.ts'
import type { GroupCoordinatorConfig } from './config.ts'
import { GroupCoordinator, type TopicInfo, type TopicResolver } from './coordinator.ts'
import { MIGRATION_POLICIES, type MigrationPolicy } from './migration.ts'
import { OffsetsTopicLog } from './offsets-topic.ts'

declare module '../services.ts' {
  interface GroupCoordinatorSlot {
    readonly coordinator: GroupCoordinator
  }
}

/** The running coordinator for a handler; COORDINATOR_NOT_AVAILABLE until it has started. */
export function groupCoordinator(ctx: RequestContext): GroupCoordinator {
  const slot = ctx.services.groups
  if (slot === undefined) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  return slot.coordinator
}

export function topicResolver(topics: TopicManager): TopicResolver {
  const info = (
    t: { name: string; topicId: string; partitions: number } | undefined,
  ): TopicInfo | undefined =>
    t === undefined ? undefined : { name: t.name, topicId: t.topicId, partitions: t.partitions }
  return {
    byName: (name) => info(topics.get(name)),
    byId: (id) => info(topics.getById(id)),
    *all() {
      for (const t of topics.list()) yield { name: t.name, topicId: t.topicId, partitions: t.partitions }
    },
  }
}

/** Maps Kafka's assignor class names (or short names) to ours. */
function assignorName(s: string): string {
  const short = s.slice(s.lastIndexOf('.') + 1).toLowerCase()
  return short.endsWith('assignor') ? short.slice(0, -'assignor'.length) : short
}

/** group.consumer.migration.policy (validated by the config definitions; Kafka ignores case). */
function migrationPolicy(s: string | null): MigrationPolicy {
  const p = (s ?? 'bidirectional').toLowerCase()
  return MIGRATION_POLICIES.find((x) => x === p) ?? 'disabled'
}

export function groupConfigFrom(
  c: BrokerConfig,
  groupConfigs: (groupId: string) => Readonly<Record<string, string>> = () => ({}),
): Partial<GroupCoordinatorConfig> {
  return {
    minSessionTimeoutMs: c.number('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: c.number('group.max.session.timeout.ms'),
    initialRebalanceDelayMs: c.number('group.initial.rebalance.delay.ms'),
    classicGroupMaxSize: c.number('group.max.size'),
    offsetsRetentionMs: c.number('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: c.number('offsets.retention.check.interval.ms'),
    offsetsTopicNumPartitions: c.number('offsets.topic.num.partitions'),
    consumerSessionTimeoutMs: c.number('group.consumer.session.timeout.ms'),
    consumerHeartbeatIntervalMs: c.number('group.consumer.heartbeat.interval.ms'),
    consumerGroupMaxSize: c.number('group.consumer.max.size'),
    consumerGroupTimeouts: (groupId) => consumerGroupTimeouts(groupConfigs(groupId), c),
    consumerAssignors: c.list('group.consumer.assignors').map(assignorName),
    consumerMigrationPolicy: migrationPolicy(c.string('group.consumer.migration.policy')),
  }
}

export const groupComponent: BrokerComponent = {
  name: 'group-coordinator',
  async start(services) {
    const config = groupConfigFrom(services.config, (groupId) => services.metadata.groupConfigs(groupId))
    const logger = services.logger.child({ component: 'group-coordinator' })
    const log = new OffsetsTopicLog(services.topics, services.clock, (err) =>
      logger.warn({ err }, 'skipping an undecodable __consumer_offsets record'),
    )
    await log.init(
      config.offsetsTopicNumPartitions ?? 1,
      services.config.number('offsets.topic.segment.bytes'),
    )
    const coordinator = new GroupCoordinator({
      clock: services.clock,
      log,
      config,
      topics: topicResolver(services.topics),
      onError: (err) => logger.error({ err }, 'group coordinator background error'),
    })
    await coordinator.load()
    const slot = { coordinator, close: () => coordinator.close() }
    services.groups = slot
    return {
      async close() {
        services.groups = undefined
        await coordinator.close()
      },
    }
  },
}
