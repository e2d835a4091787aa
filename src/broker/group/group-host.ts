// What the group coordinator's parts share: the registry of groups, the offset store and the
// record sink. GroupCoordinator (coordinator.ts) builds one GroupsHost over its private state and
// hands it to the modules that hold the offset, admin, retention and replay logic, so each of those
// runs inside the coordinator's synchronous step without reaching into the class.

import type { Clock } from '../clock.ts'
import type { ClassicCoordinator } from './classic-coordinator.ts'
import type { ClassicGroup } from './classic-group.ts'
import type { GroupCoordinatorConfig } from './config.ts'
import type { ConsumerCoordinator } from './consumer-coordinator.ts'
import type { ConsumerGroup } from './consumer-group.ts'
import type { OffsetStore } from './offsets.ts'
import type { GroupRecord, OffsetAndMetadata } from './records.ts'

/** What the coordinator needs to know about topics (from the broker's metadata). */
export interface TopicInfo {
  name: string
  /** base64url uuid */
  topicId: string
  partitions: number
}

export interface TopicResolver {
  byName(name: string): TopicInfo | undefined
  byId(topicId: string): TopicInfo | undefined
  all(): Iterable<TopicInfo>
}

export type Group = ClassicGroup | ConsumerGroup

export interface GroupsHost {
  readonly clock: Clock
  readonly config: GroupCoordinatorConfig
  /** undefined: any topic is accepted and KIP-848 groups see no topics. */
  readonly topics: TopicResolver | undefined
  readonly offsets: OffsetStore
  /** Every live group by id (mutated only by the coordinator, replay and removal). */
  readonly groups: Map<string, Group>
  readonly classic: ClassicCoordinator
  readonly consumer: ConsumerCoordinator
  emit(record: GroupRecord): void
  classicGroup(groupId: string): ClassicGroup | undefined
  consumerGroup(groupId: string): ConsumerGroup | undefined
  createClassicGroup(groupId: string): ClassicGroup
}

/** Emits an offset record (null = tombstone) and applies it to the store at once. */
export function emitOffset(
  host: GroupsHost,
  groupId: string,
  topic: string,
  partition: number,
  value: OffsetAndMetadata | null,
): void {
  host.emit({ type: 'offset', groupId, topic, partition, value })
  host.offsets.replay(groupId, topic, partition, value)
}
