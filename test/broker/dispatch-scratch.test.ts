// Dispatcher's reused response scratch: every response handed out is its own memory, whether it
// was copied out of the scratch (small) or took the scratch with it (large).
import { describe, expect, it } from 'vitest'
import { Dispatcher, type DispatchOutcome } from '../../src/broker/dispatch.ts'
import { HANDLERS } from '../../src/broker/handlers/index.ts'
import { Registry } from '../../src/broker/registry.ts'
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/request-frame.ts'
import type { MetadataResponse } from '../../src/protocol/generated/index.ts'
import { harness, TEST_CONNECTION } from './handlers/data-path-harness.ts'

function metadataFrame(correlationId: number, topics: string[]): Buffer {
  return Buffer.concat(
    encodeRequestFrame(
      { apiKey: 3, apiVersion: 9, correlationId, clientId: 'c' },
      { topics: topics.map((name) => ({ name })), allowAutoTopicCreation: false },
    ),
  ).subarray(4)
}

function bytesOf(o: DispatchOutcome): Buffer {
  if (o.kind !== 'response') throw new Error('expected a response')
  const b = Buffer.concat(o.chunks)
  expect(b.length).toBe(o.bytes)
  return b
}

function topicsIn(frame: Buffer): string[] {
  const body = decodeResponseFrame(3, 9, frame.subarray(4)).body as MetadataResponse
  return body.topics.map((t) => t.name ?? '')
}

describe('Dispatcher response scratch', () => {
  it('keeps every earlier response intact while encoding later small and large ones', async () => {
    const h = await harness()
    const many: string[] = []
    for (let i = 0; i < 60; i++) many.push(`a-topic-with-a-long-name-${i}`)
    for (const t of ['x', ...many]) await h.createTopic(t)
    const d = new Dispatcher(new Registry(HANDLERS), h.services)
    const dispatch = (f: Buffer): Promise<DispatchOutcome> =>
      Promise.resolve(d.dispatch(f, TEST_CONNECTION, h.services.logger, 0))
    const small1 = await dispatch(metadataFrame(1, ['x']))
    const small1Bytes = bytesOf(small1)
    const large = await dispatch(metadataFrame(2, many))
    const largeBytes = bytesOf(large)
    expect(largeBytes.length).toBeGreaterThan(1024)
    const small2 = await dispatch(metadataFrame(3, ['x']))
    const small3 = await dispatch(metadataFrame(4, many.slice(0, 1)))
    // What each outcome holds now equals what it held when it was returned.
    expect(bytesOf(small1)).toEqual(small1Bytes)
    expect(bytesOf(large)).toEqual(largeBytes)
    expect(topicsIn(bytesOf(small1))).toEqual(['x'])
    expect(topicsIn(bytesOf(large))).toEqual(many)
    expect(topicsIn(bytesOf(small2))).toEqual(['x'])
    expect(topicsIn(bytesOf(small3))).toEqual([many[0]])
    expect(bytesOf(small2).readInt32BE(4)).toBe(3)
  })
})
