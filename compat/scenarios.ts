// The scenario list every client runs (each one it supports). Ids are stable: they key the
// per-client expectation files, the results JSON and the rows of COMPATIBILITY.md. Order = matrix order.

export interface Scenario {
  readonly id: string
  readonly group: string
  readonly title: string
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'connect',
    group: 'basics',
    title: 'connect, negotiate versions (ApiVersions), read cluster metadata',
  },
  { id: 'metadata-auto-create', group: 'basics', title: 'metadata for an unknown topic auto-creates it' },
  { id: 'topic-create', group: 'admin', title: 'create a topic with 3 partitions and a config' },
  { id: 'topic-describe', group: 'admin', title: 'describe a topic (partitions, leader) and its configs' },
  { id: 'config-alter', group: 'admin', title: 'alter a topic config and read it back' },
  { id: 'partitions-create', group: 'admin', title: 'grow a topic from 1 to 3 partitions' },
  { id: 'topic-delete', group: 'admin', title: 'delete a topic; it is gone from metadata' },
  { id: 'produce-keys', group: 'produce', title: 'produce with and without keys; same key → same partition' },
  { id: 'produce-acks-0', group: 'produce', title: 'produce with acks=0, then read the records back' },
  { id: 'produce-acks-1', group: 'produce', title: 'produce with acks=1, offsets returned' },
  { id: 'produce-acks-all', group: 'produce', title: 'produce with acks=all (-1), offsets returned' },
  { id: 'headers', group: 'produce', title: 'record headers survive produce → fetch' },
  {
    id: 'large-message',
    group: 'produce',
    title: 'a 900 KB record (near max.message.bytes, 1 MiB by default) round-trips',
  },
  { id: 'compression-gzip', group: 'compression', title: 'gzip batch: produce and consume' },
  { id: 'compression-snappy', group: 'compression', title: 'snappy batch: produce and consume' },
  { id: 'compression-lz4', group: 'compression', title: 'lz4 batch: produce and consume' },
  { id: 'compression-zstd', group: 'compression', title: 'zstd batch: produce and consume' },
  { id: 'consume-earliest', group: 'consume', title: 'consume from the earliest offset' },
  {
    id: 'consume-latest',
    group: 'consume',
    title: 'consume from latest: only records produced after subscribing',
  },
  { id: 'consume-committed', group: 'consume', title: 'commit an offset, a new consumer resumes from it' },
  { id: 'consume-timestamp', group: 'consume', title: 'look up an offset by timestamp and consume from it' },
  { id: 'group-members', group: 'groups', title: 'consumer group with 2 members splits 4 partitions' },
  { id: 'group-rebalance', group: 'groups', title: 'rebalance when a member joins and when it leaves' },
  {
    id: 'group-resume',
    group: 'groups',
    title: 'commit in a group, restart the consumer, resume without re-delivery',
  },
  {
    id: 'group-consumer-protocol',
    group: 'groups',
    title: 'KIP-848 consumer protocol (ConsumerGroupHeartbeat): 2 members split 4 partitions',
  },
  {
    id: 'group-protocol-upgrade',
    group: 'groups',
    title:
      'KIP-848 online upgrade: a consumer-protocol member joins a live classic group and they share its partitions',
  },
  {
    id: 'group-describe',
    group: 'groups',
    title: 'list and describe groups, members, committed offsets and lag; delete the group',
  },
  { id: 'delete-records', group: 'admin', title: 'delete records before an offset; log start moves' },
  {
    id: 'idempotent',
    group: 'transactions',
    title: 'idempotent producer (InitProducerId, sequence numbers)',
  },
  {
    id: 'transactions',
    group: 'transactions',
    title:
      'transactions: commit visible, abort invisible under read_committed; offsets sent with a transaction count only if it commits',
  },
]

export const SCENARIO_IDS: readonly string[] = SCENARIOS.map((s) => s.id)
