/* eslint-disable @typescript-eslint/no-explicit-any -- decoded responses are inspected field by field */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { errorResponseFor } from '../../src/protocol/error-response.ts'
import { CODEC_BY_KEY } from '../../src/protocol/generated/index.ts'
import { Reader } from '../../src/protocol/primitives/reader.ts'
import { Writer } from '../../src/protocol/primitives/writer.ts'
import { ALL_APIS } from '../../src/protocol/schema/apis/index.ts'
import type { StructSpec } from '../../src/protocol/schema/dsl.ts'
import { contains } from '../../src/protocol/schema/versions.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { messageArb } from './arbitraries.ts'

/** Encodes the response with the generated encoder and decodes it back: the result must encode. */
function roundTrip(key: number, v: number, body: object): any {
  const codec = CODEC_BY_KEY[key]!
  const w = new Writer()
  codec.encodeResponse(w, v, body)
  const r = new Reader(w.toBuffer())
  const out = codec.decodeResponse(r, v)
  expect(r.remaining).toBe(0)
  return out
}

function respond(key: number, v: number, req: object | undefined, code: number, message?: string): any {
  return roundTrip(key, v, errorResponseFor(key, v, req, code, message))
}

/** Every untagged error-code field present at v, at any depth of the decoded value. */
function errorCodes(s: StructSpec, v: number, value: any, out: number[] = []): number[] {
  for (const f of s.fields) {
    if (!contains(f.versions, v) || contains(f.taggedVersions, v)) continue
    const x = value[f.name]
    if (f.type.kind === 'primitive' && f.type.primitive === 'int16' && /^errorCode$|ErrorCode$/.test(f.name))
      out.push(x)
    else if (f.type.kind === 'array' && f.type.items.kind === 'struct' && Array.isArray(x))
      for (const e of x) errorCodes(f.type.items.struct, v, e, out)
  }
  return out
}

describe('errorResponseFor on every API and version', () => {
  for (const api of ALL_APIS) {
    it(`${api.key} ${api.name}: encodes at every version with the error wherever it reaches`, () => {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        fc.assert(
          fc.property(messageArb(api.request, v, { maxArray: 3, unknownTags: false }), (req) => {
            const decoded = respond(api.key, v, req, ErrorCode.NOT_COORDINATOR)
            for (const c of errorCodes(api.response.struct, v, decoded)) expect(c).toBe(16)
          }),
          { numRuns: 4 },
        )
        // No request at all (it could not be decoded): still encodable.
        const bare = respond(api.key, v, undefined, ErrorCode.UNKNOWN_SERVER_ERROR)
        for (const c of errorCodes(api.response.struct, v, bare)) expect(c).toBe(-1)
      }
    })
  }

  it('rejects unknown keys and versions', () => {
    expect(() => errorResponseFor(7, 0, undefined, 1)).toThrow(RangeError)
    expect(() => errorResponseFor(3, 99, undefined, 1)).toThrow(RangeError)
  })
})

describe('rebuilding per-topic and per-partition arrays', () => {
  it('Produce: topicData → responses, partitionData → partitionResponses, offsets unknown', () => {
    const req = {
      acks: -1,
      timeoutMs: 100,
      topicData: [
        {
          name: 'a',
          partitionData: [
            { index: 0, records: null },
            { index: 3, records: null },
          ],
        },
        { name: 'b', partitionData: [{ index: 1, records: null }] },
      ],
    }
    for (const v of [3, 7, 9, 11]) {
      const res = respond(0, v, req, ErrorCode.NOT_LEADER_OR_FOLLOWER)
      expect(res.responses.map((t: any) => t.name)).toEqual(['a', 'b'])
      expect(res.responses[0].partitionResponses).toMatchObject([
        { index: 0, errorCode: 6, baseOffset: -1n, logAppendTimeMs: -1n },
        { index: 3, errorCode: 6, baseOffset: -1n },
      ])
      if (v >= 5) expect(res.responses[0].partitionResponses[0].logStartOffset).toBe(-1n)
    }
  })

  it('Fetch: topics → responses, partition → partitionIndex, by name and by topic id', () => {
    const topicId = 'AAECAwQFBgcICQoLDA0ODw'
    const req = {
      topics: [
        { topic: 't', topicId, partitions: [{ partition: 2, fetchOffset: 5n, partitionMaxBytes: 1 }] },
      ],
      forgottenTopicsData: [{ topic: 'gone', topicId, partitions: [9] }],
    }
    for (const v of [4, 7, 12, 13, 17]) {
      const res = respond(1, v, req, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      expect(res.responses).toHaveLength(1)
      if (v >= 13) expect(res.responses[0].topicId).toBe(topicId)
      else expect(res.responses[0].topic).toBe('t')
      expect(res.responses[0].partitions).toMatchObject([
        { partitionIndex: 2, errorCode: 3, highWatermark: -1n, lastStableOffset: -1n },
      ])
      if (v >= 7) expect(res.errorCode).toBe(3)
    }
  })

  it('OffsetCommit and OffsetFetch (partitionIndexes, and the v8+ groups form)', () => {
    const commit = respond(
      8,
      2,
      { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 4, committedOffset: 1n }] }] },
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    )
    expect(commit.topics).toMatchObject([{ name: 't', partitions: [{ partitionIndex: 4, errorCode: 14 }] }])

    const fetch1 = respond(9, 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] }, 16)
    expect(fetch1.topics[0].partitions).toMatchObject([
      { partitionIndex: 0, committedOffset: -1n, errorCode: 16 },
      { partitionIndex: 1, committedOffset: -1n, errorCode: 16 },
    ])
    const fetch8 = respond(
      9,
      8,
      {
        groups: [
          { groupId: 'g1', topics: [{ name: 't', partitionIndexes: [7] }] },
          { groupId: 'g2', topics: null },
        ],
      },
      16,
    )
    expect(fetch8.groups).toMatchObject([
      {
        groupId: 'g1',
        errorCode: 16,
        topics: [{ name: 't', partitions: [{ partitionIndex: 7, errorCode: 16 }] }],
      },
      { groupId: 'g2', errorCode: 16, topics: [] },
    ])
  })

  it('arrays of names: DescribeGroups, DeleteGroups, DeleteTopics v5 and v6, FindCoordinator v4', () => {
    expect(respond(15, 0, { groups: ['x', 'y'] }, 15).groups).toMatchObject([
      { errorCode: 15, groupId: 'x' },
      { errorCode: 15, groupId: 'y' },
    ])
    expect(respond(42, 1, { groupsNames: ['x'] }, 30).results).toEqual([{ groupId: 'x', errorCode: 30 }])
    expect(respond(20, 5, { topicNames: ['a', 'b'] }, 41).responses).toMatchObject([
      { name: 'a', errorCode: 41 },
      { name: 'b', errorCode: 41 },
    ])
    const topicId = 'AAECAwQFBgcICQoLDA0ODw'
    expect(respond(20, 6, { topics: [{ name: null, topicId }] }, 41).responses).toMatchObject([
      { name: null, topicId, errorCode: 41 },
    ])
    const fc4 = respond(10, 4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] }, 15)
    expect(fc4.coordinators).toMatchObject([
      { key: 'g1', nodeId: -1, host: '', port: -1, errorCode: 15 },
      { key: 'g2', nodeId: -1, port: -1, errorCode: 15 },
    ])
    expect(respond(10, 0, { key: 'g' }, 15)).toMatchObject({ errorCode: 15, nodeId: -1, port: -1 })
  })

  it('one result per element when results carry no identity (CreateAcls, DeleteAcls)', () => {
    const creation = {
      resourceType: 2,
      resourceName: 't',
      principal: 'User:a',
      host: '*',
      operation: 3,
      permissionType: 3,
    }
    const res = respond(30, 1, { creations: [creation, creation] }, 54, 'no security')
    expect(res.results).toEqual([
      { errorCode: 54, errorMessage: 'no security' },
      { errorCode: 54, errorMessage: 'no security' },
    ])
    expect(respond(31, 1, { filters: [creation] }, 54).filterResults).toMatchObject([
      { errorCode: 54, matchingAcls: [] },
    ])
  })

  it('leaves data arrays and unrelated arrays empty', () => {
    // CreateTopics: topics rebuilt, but their configs are data, not answers.
    const ct = respond(
      19,
      5,
      {
        topics: [
          {
            name: 't',
            numPartitions: 1,
            replicationFactor: 1,
            configs: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
      },
      38,
      'only one broker',
    )
    expect(ct.topics).toMatchObject([{ name: 't', errorCode: 38, errorMessage: 'only one broker' }])
    expect(ct.topics[0].configs ?? []).toEqual([])
    // DescribeLogDirs: results are per log dir, not per requested topic.
    const dl = respond(35, 3, { topics: [{ topic: 't', partitions: [0] }] }, 31)
    expect(dl).toMatchObject({ errorCode: 31, results: [] })
    // Metadata with topics = null ("all topics"): nothing to answer per topic.
    expect(respond(3, 4, { topics: null }, 31).topics).toEqual([])
    // ListPartitionReassignments: the partitions carry no error: nothing rebuilt.
    expect(respond(46, 0, { topics: [{ name: 't', partitionIndexes: [0] }] }, 31).topics).toEqual([])
  })

  it('copies identities: Metadata topics, AlterClientQuotas entities, AddPartitionsToTxn v3 and v4', () => {
    const md = respond(3, 9, { topics: [{ name: 'a' }] }, 29)
    expect(md.topics).toMatchObject([{ errorCode: 29, name: 'a', partitions: [] }])

    const quota = respond(
      49,
      1,
      {
        entries: [
          {
            entity: [{ entityType: 'user', entityName: 'alice' }],
            ops: [{ key: 'producer_byte_rate', value: 1, remove: false }],
          },
        ],
      },
      42,
    )
    expect(quota.entries).toMatchObject([
      { errorCode: 42, entity: [{ entityType: 'user', entityName: 'alice' }] },
    ])

    const v3 = respond(
      24,
      3,
      { v3AndBelowTransactionalId: 'tx', v3AndBelowTopics: [{ name: 't', partitions: [0, 1] }] },
      51,
    )
    expect(v3.resultsByTopicV3AndBelow).toEqual([
      {
        name: 't',
        resultsByPartition: [
          { partitionIndex: 0, partitionErrorCode: 51 },
          { partitionIndex: 1, partitionErrorCode: 51 },
        ],
      },
    ])
    const v4 = respond(
      24,
      4,
      { transactions: [{ transactionalId: 'tx', producerId: 1n, topics: [{ name: 't', partitions: [2] }] }] },
      51,
    )
    expect(v4.errorCode).toBe(51)
    expect(v4.resultsByTransaction).toMatchObject([
      {
        transactionalId: 'tx',
        topicResults: [{ name: 't', resultsByPartition: [{ partitionIndex: 2, partitionErrorCode: 51 }] }],
      },
    ])
  })

  it('uses Kafka unknown values for single-result APIs', () => {
    expect(respond(11, 5, { groupId: 'g', memberId: 'm' }, 25)).toMatchObject({
      errorCode: 25,
      generationId: -1,
      memberId: '',
      members: [],
    })
    expect(respond(22, 4, { transactionalId: null }, 53)).toMatchObject({
      errorCode: 53,
      producerId: -1n,
      producerEpoch: -1,
    })
    const lo = respond(
      2,
      4,
      { topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] },
      6,
    )
    expect(lo.topics[0].partitions[0]).toMatchObject({
      errorCode: 6,
      offset: -1n,
      timestamp: -1n,
      leaderEpoch: -1,
    })
    expect(respond(18, 3, {}, 35)).toMatchObject({ errorCode: 35, apiKeys: [] })
  })
})
