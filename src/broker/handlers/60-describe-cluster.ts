// DescribeCluster: v0-2
// Version notes: v0 flexible; brokers, controller id, cluster id, optional cluster operations ·
// v1 EndpointType (KIP-919: 1 = brokers; 2 = controllers, which a broker refuses with
// UNSUPPORTED_ENDPOINT_TYPE) · v2 IncludeFencedBrokers and isFenced (never fenced here).

import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { authorizedOperations } from '../metadata/authorized-operations.ts'
import { defineHandler } from '../registry.ts'

const ENDPOINT_TYPE_BROKER = 1

export default defineHandler(ApiKey.DescribeCluster, {
  versions: [0, 2],
  handle(ctx, req) {
    const { services } = ctx
    const listener = ctx.connection.listener
    const brokerEndpoints = req.endpointType === ENDPOINT_TYPE_BROKER
    return {
      throttleTimeMs: 0,
      errorCode: brokerEndpoints ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
      errorMessage: brokerEndpoints ? null : 'The broker does not support controller endpoints.',
      endpointType: req.endpointType,
      clusterId: services.clusterId,
      controllerId: brokerEndpoints ? services.nodeId : -1,
      brokers: brokerEndpoints
        ? [
            {
              brokerId: services.nodeId,
              host: listener.advertisedHost,
              port: listener.advertisedPort,
              rack: null,
              isFenced: false,
            },
          ]
        : [],
      clusterAuthorizedOperations: authorizedOperations('cluster', req.includeClusterAuthorizedOperations),
    }
  },
})
