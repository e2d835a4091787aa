// DescribeCluster (API key 60): versions 0-2, flexible 0+.
// Request changes: v1: +endpointType · v2: +includeFencedBrokers
// Response changes: v1: +endpointType · v2: +brokers.isFenced
// v2 (Kafka 4.0, KIP-1073): the client may ask for fenced brokers too, and each broker says whether it is fenced.

import { api, f, struct } from '../dsl.ts'

export const DescribeCluster = api({
  key: 60,
  name: 'DescribeCluster',
  valid: '0-2',
  flexible: '0+',
  request: {
    includeClusterAuthorizedOperations: f.bool(),
    endpointType: f.int8().versions('1+').default(1),
    includeFencedBrokers: f.bool().versions('2+').default(false),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    errorMessage: f.string().nullable('0+').default(null),
    endpointType: f.int8().versions('1+').default(1),
    clusterId: f.string(),
    controllerId: f.int32().default(-1).entity('brokerId'),
    brokers: f.array(
      struct('DescribeClusterBroker', {
        brokerId: f.int32().entity('brokerId'),
        host: f.string(),
        port: f.int32(),
        rack: f.string().nullable('0+').default(null),
        isFenced: f.bool().versions('2+').default(false),
      }),
    ),
    clusterAuthorizedOperations: f.int32().default(-2147483648),
  },
})
