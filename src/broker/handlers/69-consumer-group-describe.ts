// ConsumerGroupDescribe: v0-1
// Version notes: v0 (KIP-848) · v1 member type (KIP-1099: 0 = a classic-protocol member of the
// consumer group, during an online migration; 1 = consumer protocol).
// Behaviour: GROUP_ID_NOT_FOUND for unknown groups and for classic groups, as Kafka.

import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import type { TopicPartitionsById } from '../group/records.ts'
import { authorizedOperations } from '../metadata/authorized-operations.ts'
import { defineHandler } from '../registry.ts'

const MEMBER_TYPE_CLASSIC = 0
const MEMBER_TYPE_CONSUMER = 1

export default defineHandler(ApiKey.ConsumerGroupDescribe, {
  versions: [0, 1],
  async handle(ctx, req) {
    const coordinator = groupCoordinator(ctx)
    const described = await coordinator.consumerGroupDescribe(req.groupIds)
    const assignment = (tp: TopicPartitionsById | undefined) => ({
      topicPartitions: [...(tp ?? new Map<string, number[]>())].map(([topicId, partitions]) => ({
        topicId,
        topicName: coordinator.topics?.byId(topicId)?.name ?? '',
        partitions,
      })),
    })
    return {
      throttleTimeMs: 0,
      groups: described.map((d) => {
        const g = d.group
        return {
          errorCode: d.errorCode,
          errorMessage: d.errorMessage,
          groupId: d.groupId,
          groupState: g?.state ?? 'Dead',
          groupEpoch: g?.groupEpoch ?? -1,
          assignmentEpoch: g?.assignmentEpoch ?? -1,
          assignorName: coordinator.config.consumerAssignors[0] ?? 'uniform',
          members: [...(g?.members.values() ?? [])].map((m) => ({
            memberId: m.memberId,
            instanceId: m.instanceId,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            clientId: m.clientId,
            clientHost: m.clientHost,
            subscribedTopicNames: m.subscribedTopicNames,
            subscribedTopicRegex: m.subscribedTopicRegex,
            assignment: assignment(m.assigned),
            targetAssignment: assignment(g?.targetAssignment.get(m.memberId)),
            memberType: m.classic === null ? MEMBER_TYPE_CONSUMER : MEMBER_TYPE_CLASSIC,
          })),
          authorizedOperations: authorizedOperations(
            'group',
            d.errorCode === 0 && req.includeAuthorizedOperations,
          ),
        }
      }),
    }
  },
})
