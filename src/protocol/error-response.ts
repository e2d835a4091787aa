// errorResponseFor: the response an API gives when the whole request fails (like Kafka's
// AbstractRequest.getErrorResponse), derived from the schema declarations instead of written per API.
//
// Walk of the response schema at the requested version (tagged fields are left at their defaults):
//  - every int16 named `errorCode` or `…ErrorCode` gets the code; `errorMessage`/`…ErrorMessage`
//    strings get the message when one is given;
//  - a response array of structs is rebuilt from the request array it answers, one element per
//    request element, when the two line up: the same field name (OffsetCommit topics → topics), or a
//    known request→response naming pair (Produce topicData → responses, partitionData →
//    partitionResponses; DeleteTopics topicNames → responses; …) whose elements share an identity
//    field or whose response element has none (CreateAcls creations → results). It is rebuilt only
//    if its elements can carry an error code (directly or deeper) or are pure identity (an entity);
//    data arrays (CreateTopics configs) stay empty;
//  - inside a rebuilt element, identity fields (topic name/id, partition index, group id, …) are
//    copied from the request element (with Kafka's aliases: partition ↔ partitionIndex ↔ index ↔
//    partitionId, topic ↔ name ↔ topicName, user ↔ name). A request array of strings or ints
//    (DescribeGroups groups, OffsetFetch partitionIndexes) fills the element's first identity field
//    of that type;
//  - offsets, epochs, node ids and the like with no declared default get -1, Kafka's "unknown"
//    (INVALID_OFFSET, NO_PRODUCER_ID, UNKNOWN_GENERATION_ID, Node.noNode()); everything else keeps
//    its declared default.
// APIs where this is wrong override it in their handler (architecture §4.6).

import { ALL_APIS } from './schema/apis/index.ts'
import type { ApiSpec, FieldSpec, StructSpec, TypeSpec } from './schema/dsl.ts'
import { contains } from './schema/versions.ts'

type Value = Record<string, unknown>

const API_BY_KEY: ReadonlyMap<number, ApiSpec> = new Map(ALL_APIS.map((a) => [a.key, a]))

/** Request array name → response array names it is answered by (besides the same name). */
const ARRAY_PAIRS: Readonly<Record<string, readonly string[]>> = {
  topicData: ['responses'],
  partitionData: ['partitionResponses'],
  topics: ['responses', 'results', 'topicResults'],
  topicNames: ['responses'],
  v3AndBelowTopics: ['resultsByTopicV3AndBelow'],
  transactions: ['resultsByTransaction'],
  partitions: ['resultsByPartition', 'partitionResult'],
  partitionIndexes: ['partitions'],
  groupsNames: ['results'],
  groupIds: ['groups'],
  coordinatorKeys: ['coordinators'],
  resources: ['results', 'responses'],
  topicPartitions: ['replicaElectionResults'],
  creations: ['results'],
  filters: ['filterResults'],
  transactionalIds: ['transactionStates'],
  users: ['results'],
  featureUpdates: ['results'],
}

/** Fields that identify an element (copied from the request); value: request-side aliases. */
const IDENTITY: Readonly<Record<string, readonly string[]>> = {
  name: ['name', 'topic', 'topicName'],
  topic: ['topic', 'name', 'topicName'],
  topicName: ['topicName', 'name', 'topic'],
  topicId: ['topicId'],
  partitionIndex: ['partitionIndex', 'partition', 'index', 'partitionId'],
  partition: ['partition', 'partitionIndex', 'index', 'partitionId'],
  index: ['index', 'partitionIndex', 'partition'],
  partitionId: ['partitionId', 'partitionIndex', 'partition', 'index'],
  groupId: ['groupId'],
  memberId: ['memberId'],
  groupInstanceId: ['groupInstanceId'],
  transactionalId: ['transactionalId'],
  producerId: ['producerId'],
  resourceType: ['resourceType'],
  resourceName: ['resourceName'],
  user: ['user', 'name'],
  entityType: ['entityType'],
  entityName: ['entityName'],
  feature: ['feature'],
  key: ['key'],
  logDir: ['logDir'],
}

/** Numeric fields whose "unknown" value is -1 in Kafka's error responses. */
const UNKNOWN_IS_MINUS_ONE = new Set([
  'baseOffset',
  'offset',
  'committedOffset',
  'committedLeaderEpoch',
  'highWatermark',
  'lastStableOffset',
  'logStartOffset',
  'lowWatermark',
  'endOffset',
  'timestamp',
  'logAppendTimeMs',
  'leaderEpoch',
  'leaderId',
  'nodeId',
  'port',
  'producerId',
  'producerEpoch',
  'generationId',
])

const isErrorCodeField = (f: FieldSpec): boolean =>
  f.type.kind === 'primitive' &&
  f.type.primitive === 'int16' &&
  (f.name === 'errorCode' || f.name.endsWith('ErrorCode'))

const isErrorMessageField = (f: FieldSpec): boolean =>
  f.type.kind === 'primitive' &&
  f.type.primitive === 'string' &&
  (f.name === 'errorMessage' || f.name.endsWith('ErrorMessage'))

/** Whether the field is written in version v as a regular (untagged) field. */
const inVersion = (f: FieldSpec, v: number): boolean =>
  contains(f.versions, v) && !contains(f.taggedVersions, v)

const structItems = (t: TypeSpec): StructSpec | undefined =>
  t.kind === 'array' && t.items.kind === 'struct' ? t.items.struct : undefined

/**
 * The response to `request` (the decoded request body, or undefined when it could not be decoded)
 * when all of it fails with `errorCode`; encodable at `version` by the API's generated encoder.
 */
export function errorResponseFor(
  apiKey: number,
  version: number,
  request: object | undefined,
  errorCode: number,
  message?: string | null,
): Value {
  const api = API_BY_KEY.get(apiKey)
  if (api === undefined) throw new RangeError(`no schema for API key ${apiKey}`)
  if (!contains(api.validVersions, version)) throw new RangeError(`${api.name} has no version ${version}`)
  const walk = new Walk(version, errorCode, message)
  return walk.struct(api.response.struct, api.request.struct, request as Value | undefined, false)
}

class Walk {
  readonly v: number
  readonly code: number
  readonly message: string | null | undefined
  /** Memo: whether a struct's elements are worth rebuilding (can carry an error, or pure identity). */
  private readonly worth = new Map<StructSpec, boolean>()

  constructor(v: number, code: number, message: string | null | undefined) {
    this.v = v
    this.code = code
    this.message = message
  }

  /** Builds one response struct; `element` marks array elements, where identity fields are copied. */
  struct(resp: StructSpec, reqSpec: StructSpec | undefined, req: Value | undefined, element: boolean): Value {
    const out: Value = {}
    for (const f of resp.fields) {
      if (!inVersion(f, this.v)) continue
      if (isErrorCodeField(f)) {
        out[f.name] = this.code
      } else if (isErrorMessageField(f)) {
        if (this.message !== undefined && (this.message !== null || contains(f.nullableVersions, this.v)))
          out[f.name] = this.message
      } else if (structItems(f.type) !== undefined) {
        const rebuilt = this.array(f, reqSpec, req)
        if (rebuilt !== undefined) out[f.name] = rebuilt
      } else if (f.type.kind === 'struct') {
        // Nested (non-array) structs keep their default unless they hold an error code to set.
        if (!contains(f.nullableVersions, this.v) && this.worthRebuilding(f.type.struct))
          out[f.name] = this.struct(f.type.struct, undefined, undefined, false)
      } else if (f.type.kind === 'primitive') {
        const copied = element ? this.identityFrom(f, reqSpec, req) : undefined
        if (copied !== undefined) out[f.name] = copied
        else if (f.default === undefined && UNKNOWN_IS_MINUS_ONE.has(f.name)) {
          if (f.type.primitive === 'int64') out[f.name] = -1n
          else if (f.type.primitive === 'int32' || f.type.primitive === 'int16') out[f.name] = -1
        }
      }
    }
    return out
  }

  /** The request value for an identity field of a rebuilt element, if one lines up. */
  private identityFrom(f: FieldSpec, reqSpec: StructSpec | undefined, req: Value | undefined): unknown {
    const aliases = IDENTITY[f.name]
    if (aliases === undefined || reqSpec === undefined || req === undefined || f.type.kind !== 'primitive')
      return undefined
    for (const alias of aliases) {
      const q = reqSpec.fields.find((x) => x.name === alias)
      if (q === undefined || !contains(q.versions, this.v)) continue
      if (q.type.kind !== 'primitive' || q.type.primitive !== f.type.primitive) continue
      const value = req[alias]
      if (value === undefined) continue
      if (value === null && !contains(f.nullableVersions, this.v)) continue
      return value
    }
    return undefined
  }

  /** A response array rebuilt from the request array it answers, or undefined to keep the default. */
  private array(f: FieldSpec, reqSpec: StructSpec | undefined, req: Value | undefined): Value[] | undefined {
    const elem = structItems(f.type)!
    if (reqSpec === undefined || req === undefined || !this.worthRebuilding(elem)) return undefined
    const q = this.counterpart(f, elem, reqSpec)
    if (q === undefined) return undefined
    const items = req[q.name]
    if (!Array.isArray(items)) return undefined // null (e.g. Metadata "all topics"): nothing to answer
    const qItems = q.type.kind === 'array' ? q.type.items : undefined
    if (qItems?.kind === 'struct') {
      return items.map((item: Value) => this.struct(elem, qItems.struct, item, true))
    }
    // An array of plain values: each fills the element's first identity field of that type.
    const key = elem.fields.find(
      (x) =>
        inVersion(x, this.v) &&
        IDENTITY[x.name] !== undefined &&
        x.type.kind === 'primitive' &&
        qItems?.kind === 'primitive' &&
        x.type.primitive === qItems.primitive,
    )
    if (key === undefined) return undefined
    return items.map((item: unknown) => {
      const out = this.struct(elem, undefined, undefined, true)
      if (item !== null || contains(key.nullableVersions, this.v)) out[key.name] = item
      return out
    })
  }

  /** The request array a response array answers, present in this version. */
  private counterpart(f: FieldSpec, elem: StructSpec, reqSpec: StructSpec): FieldSpec | undefined {
    const candidates = reqSpec.fields.filter(
      (q) =>
        q.type.kind === 'array' &&
        contains(q.versions, this.v) &&
        (q.name === f.name || (ARRAY_PAIRS[q.name]?.includes(f.name) ?? false)),
    )
    for (const q of candidates) {
      const qItems = (q.type as { items: TypeSpec }).items
      if (qItems.kind !== 'struct') return q
      if (q.name === f.name || this.identitiesLineUp(elem, qItems.struct)) return q
    }
    return undefined
  }

  /** A response element with no identity fields answers any element; otherwise one must match. */
  private identitiesLineUp(resp: StructSpec, req: StructSpec): boolean {
    const ids = resp.fields.filter((x) => inVersion(x, this.v) && IDENTITY[x.name] !== undefined)
    if (ids.length === 0) return true
    return ids.some((x) =>
      IDENTITY[x.name]!.some((alias) =>
        req.fields.some((q) => q.name === alias && contains(q.versions, this.v)),
      ),
    )
  }

  private worthRebuilding(s: StructSpec): boolean {
    const known = this.worth.get(s)
    if (known !== undefined) return known
    this.worth.set(s, false) // guards recursive declarations
    const fields = s.fields.filter((x) => inVersion(x, this.v))
    const worth =
      fields.some((x) => isErrorCodeField(x)) ||
      fields.some((x) => {
        const inner = structItems(x.type)
        return inner !== undefined && this.worthRebuilding(inner)
      }) ||
      (fields.length > 0 && fields.every((x) => IDENTITY[x.name] !== undefined))
    this.worth.set(s, worth)
    return worth
  }
}
