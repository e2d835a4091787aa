// Record sets handed to the encoder as a list of stored batches: one length prefix, the batches in
// order, large ones kept by reference (a fetch response never joins its batches).

import { describe, expect, it } from 'vitest'
import { Reader } from '../../src/protocol/primitives/reader.ts'
import { Writer, ZERO_COPY_THRESHOLD } from '../../src/protocol/primitives/writer.ts'
import { decodeFetchResponse, encodeFetchResponse } from '../../src/protocol/generated/index.ts'

function fetchWith(records: Buffer | readonly Buffer[]): object {
  return {
    responses: [{ topic: 't', partitions: [{ partitionIndex: 0, highWatermark: 5n, records }] }],
  }
}

describe('records given as a list of batches', () => {
  for (const v of [4, 11, 12, 17]) {
    it(`encodes like the joined Buffer at Fetch v${v} and keeps large batches by reference`, () => {
      const big1 = Buffer.alloc(ZERO_COPY_THRESHOLD + 10, 1)
      const small = Buffer.from('small batch')
      const big2 = Buffer.alloc(ZERO_COPY_THRESHOLD * 2, 2)
      const list = new Writer()
      encodeFetchResponse(list, v, fetchWith([big1, small, big2]))
      const joined = new Writer()
      encodeFetchResponse(joined, v, fetchWith(Buffer.concat([big1, small, big2])))
      expect(list.toBuffer().equals(joined.toBuffer())).toBe(true)
      const chunks = list.toChunks()
      expect(chunks).toContain(big1)
      expect(chunks).toContain(big2)
      const decoded = decodeFetchResponse(new Reader(list.toBuffer()), v)
      expect(decoded.responses[0]!.partitions[0]!.records).toEqual(Buffer.concat([big1, small, big2]))
    })
  }

  it('writes an empty list as an empty record set, not null', () => {
    const w = new Writer()
    encodeFetchResponse(w, 12, fetchWith([]))
    const decoded = decodeFetchResponse(new Reader(w.toBuffer()), 12)
    expect(decoded.responses[0]!.partitions[0]!.records).toEqual(Buffer.alloc(0))
  })
})
