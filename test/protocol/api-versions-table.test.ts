import { describe, expect, it } from 'vitest'
import {
  ADVERTISE_POLICY,
  advertisedApiVersions,
  unsupportedApiVersionsBody,
  type AdvertisedApi,
} from '../../src/protocol/api-versions-table.ts'
import { API_CODECS, type ApiCodec } from '../../src/protocol/generated/index.ts'
import { decodeResponseFrame, encodeResponseFrame } from '../../src/protocol/request-frame.ts'

type Span = { min: number; max: number }

/** What the broker's handlers implement: compatibility.md §B.4 "impl" column (plus admin APIs). */
const IMPL = new Map<number, Span>([
  [0, { min: 3, max: 13 }],
  [1, { min: 4, max: 17 }],
  [2, { min: 1, max: 9 }],
  [3, { min: 0, max: 12 }],
  [8, { min: 2, max: 9 }],
  [9, { min: 1, max: 9 }],
  [10, { min: 0, max: 6 }],
  [11, { min: 0, max: 9 }],
  [12, { min: 0, max: 4 }],
  [13, { min: 0, max: 5 }],
  [14, { min: 0, max: 5 }],
  [15, { min: 0, max: 5 }],
  [16, { min: 0, max: 5 }],
  [17, { min: 0, max: 1 }],
  [18, { min: 0, max: 4 }],
  [19, { min: 1, max: 7 }],
  [20, { min: 1, max: 6 }],
  [21, { min: 0, max: 2 }],
  [22, { min: 0, max: 5 }],
  [23, { min: 2, max: 4 }],
  [24, { min: 0, max: 5 }],
  [25, { min: 0, max: 4 }],
  [26, { min: 0, max: 5 }],
  [28, { min: 0, max: 5 }],
  [29, { min: 1, max: 3 }],
  [30, { min: 1, max: 3 }],
  [31, { min: 1, max: 3 }],
  [32, { min: 1, max: 4 }],
  [33, { min: 0, max: 2 }],
  [36, { min: 0, max: 2 }],
  [37, { min: 0, max: 3 }],
  [42, { min: 0, max: 2 }],
  [44, { min: 0, max: 1 }],
  [45, { min: 0, max: 1 }],
  [46, { min: 0, max: 0 }],
  [47, { min: 0, max: 0 }],
  [60, { min: 0, max: 2 }],
])

/** A broker that implements everything the codec declares. */
const EVERYTHING = new Map(API_CODECS.map((c) => [c.key, { min: c.minVersion, max: c.maxVersion }]))

const tables: Array<[string, AdvertisedApi[]]> = [
  ['impl ranges', advertisedApiVersions(IMPL)],
  ['every codec version', advertisedApiVersions(EVERYTHING)],
]

const entry = (t: AdvertisedApi[], key: number): AdvertisedApi | undefined => t.find((e) => e.apiKey === key)

/** librdkafka's rule (rdkafka_feature.c): match.Min <= api.Max && api.Min <= match.Max. */
function overlaps(t: AdvertisedApi[], key: number, lo: number, hi: number): boolean {
  const e = entry(t, key)
  return e !== undefined && lo <= e.maxVersion && e.minVersion <= hi
}

/** The version a client sending min(its max, our max) ends up using, if any. */
function picked(t: AdvertisedApi[], key: number, clientMax: number): number | undefined {
  const e = entry(t, key)
  return e === undefined ? undefined : Math.min(clientMax, e.maxVersion)
}

const PRODUCE = 0,
  FETCH = 1,
  LIST_OFFSETS = 2,
  OFFSET_COMMIT = 8,
  OFFSET_FETCH = 9,
  FIND_COORDINATOR = 10,
  JOIN_GROUP = 11,
  HEARTBEAT = 12,
  LEAVE_GROUP = 13,
  SYNC_GROUP = 14,
  SASL_HANDSHAKE = 17,
  API_VERSIONS = 18,
  INIT_PRODUCER_ID = 22,
  DESCRIBE_ACLS = 29,
  SASL_AUTHENTICATE = 36

// compatibility.md §B.3.1: librdkafka 2.0.2's feature map, each a list of [key, min, max] overlaps.
const LIBRDKAFKA_202_FEATURES: Record<string, Array<[number, number, number]>> = {
  MsgVer2: [
    [PRODUCE, 3, 3],
    [FETCH, 4, 4],
  ],
  ApiVersion: [[API_VERSIONS, 0, 0]],
  BrokerGroupCoordinator: [[FIND_COORDINATOR, 0, 0]],
  BrokerBalancedConsumer: [
    [FIND_COORDINATOR, 0, 0],
    [OFFSET_COMMIT, 1, 2],
    [OFFSET_FETCH, 1, 1],
    [JOIN_GROUP, 0, 0],
    [SYNC_GROUP, 0, 0],
    [HEARTBEAT, 0, 0],
    [LEAVE_GROUP, 0, 0],
  ],
  SaslHandshake: [[SASL_HANDSHAKE, 0, 0]],
  SaslAuthReq: [
    [SASL_HANDSHAKE, 1, 1],
    [SASL_AUTHENTICATE, 0, 0],
  ],
  LZ4: [[FIND_COORDINATOR, 0, 0]],
  OffsetTime: [[LIST_OFFSETS, 1, 1]],
  Idempotence: [[INIT_PRODUCER_ID, 0, 0]],
  ZSTD: [
    [PRODUCE, 7, 7],
    [FETCH, 10, 10],
  ],
  // Off by design (Fetch min 4, as Kafka 4.0): unused once MsgVer2 is on.
  MsgVer1: [
    [PRODUCE, 2, 2],
    [FETCH, 2, 2],
  ],
  ThrottleTime: [
    [PRODUCE, 1, 2],
    [FETCH, 1, 2],
  ],
}

// §B.2 columns: the max version each client sends per key.
const KAFKAJS_224: Record<number, number> = {
  0: 7,
  1: 11,
  2: 3,
  3: 6,
  8: 5,
  9: 4,
  10: 2,
  11: 5,
  12: 3,
  13: 3,
  14: 3,
  15: 2,
  16: 2,
  17: 1,
  18: 2,
  19: 3,
  20: 1,
  21: 1,
  22: 1,
  24: 1,
  25: 1,
  26: 1,
  28: 1,
  29: 1,
  30: 1,
  31: 1,
  32: 2,
  33: 1,
  36: 1,
  37: 1,
  42: 1,
  45: 0,
  46: 0,
}
const LIBRDKAFKA_202: Record<number, number> = {
  0: 7,
  1: 11,
  2: 2,
  3: 4,
  8: 7,
  9: 7,
  10: 2,
  11: 5,
  12: 3,
  13: 1,
  14: 3,
  15: 4,
  16: 4,
  17: 1,
  18: 3,
  19: 4,
  20: 1,
  21: 1,
  22: 4,
  24: 0,
  25: 0,
  26: 1,
  28: 3,
  29: 1,
  30: 1,
  31: 1,
  32: 1,
  33: 0,
  36: 0,
  37: 0,
  42: 1,
  47: 0,
}
// kafka-python 2.0.2 after guessing a (2,5) broker: fixed versions, no negotiation.
const KAFKA_PYTHON_FIXED: Record<number, number> = {
  0: 7,
  1: 4,
  2: 1,
  3: 1,
  8: 2,
  9: 1,
  10: 0,
  11: 2,
  14: 1,
  12: 1,
  13: 1,
  17: 0,
  18: 0,
}

describe.each(tables)('advertised table (%s)', (_name, table) => {
  it('enables every librdkafka 2.0.2 feature we need, and only MsgVer1/ThrottleTime stay off', () => {
    const enabled = Object.entries(LIBRDKAFKA_202_FEATURES)
      .filter(([, needs]) => needs.every(([k, lo, hi]) => overlaps(table, k, lo, hi)))
      .map(([name]) => name)
    expect(enabled.sort()).toEqual(
      [
        'MsgVer2',
        'ApiVersion',
        'BrokerGroupCoordinator',
        'BrokerBalancedConsumer',
        'SaslHandshake',
        'SaslAuthReq',
        'LZ4',
        'OffsetTime',
        'Idempotence',
        'ZSTD',
      ].sort(),
    )
  })

  it("keeps librdkafka 2.0.2's message-set writer codecs on (Produce in 0..0 for LZ4, 0..7 for ZSTD)", () => {
    expect(overlaps(table, PRODUCE, 0, 0)).toBe(true)
    expect(overlaps(table, PRODUCE, 0, 7)).toBe(true)
  })

  it('meets the §B.3 minimums', () => {
    for (const k of [
      API_VERSIONS,
      FIND_COORDINATOR,
      JOIN_GROUP,
      SYNC_GROUP,
      HEARTBEAT,
      LEAVE_GROUP,
      INIT_PRODUCER_ID,
      SASL_HANDSHAKE,
    ])
      expect(entry(table, k)!.minVersion).toBe(0)
    expect(entry(table, PRODUCE)!.minVersion).toBe(0)
    expect(entry(table, OFFSET_COMMIT)!.minVersion).toBeLessThanOrEqual(2)
    expect(entry(table, OFFSET_FETCH)!.minVersion).toBeLessThanOrEqual(1)
    expect(entry(table, LIST_OFFSETS)!.minVersion).toBeLessThanOrEqual(1)
    for (const [k, v] of [
      [PRODUCE, 3],
      [PRODUCE, 7],
      [FETCH, 4],
      [FETCH, 10],
    ] as const)
      expect(overlaps(table, k, v, v)).toBe(true)
    expect(entry(table, SASL_HANDSHAKE)!.maxVersion).toBeGreaterThanOrEqual(1)
    expect(overlaps(table, SASL_AUTHENTICATE, 0, 0)).toBe(true)
  })

  it("passes kafka-python 2.0.2's probe (DescribeAcls v2) and advertises its fixed versions", () => {
    expect(overlaps(table, DESCRIBE_ACLS, 2, 2)).toBe(true)
    for (const [k, v] of Object.entries(KAFKA_PYTHON_FIXED))
      expect(overlaps(table, Number(k), v, v)).toBe(true)
  })

  it('never advertises versions whose features we lack (topic IDs)', () => {
    // 12 is Kafka 4.0's maximum (KIP-890 part 2, served); 13 addresses topics by id.
    expect(entry(table, PRODUCE)!.maxVersion).toBe(12)
    expect(entry(table, FETCH)!.maxVersion).toBe(17)
    expect(entry(table, 3)!.maxVersion).toBe(12)
    expect(entry(table, OFFSET_COMMIT)!.maxVersion).toBe(9)
    expect(entry(table, OFFSET_FETCH)!.maxVersion).toBe(9)
    expect(entry(table, FETCH)!.minVersion).toBe(4)
  })

  it('matches the §B.4 advertise column', () => {
    const want: Record<number, [number, number]> = {
      18: [0, 4],
      3: [0, 12],
      0: [0, 12],
      1: [4, 17],
      2: [0, 9],
      8: [0, 9],
      9: [0, 9],
      10: [0, 6],
      11: [0, 9],
      14: [0, 5],
      12: [0, 4],
      13: [0, 5],
      15: [0, 5],
      16: [0, 5],
      19: [0, 7],
      20: [0, 6],
      37: [0, 3],
      21: [0, 2],
      42: [0, 2],
      22: [0, 5],
      24: [0, 5],
      25: [0, 4],
      26: [0, 5],
      28: [0, 5],
      17: [0, 1],
      36: [0, 2],
      32: [0, 4],
      33: [0, 2],
      44: [0, 1],
      29: [0, 3],
      30: [0, 3],
      31: [0, 3],
      23: [0, 4],
    }
    for (const [k, [min, max]] of Object.entries(want))
      expect([Number(k), entry(table, Number(k))?.minVersion, entry(table, Number(k))?.maxVersion]).toEqual([
        Number(k),
        min,
        max,
      ])
  })

  it('is sorted by key with non-empty ranges', () => {
    const keys = table.map((e) => e.apiKey)
    expect(keys).toEqual([...keys].sort((a, b) => a - b))
    for (const e of table) expect(e.minVersion).toBeLessThanOrEqual(e.maxVersion)
  })
})

describe('what clients then send lands on implemented versions', () => {
  const table = advertisedApiVersions(IMPL)
  const implemented = (k: number, v: number | undefined) =>
    v !== undefined && v >= IMPL.get(k)!.min && v <= IMPL.get(k)!.max

  it('kafkajs 2.2.4: min(its max, our max) for every key it uses, all keys present', () => {
    for (const [k, max] of Object.entries(KAFKAJS_224))
      expect([k, implemented(Number(k), picked(table, Number(k), max))]).toEqual([k, true])
  })

  it('librdkafka 2.0.2: the highest version of the overlap', () => {
    for (const [k, max] of Object.entries(LIBRDKAFKA_202))
      expect([k, implemented(Number(k), picked(table, Number(k), max))]).toEqual([k, true])
  })

  it('kafka-python 2.0.2: its fixed versions', () => {
    for (const [k, v] of Object.entries(KAFKA_PYTHON_FIXED))
      expect([k, implemented(Number(k), v)]).toEqual([k, true])
  })
})

describe('derivation', () => {
  const fake = (key: number, min: number, max: number, unstable = false): ApiCodec => ({
    ...API_CODECS.find((c) => c.key === key)!,
    minVersion: min,
    maxVersion: max,
    latestVersionUnstable: unstable,
  })

  it('drops an unstable latest version', () => {
    const codecs = [fake(60, 0, 3, true)]
    expect(advertisedApiVersions(new Map([[60, { min: 0, max: 3 }]]), codecs)).toEqual([
      { apiKey: 60, minVersion: 0, maxVersion: 2 },
    ])
    expect(advertisedApiVersions(new Map([[60, { min: 0, max: 3 }]]), [fake(60, 0, 3)])).toEqual([
      { apiKey: 60, minVersion: 0, maxVersion: 3 },
    ])
  })

  it("uses the handler's range where the policy is silent, and caps by the handler", () => {
    expect(advertisedApiVersions(new Map([[60, { min: 1, max: 2 }]]))).toEqual([
      { apiKey: 60, minVersion: 1, maxVersion: 2 },
    ])
    expect(advertisedApiVersions(new Map([[0, { min: 3, max: 8 }]]))).toEqual([
      { apiKey: 0, minVersion: 0, maxVersion: 8 },
    ])
    expect(ADVERTISE_POLICY[60]).toBeUndefined()
  })

  it('lists only served keys', () => {
    expect(advertisedApiVersions(new Map()).length).toBe(0)
    expect(advertisedApiVersions(new Map([[18, { min: 0, max: 4 }]])).map((e) => e.apiKey)).toEqual([18])
  })

  it('refuses handler ranges outside the codec, and policies that leave nothing', () => {
    expect(() => advertisedApiVersions(new Map([[7, { min: 0, max: 0 }]]))).toThrow(/no codec/)
    expect(() => advertisedApiVersions(new Map([[18, { min: 0, max: 99 }]]))).toThrow(/outside/)
    expect(() => advertisedApiVersions(new Map([[18, { min: 3, max: 1 }]]))).toThrow(/outside/)
    expect(() => advertisedApiVersions(new Map([[1, { min: 18, max: 18 }]]))).toThrow(/nothing to advertise/)
  })
})

describe('KIP-511 fallback body', () => {
  it('encodes at v0 with UNSUPPORTED_VERSION and the table, behind a v0 response header', () => {
    const table = advertisedApiVersions(IMPL)
    const frame = Buffer.concat(encodeResponseFrame(18, 0, 77, unsupportedApiVersionsBody(table))).subarray(4)
    expect(frame.readInt32BE(0)).toBe(77)
    expect(frame.readInt16BE(4)).toBe(35)
    expect(frame.readInt32BE(6)).toBe(table.length)
    expect(decodeResponseFrame(18, 0, frame).body).toMatchObject({
      errorCode: 35,
      apiKeys: table,
      throttleTimeMs: 0,
    })
  })
})
