// The broker and topic configuration properties Samsa knows, under Kafka's names, with Kafka's
// defaults except where single-node development is known to bite (marked `dev`: Kafka's own
// default is given in `kafkaDefault`). Three kinds of entries:
// - implemented: Samsa acts on the value;
// - accepted: parsed and validated so copied server.properties files keep working, but without
//   effect on a single node (threads, replication, ZooKeeper-free controller settings): a warning
//   is logged at start when one is set;
// - anything else is unknown and reported at start (with a "did you mean" hint).
//
// Defaults are the strings Kafka shows in DescribeConfigs (null = no value). Long.MAX_VALUE is
// spelled as Kafka spells it and read as Number.MAX_SAFE_INTEGER.

export type ConfigValueType =
  'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password'

/** DescribeConfigs v3+ ConfigType codes. */
export const CONFIG_TYPE_CODE: Readonly<Record<ConfigValueType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
}

export interface ConfigDef {
  readonly name: string
  readonly type: ConfigValueType
  readonly default: string | null
  readonly doc: string
  /** Samsa acts on it (false: accepted for compatibility, no effect). */
  readonly implemented: boolean
  /** Allowed values (case-sensitive, as Kafka), for strings and list items. */
  readonly oneOf?: readonly string[]
  /** Inclusive numeric bounds. */
  readonly min?: number
  readonly max?: number
  /** One more value allowed outside [min, max] (gzip's level -1, zlib's default). */
  readonly orValue?: number
  /** Kafka's default, where Samsa's dev-friendly default differs. */
  readonly kafkaDefault?: string | null
  /** May be changed at run time through AlterConfigs on the broker resource. */
  readonly dynamic?: boolean
}

export const LONG_MAX = '9223372036854775807'
const INT_MAX = 2147483647

function def(
  name: string,
  type: ConfigValueType,
  dflt: string | null,
  doc: string,
  extra: Partial<Omit<ConfigDef, 'name' | 'type' | 'default' | 'doc'>> = {},
): ConfigDef {
  return { name, type, default: dflt, doc, implemented: true, ...extra }
}

function accepted(name: string, type: ConfigValueType, dflt: string | null, doc: string): ConfigDef {
  return { name, type, default: dflt, doc, implemented: false }
}

/** Broker-level properties (server.properties). */
export const BROKER_CONFIGS: readonly ConfigDef[] = [
  // Identity and networking
  def('node.id', 'int', '1', 'The node id of this broker (the single node of its cluster).', { min: 0 }),
  def('broker.id', 'int', null, 'Older name of node.id; when set it must equal node.id.', { min: -1 }),
  def('listeners', 'list', 'PLAINTEXT://127.0.0.1:9092', 'Comma-separated listeners, NAME://host:port.'),
  def(
    'advertised.listeners',
    'list',
    null,
    'Listeners to give clients in metadata when they differ from listeners.',
  ),
  def(
    'listener.security.protocol.map',
    'string',
    'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'Map between listener names and security protocols.',
  ),
  def(
    'controller.listener.names',
    'list',
    null,
    'Listener names used by the KRaft controller; not bound by Samsa.',
  ),
  accepted(
    'inter.broker.listener.name',
    'string',
    null,
    'Listener for inter-broker traffic; unused on one node.',
  ),
  accepted(
    'process.roles',
    'list',
    'broker,controller',
    'KRaft roles; Samsa is always a combined single node.',
  ),
  accepted('controller.quorum.voters', 'list', '', 'KRaft voters; unused by Samsa.'),
  accepted('controller.quorum.bootstrap.servers', 'list', '', 'KRaft bootstrap; unused by Samsa.'),
  def('socket.request.max.bytes', 'int', '104857600', 'The maximum number of bytes in a socket request.', {
    min: 1,
  }),
  def(
    'connections.max.idle.ms',
    'long',
    '600000',
    'Idle connections are closed after this many milliseconds.',
    {
      min: 0,
    },
  ),
  def(
    'queued.max.request.bytes',
    'long',
    '-1',
    'The number of queued request bytes allowed before no more requests are read; -1 is Samsa’s default budget of 256 MiB.',
    { min: -1 },
  ),
  accepted('socket.send.buffer.bytes', 'int', '102400', 'SO_SNDBUF; the OS default is used.'),
  accepted('socket.receive.buffer.bytes', 'int', '102400', 'SO_RCVBUF; the OS default is used.'),
  accepted('num.network.threads', 'int', '3', 'Network threads; Samsa is single-threaded.'),
  accepted('num.io.threads', 'int', '8', 'I/O threads; Samsa is single-threaded.'),
  accepted('queued.max.requests', 'int', '500', 'Queued requests before blocking network threads.'),
  accepted('num.recovery.threads.per.data.dir', 'int', '2', 'Threads per data dir for log recovery.'),
  accepted('num.replica.fetchers', 'int', '1', 'Replica fetchers; no replication on one node.'),
  accepted('auto.leader.rebalance.enable', 'boolean', 'true', 'Leader rebalancing; trivial on one node.'),
  accepted('sasl.enabled.mechanisms', 'list', 'GSSAPI', 'SASL mechanisms (SASL is not supported yet).'),
  accepted('sasl.mechanism.inter.broker.protocol', 'string', 'GSSAPI', 'Inter-broker SASL mechanism.'),
  accepted('sasl.mechanism.controller.protocol', 'string', 'GSSAPI', 'Controller SASL mechanism.'),
  accepted('authorizer.class.name', 'string', '', 'Authorizer class; Samsa runs without an authorizer.'),
  accepted('super.users', 'list', '', 'Super users for the authorizer.'),
  accepted('allow.everyone.if.no.acl.found', 'boolean', 'false', 'Authorizer default.'),
  accepted('replica.lag.time.max.ms', 'long', '30000', 'Follower lag; no followers on one node.'),
  accepted(
    'default.replication.factor',
    'int',
    '1',
    'Replication factor of auto-created topics (always 1 here).',
  ),
  accepted('unclean.leader.election.enable', 'boolean', 'false', 'Unclean elections; trivial on one node.'),
  accepted(
    'unstable.api.versions.enable',
    'boolean',
    'false',
    'Advertise unstable API versions (never here).',
  ),
  accepted(
    'metadata.log.dir',
    'string',
    null,
    'KRaft metadata log dir; Samsa keeps metadata under log.dirs.',
  ),

  // Topics
  def('num.partitions', 'int', '1', 'The default number of partitions per topic.', { min: 1 }),
  def(
    'auto.create.topics.enable',
    'boolean',
    'true',
    'Create topics on first reference in a metadata request.',
  ),
  def('delete.topic.enable', 'boolean', 'true', 'Whether topics may be deleted.'),

  // Log
  def('log.dirs', 'list', null, 'The directory holding the log data (a single directory).'),
  def('log.dir', 'string', '/tmp/kafka-logs', 'The directory holding the log data (when log.dirs is unset).'),
  def('log.segment.bytes', 'int', '1073741824', 'The maximum size of a single log file.', {
    min: 14,
    dynamic: true,
  }),
  def('log.roll.ms', 'long', null, 'Maximum time before a new log segment is rolled out (ms).', {
    min: 1,
    dynamic: true,
  }),
  def('log.roll.hours', 'int', '168', 'Maximum time before a new log segment is rolled out (hours).', {
    min: 1,
  }),
  def('log.roll.jitter.ms', 'long', null, 'Maximum jitter subtracted from segment roll time.', {
    min: 0,
    dynamic: true,
  }),
  def('log.roll.jitter.hours', 'int', '0', 'Maximum jitter subtracted from segment roll time (hours).', {
    min: 0,
  }),
  def(
    'log.retention.ms',
    'long',
    null,
    'How long to keep a log file before deleting it (ms); -1 = no limit.',
    {
      min: -1,
      dynamic: true,
    },
  ),
  def('log.retention.minutes', 'int', null, 'How long to keep a log file before deleting it (minutes).', {
    min: -1,
  }),
  def('log.retention.hours', 'int', '168', 'How long to keep a log file before deleting it (hours).', {
    min: -1,
  }),
  def('log.retention.bytes', 'long', '-1', 'Maximum size of a partition before old segments are deleted.', {
    min: -1,
    dynamic: true,
  }),
  def(
    'log.retention.check.interval.ms',
    'long',
    '300000',
    'How often the log cleaner checks for deletable segments.',
    {
      min: 1,
    },
  ),
  def('log.index.size.max.bytes', 'int', '10485760', 'The maximum size in bytes of the offset index.', {
    min: 4,
    dynamic: true,
  }),
  def('log.index.interval.bytes', 'int', '4096', 'Bytes between offset index entries.', {
    min: 0,
    dynamic: true,
  }),
  def('log.cleanup.policy', 'list', 'delete', 'The default cleanup policy for segments beyond retention.', {
    oneOf: ['delete', 'compact'],
    dynamic: true,
  }),
  def('log.cleaner.enable', 'boolean', 'true', 'Run the log cleaner (compaction).'),
  def('log.cleaner.dedupe.buffer.size', 'long', '134217728', "Memory for the cleaner's key map (bytes).", {
    min: 1024 * 1024,
  }),
  def('log.cleaner.min.cleanable.ratio', 'double', '0.5', 'Minimum dirty ratio for a log to be compacted.', {
    min: 0,
    max: 1,
    dynamic: true,
  }),
  def('log.cleaner.delete.retention.ms', 'long', '86400000', 'How long delete tombstones are retained.', {
    min: 0,
    dynamic: true,
  }),
  def('log.cleaner.min.compaction.lag.ms', 'long', '0', 'Minimum time a message stays uncompacted.', {
    min: 0,
    dynamic: true,
  }),
  def('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, 'Maximum time a message stays uncompacted.', {
    min: 1,
    dynamic: true,
  }),
  def('log.segment.delete.delay.ms', 'long', '60000', 'Delay before deleting a file from the filesystem.', {
    min: 0,
    dynamic: true,
  }),
  def('log.flush.interval.messages', 'long', LONG_MAX, 'Messages accumulated before they are fsynced.', {
    min: 1,
    dynamic: true,
  }),
  def('log.flush.interval.ms', 'long', null, 'Maximum time a message stays unflushed (ms).', {
    min: 0,
    dynamic: true,
  }),
  def('log.flush.scheduler.interval.ms', 'long', LONG_MAX, 'How often the flusher checks whether to flush.'),
  def('log.preallocate', 'boolean', 'false', 'Preallocate segment files.', { dynamic: true }),
  def(
    'log.message.timestamp.type',
    'string',
    'CreateTime',
    'Timestamp type of messages: CreateTime or LogAppendTime.',
    {
      oneOf: ['CreateTime', 'LogAppendTime'],
      dynamic: true,
    },
  ),
  def(
    'log.message.timestamp.before.max.ms',
    'long',
    LONG_MAX,
    'Allowed age of a message timestamp behind the broker time.',
    { min: 0, dynamic: true },
  ),
  def(
    'log.message.timestamp.after.max.ms',
    'long',
    '3600000',
    'Allowed distance of a message timestamp ahead of the broker time.',
    { min: 0, dynamic: true },
  ),
  def('message.max.bytes', 'int', '1048588', 'The largest record batch size allowed.', {
    min: 0,
    dynamic: true,
  }),
  def('min.insync.replicas', 'int', '1', 'Minimum in-sync replicas for acks=all.', { min: 1, dynamic: true }),
  def('compression.type', 'string', 'producer', 'Final compression type of a topic.', {
    oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
    dynamic: true,
  }),
  def('compression.gzip.level', 'int', '-1', 'gzip level when the broker compresses (-1: zlib default).', {
    min: 1,
    max: 9,
    orValue: -1,
    dynamic: true,
  }),
  def('compression.lz4.level', 'int', '9', 'lz4 level when the broker compresses (KIP-390).', {
    min: 1,
    max: 17,
    dynamic: true,
    // Our lz4 encoder has one mode: lz4's fast compressor, which is Kafka's at its default level 9.
    implemented: false,
  }),
  def('compression.zstd.level', 'int', '3', 'zstd level when the broker compresses (KIP-390).', {
    min: -131072,
    max: 22,
    dynamic: true,
  }),
  def('replica.fetch.max.bytes', 'int', '1048576', 'Bytes per partition a follower fetches (unused).', {
    min: 0,
  }),
  def('fetch.max.bytes', 'int', '57671680', 'Maximum bytes returned by a fetch request.', { min: 1024 }),
  def(
    'max.incremental.fetch.session.cache.slots',
    'int',
    '1000',
    'Maximum number of incremental fetch sessions.',
    { min: 0 },
  ),

  // Group coordinator
  def('offsets.topic.num.partitions', 'int', '1', 'Partitions of the offsets topic.', {
    min: 1,
    kafkaDefault: '50',
  }),
  def('offsets.topic.replication.factor', 'short', '1', 'Replication factor of the offsets topic.', {
    min: 1,
    kafkaDefault: '3',
  }),
  def('offsets.topic.segment.bytes', 'int', '104857600', 'Segment size of the offsets topic.', { min: 1 }),
  def('offsets.topic.compression.codec', 'int', '0', 'Compression codec of the offsets topic.', { min: 0 }),
  def('offsets.retention.minutes', 'int', '10080', 'How long committed offsets of empty groups are kept.', {
    min: 1,
  }),
  def('offsets.retention.check.interval.ms', 'long', '600000', 'How often to check for stale offsets.', {
    min: 1,
  }),
  def('offsets.commit.timeout.ms', 'int', '5000', 'Offset commit timeout.', { min: 1 }),
  def('offsets.load.buffer.size', 'int', '5242880', 'Batch size for reading the offsets topic at load.', {
    min: 1,
  }),
  def('offsets.topic.min.isr', 'int', '1', 'Not used by Kafka 4 either (kept for copied configs).', {
    min: 1,
  }),
  def(
    'group.initial.rebalance.delay.ms',
    'int',
    '25',
    'Time the coordinator waits for more consumers to join a new group before the first rebalance.',
    { min: 0, kafkaDefault: '3000' },
  ),
  def('group.min.session.timeout.ms', 'int', '6000', 'Minimum allowed session timeout for members.', {
    min: 0,
  }),
  def('group.max.session.timeout.ms', 'int', '1800000', 'Maximum allowed session timeout for members.', {
    min: 0,
  }),
  def('group.max.size', 'int', String(INT_MAX), 'Maximum number of consumers in a classic group.', {
    min: 1,
  }),
  def('group.coordinator.rebalance.protocols', 'list', 'classic,consumer', 'Enabled rebalance protocols.', {
    oneOf: ['classic', 'consumer', 'share', 'streams'],
  }),
  def('group.consumer.session.timeout.ms', 'int', '45000', 'Consumer-protocol session timeout.', { min: 1 }),
  def('group.consumer.min.session.timeout.ms', 'int', '45000', 'Consumer-protocol minimum session timeout.', {
    min: 1,
  }),
  def('group.consumer.max.session.timeout.ms', 'int', '60000', 'Consumer-protocol maximum session timeout.', {
    min: 1,
  }),
  def('group.consumer.heartbeat.interval.ms', 'int', '5000', 'Consumer-protocol heartbeat interval.', {
    min: 1,
  }),
  def(
    'group.consumer.min.heartbeat.interval.ms',
    'int',
    '5000',
    'Consumer-protocol minimum heartbeat interval.',
    {
      min: 1,
    },
  ),
  def(
    'group.consumer.max.heartbeat.interval.ms',
    'int',
    '15000',
    'Consumer-protocol maximum heartbeat interval.',
    {
      min: 1,
    },
  ),
  def('group.consumer.max.size', 'int', String(INT_MAX), 'Maximum members of a consumer-protocol group.', {
    min: 1,
  }),
  def(
    'group.consumer.migration.policy',
    'string',
    'bidirectional',
    'Online conversion between classic and consumer groups: bidirectional, upgrade, downgrade or disabled.',
    { oneOf: ['bidirectional', 'upgrade', 'downgrade', 'disabled'] },
  ),
  def(
    'group.consumer.assignors',
    'list',
    'org.apache.kafka.coordinator.group.assignor.UniformAssignor,org.apache.kafka.coordinator.group.assignor.RangeAssignor',
    'Server-side assignors for the consumer protocol.',
  ),

  // Transactions
  def('transaction.state.log.num.partitions', 'int', '1', 'Partitions of the transaction topic.', {
    min: 1,
    kafkaDefault: '50',
  }),
  def(
    'transaction.state.log.replication.factor',
    'short',
    '1',
    'Replication factor of the transaction topic.',
    {
      min: 1,
      kafkaDefault: '3',
    },
  ),
  def('transaction.state.log.min.isr', 'int', '1', 'min.insync.replicas of the transaction topic.', {
    min: 1,
    kafkaDefault: '2',
  }),
  def('transaction.state.log.segment.bytes', 'int', '104857600', 'Segment size of the transaction topic.', {
    min: 1,
  }),
  def('transaction.max.timeout.ms', 'int', '900000', 'Maximum transaction timeout a producer may ask for.', {
    min: 1,
  }),
  def('transactional.id.expiration.ms', 'int', '604800000', 'Idle transactional ids expire after this.', {
    min: 1,
  }),
  def(
    'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    'int',
    '10000',
    'How often timed-out transactions are rolled back.',
    { min: 1 },
  ),
  def(
    'transaction.remove.expired.transaction.cleanup.interval.ms',
    'int',
    '3600000',
    'Expired-id cleanup interval.',
    {
      min: 1,
    },
  ),
  def(
    'transaction.version',
    'short',
    '2',
    'Finalized level of the transaction.version feature (KIP-890): 2 offers transactions v2 to clients that support it, as a fresh Kafka 4 cluster does; 0 or 1 keeps every client on transactions v1. Kafka sets it with kafka-storage format --feature or kafka-features.',
    { min: 0, max: 2 },
  ),
  def(
    'transaction.partition.verification.enable',
    'boolean',
    'true',
    'Check with the transaction coordinator that a transactional batch belongs to an ongoing transaction that added its partition (KIP-890 part 1; transactions v2 batches add it themselves).',
    { dynamic: true },
  ),
  def('producer.id.expiration.ms', 'int', '86400000', 'Idle producer ids expire after this.', { min: 1 }),
  def('producer.id.expiration.check.interval.ms', 'int', '600000', 'How often producer ids are checked.', {
    min: 1,
  }),
]

/**
 * Topic-level properties: name, type, and the broker properties it defaults from, highest
 * precedence first (Kafka's synonyms, e.g. retention.ms ← log.retention.ms, .minutes, .hours).
 */
export interface TopicConfigDef extends ConfigDef {
  readonly synonyms: readonly string[]
}

function topic(
  name: string,
  type: ConfigValueType,
  synonyms: readonly string[],
  doc: string,
  extra: Partial<Omit<ConfigDef, 'name' | 'type' | 'default' | 'doc'>> & { default?: string | null } = {},
): TopicConfigDef {
  return { name, type, default: null, doc, implemented: true, synonyms, ...extra }
}

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  topic('cleanup.policy', 'list', ['log.cleanup.policy'], 'delete and/or compact.', {
    oneOf: ['delete', 'compact'],
  }),
  topic('compression.type', 'string', ['compression.type'], 'Final compression type of the topic.', {
    oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
  }),
  topic(
    'compression.gzip.level',
    'int',
    ['compression.gzip.level'],
    'gzip level when the broker compresses.',
    {
      min: 1,
      max: 9,
      orValue: -1,
    },
  ),
  topic('compression.lz4.level', 'int', ['compression.lz4.level'], 'lz4 level when the broker compresses.', {
    min: 1,
    max: 17,
    // Accepted and validated; our lz4 encoder has only lz4's fast mode (Kafka's default level 9).
    implemented: false,
  }),
  topic(
    'compression.zstd.level',
    'int',
    ['compression.zstd.level'],
    'zstd level when the broker compresses.',
    {
      min: -131072,
      max: 22,
    },
  ),
  topic('delete.retention.ms', 'long', ['log.cleaner.delete.retention.ms'], 'Tombstone retention.', {
    min: 0,
  }),
  topic('file.delete.delay.ms', 'long', ['log.segment.delete.delay.ms'], 'Delay before deleting files.', {
    min: 0,
  }),
  topic(
    'flush.messages',
    'long',
    ['log.flush.interval.messages'],
    'Messages between fsyncs (1 = fsync every append).',
    {
      min: 1,
    },
  ),
  topic('flush.ms', 'long', ['log.flush.interval.ms'], 'Maximum time between fsyncs.', {
    min: 0,
    default: LONG_MAX,
  }),
  topic('index.interval.bytes', 'int', ['log.index.interval.bytes'], 'Bytes between index entries.', {
    min: 0,
  }),
  topic('max.compaction.lag.ms', 'long', ['log.cleaner.max.compaction.lag.ms'], 'Maximum uncompacted time.', {
    min: 1,
  }),
  topic('max.message.bytes', 'int', ['message.max.bytes'], 'Largest record batch size allowed.', { min: 0 }),
  topic('message.timestamp.type', 'string', ['log.message.timestamp.type'], 'CreateTime or LogAppendTime.', {
    oneOf: ['CreateTime', 'LogAppendTime'],
  }),
  topic(
    'message.timestamp.before.max.ms',
    'long',
    ['log.message.timestamp.before.max.ms'],
    'Allowed age of a timestamp behind the broker time.',
    { min: 0 },
  ),
  topic(
    'message.timestamp.after.max.ms',
    'long',
    ['log.message.timestamp.after.max.ms'],
    'Allowed distance of a timestamp ahead of the broker time.',
    { min: 0 },
  ),
  topic(
    'min.cleanable.dirty.ratio',
    'double',
    ['log.cleaner.min.cleanable.ratio'],
    'Minimum dirty ratio to compact.',
    {
      min: 0,
      max: 1,
    },
  ),
  topic('min.compaction.lag.ms', 'long', ['log.cleaner.min.compaction.lag.ms'], 'Minimum uncompacted time.', {
    min: 0,
  }),
  topic('min.insync.replicas', 'int', ['min.insync.replicas'], 'Minimum in-sync replicas for acks=all.', {
    min: 1,
  }),
  topic('preallocate', 'boolean', ['log.preallocate'], 'Preallocate segment files.'),
  topic(
    'retention.bytes',
    'long',
    ['log.retention.bytes'],
    'Maximum partition size before deleting old segments.',
    {
      min: -1,
    },
  ),
  topic(
    'retention.ms',
    'long',
    ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
    'How long to retain a segment; -1 = forever.',
    { min: -1 },
  ),
  topic('segment.bytes', 'int', ['log.segment.bytes'], 'Segment file size.', { min: 14 }),
  topic('segment.index.bytes', 'int', ['log.index.size.max.bytes'], 'Offset index size.', { min: 4 }),
  topic(
    'segment.jitter.ms',
    'long',
    ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
    'Segment roll jitter.',
    { min: 0 },
  ),
  topic('segment.ms', 'long', ['log.roll.ms', 'log.roll.hours'], 'Time after which a segment is rolled.', {
    min: 1,
  }),
  topic(
    'unclean.leader.election.enable',
    'boolean',
    ['unclean.leader.election.enable'],
    'Unclean leader election.',
    {
      implemented: false,
    },
  ),
  topic(
    'leader.replication.throttled.replicas',
    'list',
    [],
    'Throttled leader replicas (no replication here).',
    {
      default: '',
      implemented: false,
    },
  ),
  topic(
    'follower.replication.throttled.replicas',
    'list',
    [],
    'Throttled follower replicas (no replication here).',
    {
      default: '',
      implemented: false,
    },
  ),
  topic('remote.storage.enable', 'boolean', [], 'Tiered storage (not supported: must stay false).', {
    default: 'false',
    oneOf: ['false'],
  }),
  topic('local.retention.ms', 'long', [], 'Local retention with tiered storage (-2 = retention.ms).', {
    default: '-2',
    min: -2,
    implemented: false,
  }),
  topic('local.retention.bytes', 'long', [], 'Local retention with tiered storage (-2 = retention.bytes).', {
    default: '-2',
    min: -2,
    implemented: false,
  }),
]

export const BROKER_CONFIG_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(
  BROKER_CONFIGS.map((d) => [d.name, d]),
)
export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(
  TOPIC_CONFIGS.map((d) => [d.name, d]),
)
