// The "authorized operations" bitfields some responses carry (Metadata v8+, DescribeCluster,
// DescribeTopicPartitions, DescribeGroups v3+). Without an authorizer Kafka reports every operation
// the resource type supports (AuthHelper.authorizedOperations over AclEntry.supportedOperations),
// as a bit field indexed by AclOperation code. When the client did not ask, the field holds
// Integer.MIN_VALUE ("not requested").

export const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const

export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648

const SUPPORTED = {
  topic: ['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  group: ['READ', 'DESCRIBE', 'DELETE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  cluster: [
    'CREATE',
    'CLUSTER_ACTION',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'IDEMPOTENT_WRITE',
    'ALTER',
    'DESCRIBE',
  ],
  transactionalId: ['DESCRIBE', 'WRITE'],
} as const satisfies Record<string, ReadonlyArray<keyof typeof AclOperation>>

export type AclResourceKind = keyof typeof SUPPORTED

/** The bit field for a resource when `requested`, else Kafka's "omitted" marker. */
export function authorizedOperations(kind: AclResourceKind, requested: boolean): number {
  if (!requested) return AUTHORIZED_OPERATIONS_OMITTED
  let bits = 0
  for (const op of SUPPORTED[kind]) bits |= 1 << AclOperation[op]
  return bits
}
