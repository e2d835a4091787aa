// ConsumerGroupHeartbeat: v0-1
// Version notes: v0 (KIP-848 early access, 3.7) the broker may pick the member id · v1 (stable
// since 4.0) the client always sends its own member id, and SubscribedTopicRegex (server-side
// regular expressions; INVALID_REGULAR_EXPRESSION).
// Behaviour: join (epoch 0), heartbeat (current epoch), leave (-1) or static leave (-2); the
// broker runs the assignor and reconciles (group/consumer-coordinator.ts).

import { ApiKey } from '../../protocol/generated/index.ts'
import { groupCoordinator } from '../group/component.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.ConsumerGroupHeartbeat, {
  versions: [0, 1],
  async handle(ctx, req) {
    const r = await groupCoordinator(ctx).consumerGroupHeartbeat(
      {
        groupId: req.groupId,
        memberId: req.memberId,
        memberEpoch: req.memberEpoch,
        instanceId: req.instanceId,
        rackId: req.rackId,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        subscribedTopicNames: req.subscribedTopicNames,
        subscribedTopicRegex: ctx.apiVersion >= 1 ? req.subscribedTopicRegex : null,
        serverAssignor: req.serverAssignor,
        topicPartitions:
          req.topicPartitions === null
            ? null
            : req.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: t.partitions })),
      },
      {
        apiVersion: ctx.apiVersion,
        clientId: ctx.clientId ?? '',
        clientHost: `/${ctx.connection.remoteAddress}`,
      },
    )
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
    }
  },
})
