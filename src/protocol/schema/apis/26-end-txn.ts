// EndTxn (API key 26): versions 0-5, flexible 3+.
// Response changes: v5: +producerId, +producerEpoch
// v5 (Kafka 4.0, KIP-890 part 2, stable since 4.0): the response returns the producer id and the epoch that
// the coordinator bumped on completion, which the client uses for its next transaction.

import { api, f } from '../dsl.ts'

export const EndTxn = api({
  key: 26,
  name: 'EndTxn',
  valid: '0-5',
  flexible: '3+',
  request: {
    transactionalId: f.string().entity('transactionalId'),
    producerId: f.int64().entity('producerId'),
    producerEpoch: f.int16(),
    committed: f.bool(),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    producerId: f.int64().versions('5+').default(-1n).ignorable().entity('producerId'),
    producerEpoch: f.int16().versions('5+').default(-1).ignorable(),
  },
})
