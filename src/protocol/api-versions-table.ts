// The ApiVersions table the broker advertises, derived from one source of truth per concern:
//  - the codec's declarations (generated API_CODECS): what we can decode/encode at all, minus the
//    latest version when it is still unstable upstream (latestVersionUnstable: never advertised);
//  - the broker's handlers: which keys we serve and the versions each handler implements (passed in
//    by the handler registry);
//  - the advertise policy below, from /work/shared/design/compatibility.md §B.3/§B.4: the ranges
//    real clients need to see, which are not always the ranges we implement.
//
// For each served key: max = min(handler max, codec stable max, policy cap);
//                      min = policy min when the policy sets one, else the handler's min.
// A policy min below the handler's min is deliberate: "advertise but reject". Clients send the
// highest version both sides know (librdkafka: highest in the overlap; kafkajs: min(its max, our
// max)), so the low end only has to *overlap* what old clients probe for. The canonical case is
// Produce: Kafka 4 advertises 0 but rejects v0-2 (KAFKA-18659), because librdkafka 2.0.2 disables
// compression unless Produce 0 is advertised. Requests below the handler's min are refused by the
// connection (request-frame.ts `supported` = the handler ranges, not this table).

import { API_CODECS, type ApiCodec } from './generated/index.ts'
import { ErrorCode } from './errors.ts'
import type { VersionSpan } from './request-frame.ts'

/** One entry of ApiVersionsResponse.apiKeys. */
export interface AdvertisedApi {
  apiKey: number
  minVersion: number
  maxVersion: number
}

export interface AdvertisePolicy {
  /** Advertised minimum (may lie below what the handler implements: see the header). */
  readonly min?: number
  /** Highest version we may advertise until the feature it needs exists. */
  readonly max?: number
  readonly why: string
}

/** compatibility.md §B.4 "advertise" column, with §B.3's client rules as the reasons. */
export const ADVERTISE_POLICY: Readonly<Record<number, AdvertisePolicy>> = {
  0: {
    min: 0,
    max: 12,
    why: "Produce: advertised from 0 though v0-2 are rejected (KAFKA-18659: librdkafka 2.0.2 enables LZ4 only if 0..0 overlaps, ZSTD only if 0..7 does, MsgVer2 needs 3, ZSTD needs 7); v12 is Kafka 4.0's maximum (KIP-890 part 2), v13 needs topic IDs",
  },
  1: {
    min: 4,
    max: 17,
    why: 'Fetch: v0-3 are message formats v0/v1, gone in Kafka 4 (KIP-896); librdkafka 2.0.2 MsgVer2 needs 4, ZSTD needs 10; kafka-python sends v4; v18 needs topic IDs',
  },
  2: {
    min: 0,
    max: 9,
    why: 'ListOffsets: librdkafka OffsetTime needs 1..1, kafka-python sends v1; v10+ not yet served',
  },
  3: { min: 0, max: 12, why: 'Metadata: kafka-python sends v1, librdkafka 2.0.2 v4; v13 needs topic IDs' },
  8: {
    min: 0,
    max: 9,
    why: 'OffsetCommit: librdkafka 2.0.2 BrokerBalancedConsumer needs 1..2, kafka-python sends v2; v10 needs topic IDs',
  },
  9: {
    min: 0,
    max: 9,
    why: 'OffsetFetch: librdkafka 2.0.2 BrokerBalancedConsumer needs 1..1, kafka-python sends v1; v10 needs topic IDs',
  },
  10: {
    min: 0,
    why: 'FindCoordinator: librdkafka 2.0.2 BrokerGroupCoordinator, LZ4 and BrokerBalancedConsumer need 0..0',
  },
  11: {
    min: 0,
    why: 'JoinGroup: librdkafka 2.0.2 BrokerBalancedConsumer needs 0..0 (Kafka 4.0 min 2 breaks it; 4.1 re-added 0-1)',
  },
  12: { min: 0, why: 'Heartbeat: librdkafka 2.0.2 BrokerBalancedConsumer needs 0..0' },
  13: { min: 0, why: 'LeaveGroup: librdkafka 2.0.2 BrokerBalancedConsumer needs 0..0' },
  14: { min: 0, why: 'SyncGroup: librdkafka 2.0.2 BrokerBalancedConsumer needs 0..0' },
  15: {
    min: 0,
    max: 5,
    why: 'DescribeGroups: admin tools and kafkajs use low versions; §B.4 advertises 0-5',
  },
  16: { min: 0, why: 'ListGroups: admin tools and kafkajs use low versions' },
  17: {
    min: 0,
    why: 'SaslHandshake: librdkafka 2.0.2 SaslHandshake feature needs 0..0, SaslAuthReq needs 1..1; kafka-python sends v0',
  },
  18: { min: 0, why: 'ApiVersions: kafka-python sends v0; librdkafka 2.0.2 ApiVersion feature needs 0..0' },
  19: { min: 0, why: 'CreateTopics: every test suite creates topics; §B.4 advertises from 0' },
  20: { min: 0, why: 'DeleteTopics: §B.4 advertises from 0' },
  21: { min: 0, why: 'DeleteRecords: §B.4 advertises from 0' },
  22: { min: 0, why: 'InitProducerId: librdkafka 2.0.2 Idempotence needs 0..0' },
  23: {
    min: 0,
    why: 'OffsetForLeaderEpoch: §B.4 advertises from 0 (librdkafka ≥ 2.1 and Java validate positions)',
  },
  24: { min: 0, why: 'AddPartitionsToTxn: librdkafka sends v0' },
  25: { min: 0, why: 'AddOffsetsToTxn: librdkafka sends v0' },
  26: { min: 0, why: 'EndTxn: §B.4 advertises from 0' },
  28: { min: 0, why: 'TxnOffsetCommit: §B.4 advertises from 0' },
  29: { min: 0, why: 'DescribeAcls: must include v2, or kafka-python 2.0.2 guesses a 0.10 broker' },
  30: { min: 0, why: 'CreateAcls: §B.4 advertises 0-3' },
  31: { min: 0, why: 'DeleteAcls: §B.4 advertises 0-3' },
  32: { min: 0, why: 'DescribeConfigs: librdkafka 2.0.2 sends v1, admin clients low versions' },
  33: { min: 0, why: 'AlterConfigs: librdkafka 2.0.2 sends v0' },
  34: { min: 1, why: 'AlterReplicaLogDirs: v0 removed in Kafka 4 (KIP-896)' },
  35: { min: 1, why: 'DescribeLogDirs: v0 removed in Kafka 4 (KIP-896)' },
  36: { min: 0, why: 'SaslAuthenticate: librdkafka 2.0.2 SaslAuthReq needs 0..0' },
  37: { min: 0, why: 'CreatePartitions: librdkafka 2.0.2 sends v0' },
  38: { min: 1, why: 'CreateDelegationToken: v0 removed in Kafka 4 (KIP-896)' },
  39: { min: 1, why: 'RenewDelegationToken: v0 removed in Kafka 4 (KIP-896)' },
  40: { min: 1, why: 'ExpireDelegationToken: v0 removed in Kafka 4 (KIP-896)' },
  41: { min: 1, why: 'DescribeDelegationToken: v0 removed in Kafka 4 (KIP-896)' },
  42: { min: 0, why: 'DeleteGroups: §B.4 advertises from 0' },
  44: { min: 0, why: 'IncrementalAlterConfigs: §B.4 advertises 0-1' },
  45: {
    max: 0,
    why: 'AlterPartitionReassignments: v1 (allowReplicationFactorChange, Kafka 4.1) not yet served',
  },
  66: { max: 1, why: 'ListTransactions: v2 (transactionalIdPattern, Kafka 4.1) not yet served' },
  74: { max: 0, why: 'ListConfigResources: v1 (Kafka 4.1 generalisation) not yet served' },
}

/** The codec's advertisable range: declared versions minus an unstable latest version. */
export function stableVersions(codec: ApiCodec): VersionSpan {
  return {
    min: codec.minVersion,
    max: codec.latestVersionUnstable ? codec.maxVersion - 1 : codec.maxVersion,
  }
}

/**
 * The ApiVersions table for a broker whose handlers serve `handlers` (API key → implemented
 * versions), sorted by key. Throws RangeError when a handler claims versions the codec lacks, or
 * when the policy leaves a served key nothing to advertise (both are startup-time bugs).
 */
export function advertisedApiVersions(
  handlers: ReadonlyMap<number, VersionSpan>,
  codecs: readonly ApiCodec[] = API_CODECS,
  policy: Readonly<Record<number, AdvertisePolicy>> = ADVERTISE_POLICY,
): AdvertisedApi[] {
  const byKey = new Map(codecs.map((c) => [c.key, c]))
  const out: AdvertisedApi[] = []
  for (const [apiKey, span] of [...handlers].sort((a, b) => a[0] - b[0])) {
    const codec = byKey.get(apiKey)
    if (codec === undefined) throw new RangeError(`API key ${apiKey} has a handler but no codec`)
    if (span.min > span.max || span.min < codec.minVersion || span.max > codec.maxVersion)
      throw new RangeError(
        `${codec.name} handler versions ${span.min}-${span.max} lie outside the codec's ${codec.minVersion}-${codec.maxVersion}`,
      )
    const stable = stableVersions(codec)
    const rule = policy[apiKey]
    const maxVersion = Math.min(span.max, stable.max, rule?.max ?? Infinity)
    const minVersion = Math.max(rule?.min ?? span.min, codec.minVersion)
    if (maxVersion < minVersion || maxVersion < span.min)
      throw new RangeError(
        `${codec.name}: nothing to advertise (handler ${span.min}-${span.max}, stable max ${stable.max}, policy ${rule?.min ?? '-'}-${rule?.max ?? '-'})`,
      )
    out.push({ apiKey, minVersion, maxVersion })
  }
  return out
}

/**
 * The body answering an ApiVersions request of a version we do not serve (KIP-511): encoded at v0
 * whatever the request version, with UNSUPPORTED_VERSION and our table so the client can retry.
 */
export function unsupportedApiVersionsBody(table: readonly AdvertisedApi[]): {
  errorCode: number
  apiKeys: AdvertisedApi[]
} {
  return { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [...table] }
}
