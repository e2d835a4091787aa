import { describe, expect, it } from 'vitest'
import {
  codecVersions,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../src/protocol/request-frame.ts'
import { CODEC_BY_KEY, type ApiCodec } from '../../src/protocol/generated/index.ts'
import { FrameDecoder } from '../../src/protocol/framing.ts'

const codec = (key: number): ApiCodec => CODEC_BY_KEY[key]!

/** Joins encoded chunks and strips the size prefix through a real FrameDecoder. */
function toFrame(chunks: Buffer[]): Buffer {
  const all = Buffer.concat(chunks)
  expect(all.readInt32BE(0)).toBe(all.length - 4)
  const frames: Buffer[] = []
  new FrameDecoder().push(all, (f) => frames.push(f))
  expect(frames).toHaveLength(1)
  return frames[0]!
}

describe('header versions', () => {
  it('picks request header v2 / response header v1 exactly for flexible versions', () => {
    expect(requestHeaderVersion(codec(3), 8)).toBe(1)
    expect(requestHeaderVersion(codec(3), 9)).toBe(2)
    expect(responseHeaderVersion(codec(3), 8)).toBe(0)
    expect(responseHeaderVersion(codec(3), 9)).toBe(1)
    // SaslHandshake is never flexible.
    expect(requestHeaderVersion(codec(17), 1)).toBe(1)
    expect(responseHeaderVersion(codec(17), 1)).toBe(0)
  })

  it('always uses response header v0 for ApiVersions (KIP-511)', () => {
    for (let v = 0; v <= 4; v++) expect(responseHeaderVersion(codec(18), v)).toBe(0)
    expect(requestHeaderVersion(codec(18), 3)).toBe(2)
    expect(requestHeaderVersion(codec(18), 2)).toBe(1)
  })
})

describe('request frames', () => {
  it('round-trips a non-flexible request with a v1 header', () => {
    const body = { topics: [{ name: 'a' }, { name: 'b' }], allowAutoTopicCreation: true }
    const frame = toFrame(
      encodeRequestFrame({ apiKey: 3, apiVersion: 4, correlationId: 77, clientId: 'kafka-python' }, body),
    )
    // v1 header: key, version, correlation id, int16-length client id; body follows directly.
    expect(frame.readInt16BE(0)).toBe(3)
    expect(frame.readInt16BE(2)).toBe(4)
    expect(frame.readInt32BE(4)).toBe(77)
    expect(frame.readInt16BE(8)).toBe(12)
    expect(frame.toString('utf8', 10, 22)).toBe('kafka-python')
    expect(frame.readInt32BE(22)).toBe(2) // classic array count of topics
    const d = decodeRequestFrame(frame)
    expect(d.kind).toBe('ok')
    if (d.kind !== 'ok') return
    expect(d.header).toEqual({
      requestApiKey: 3,
      requestApiVersion: 4,
      correlationId: 77,
      clientId: 'kafka-python',
    })
    expect(d.body).toMatchObject({ topics: [{ name: 'a' }, { name: 'b' }], allowAutoTopicCreation: true })
  })

  it('round-trips a flexible request whose v2 header keeps a classic client id', () => {
    const body = { topics: [{ name: 'x', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }
    const frame = toFrame(
      encodeRequestFrame({ apiKey: 3, apiVersion: 12, correlationId: 5, clientId: 'rdkafka' }, body),
    )
    expect(frame.readInt16BE(8)).toBe(7) // int16 length, not a compact varint
    expect(frame.toString('utf8', 10, 17)).toBe('rdkafka')
    expect(frame[17]).toBe(0) // header tagged-field count
    expect(frame[18]).toBe(2) // compact array: 1 topic + 1
    const d = decodeRequestFrame(frame)
    expect(d.kind).toBe('ok')
    if (d.kind === 'ok') expect(d.body).toMatchObject({ topics: [{ name: 'x' }] })
  })

  it('decodes a null client id', () => {
    const frame = toFrame(
      encodeRequestFrame({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: null }, {}),
    )
    expect(frame.readInt16BE(8)).toBe(-1)
    const d = decodeRequestFrame(frame)
    expect(d.kind === 'ok' && d.header.clientId).toBeNull()
  })

  it('ignores bytes after the body, as Kafka does (librdkafka 2.15 all-topics Metadata v12)', () => {
    // librdkafka reserves an int32 for the topic array count and, for an all-topics request on
    // v9+, never compacts it to the one-byte varint null: 3 extra bytes ride along and the fields
    // after it shift (compat/FINDINGS.md F4). Kafka parses the body and ignores the rest; a strict
    // length check would break librdkafka's listTopics / getMetadata(all topics).
    const frame = Buffer.from('0003000c00000000000c73616d73612d636f6d7061740000000000010000', 'hex')
    const d = decodeRequestFrame(frame)
    expect(d.kind).toBe('ok')
    expect(d.kind === 'ok' && d.body).toMatchObject({ topics: null, allowAutoTopicCreation: false })
  })

  it('reports an API key nobody declares as unknown-api', () => {
    const frame = Buffer.alloc(12)
    frame.writeInt16BE(7, 0) // ControlledShutdown: not served
    frame.writeInt16BE(3, 2)
    frame.writeInt32BE(99, 4)
    frame.writeInt16BE(-1, 8)
    expect(decodeRequestFrame(frame)).toEqual({
      kind: 'unknown-api',
      prefix: { apiKey: 7, apiVersion: 3, correlationId: 99 },
    })
    frame.writeInt16BE(-5, 0)
    expect(decodeRequestFrame(frame).kind).toBe('unknown-api')
  })

  it('reports a declared key the server does not serve as unknown-api', () => {
    const frame = toFrame(
      encodeRequestFrame({ apiKey: 55, apiVersion: 0, correlationId: 3, clientId: 'x' }, {}),
    )
    const supported = (k: number) => (k === 55 ? undefined : codecVersions(k))
    expect(decodeRequestFrame(frame, { supported }).kind).toBe('unknown-api')
    expect(decodeRequestFrame(frame).kind).toBe('ok')
  })

  it('reports a too-new ApiVersions version with its parsed header (for the KIP-511 fallback)', () => {
    // ApiVersions v9 (unknown to us): flexible, so header v2 with tags, then a body we cannot read.
    const frame = Buffer.concat([
      Buffer.from([0, 18, 0, 9, 0, 0, 0, 42, 0, 4]),
      Buffer.from('java'),
      Buffer.from([0, 0xff, 0xff, 0xff]),
    ])
    const d = decodeRequestFrame(frame)
    expect(d).toMatchObject({
      kind: 'unsupported-version',
      apiKey: 18,
      apiVersion: 9,
      header: { correlationId: 42, clientId: 'java' },
      supported: { min: 0, max: 4 },
    })
  })

  it('reports versions outside the served range as unsupported-version, clipped to the codec', () => {
    const body = { replicaId: -1, maxWaitMs: 100, minBytes: 1, topics: [] }
    const frame = toFrame(
      encodeRequestFrame({ apiKey: 1, apiVersion: 3, correlationId: 8, clientId: 'old' }, body),
    )
    const supported = (k: number) => (k === 1 ? { min: 4, max: 99 } : codecVersions(k))
    const d = decodeRequestFrame(frame, { supported })
    expect(d).toMatchObject({ kind: 'unsupported-version', apiVersion: 3, header: { correlationId: 8 } })
    if (d.kind === 'unsupported-version') expect(d.supported).toEqual({ min: 4, max: codec(1).maxVersion })
    expect(decodeRequestFrame(frame).kind).toBe('ok')
  })

  it('reports truncated and garbage frames as malformed, never throwing', () => {
    const good = toFrame(
      encodeRequestFrame(
        { apiKey: 3, apiVersion: 1, correlationId: 1, clientId: 'c' },
        { topics: [{ name: 'abc' }] },
      ),
    )
    for (let n = 0; n < good.length; n++) {
      const d = decodeRequestFrame(good.subarray(0, n))
      expect(d.kind).toBe('malformed')
      if (d.kind === 'malformed') expect(d.prefix === undefined).toBe(n < 8)
    }
    // A topic count of 2^31-1 is rejected without allocating.
    const huge = Buffer.from(good)
    huge.writeInt32BE(0x7fffffff, 8 + 2 + 1)
    expect(decodeRequestFrame(huge).kind).toBe('malformed')
  })

  it('keeps unknown header tags when asked', () => {
    const frame = toFrame(
      encodeRequestFrame(
        { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'c' },
        {
          clientSoftwareName: 'n',
          clientSoftwareVersion: '1',
        },
      ),
    )
    // Rewrite the empty header tag section (after "c") into one unknown tag 5 of 1 byte.
    const tagAt = 8 + 2 + 1
    expect(frame[tagAt]).toBe(0)
    const withTag = Buffer.concat([
      frame.subarray(0, tagAt),
      Buffer.from([1, 5, 1, 0xab]),
      frame.subarray(tagAt + 1),
    ])
    const d = decodeRequestFrame(withTag, { keepUnknownTags: true })
    expect(d.kind).toBe('ok')
    if (d.kind !== 'ok') return
    expect(d.header._unknownTags).toEqual([{ tag: 5, data: Buffer.from([0xab]) }])
    expect(d.body).toMatchObject({ clientSoftwareName: 'n', clientSoftwareVersion: '1' })
  })
})

describe('response frames', () => {
  it('writes ApiVersions v3 with a v0 header (no tag byte) and a flexible body', () => {
    const body = { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 0 }
    const frame = toFrame(encodeResponseFrame(18, 3, 123, body))
    expect(frame.readInt32BE(0)).toBe(123)
    expect(frame.readInt16BE(4)).toBe(0) // errorCode immediately: header v0
    expect(frame[6]).toBe(2) // compact array of one ApiKey
    expect(decodeResponseFrame(18, 3, frame)).toEqual({
      correlationId: 123,
      body: expect.objectContaining({ apiKeys: [expect.objectContaining({ apiKey: 18, maxVersion: 4 })] }),
    })
  })

  it('writes a flexible response with header v1 and a non-flexible one with header v0', () => {
    const body = { errorCode: 15, nodeId: -1, host: '', port: -1 }
    const flex = toFrame(encodeResponseFrame(10, 3, 9, body))
    expect(flex.readInt32BE(0)).toBe(9)
    expect(flex[4]).toBe(0) // header tags
    expect(flex.readInt32BE(5)).toBe(0) // throttleTimeMs
    const classic = toFrame(encodeResponseFrame(10, 0, 9, body))
    expect(classic.readInt16BE(4)).toBe(15) // v0: errorCode right after the correlation id
    expect(decodeResponseFrame(10, 0, classic).body).toMatchObject({ errorCode: 15, nodeId: -1 })
    expect(decodeResponseFrame(10, 3, flex).body).toMatchObject({ errorCode: 15, port: -1 })
  })

  it('keeps a large record payload by reference (zero copy) and prefixes the true size', () => {
    const records = Buffer.alloc(1 << 20, 7)
    const body = {
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, highWatermark: 10n, records }] }],
    }
    for (const v of [4, 11, 12, 16]) {
      const chunks = encodeResponseFrame(1, v, 1, body)
      expect(chunks.some((c) => c === records)).toBe(true)
      const frame = toFrame(chunks)
      const d = decodeResponseFrame(1, v, frame) as {
        body: { responses: Array<{ partitions: Array<{ records: Buffer }> }> }
      }
      expect(d.body.responses[0]!.partitions[0]!.records.equals(records)).toBe(true)
    }
  })

  it('appends to a caller writer, sizing only its own frame', async () => {
    const { Writer } = await import('../../src/protocol/primitives/writer.ts')
    const w = new Writer(16)
    w.int32(0xdeadbeef | 0)
    const chunks = encodeResponseFrame(12, 0, 4, { errorCode: 27 }, w)
    const all = Buffer.concat(chunks)
    expect(all.readInt32BE(4)).toBe(6)
    expect(all.readInt32BE(8)).toBe(4)
    expect(all.readInt16BE(12)).toBe(27)
  })

  it('refuses an API key without a codec', () => {
    expect(() => encodeResponseFrame(7, 0, 1, {})).toThrow(RangeError)
  })
})
