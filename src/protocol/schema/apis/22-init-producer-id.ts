// InitProducerId (API key 22): versions 0-5, flexible 2+.
// Request changes: v3: +producerId, +producerEpoch

import { api, f } from '../dsl.ts'

export const InitProducerId = api({
  key: 22,
  name: 'InitProducerId',
  valid: '0-5',
  flexible: '2+',
  request: {
    transactionalId: f.string().nullable('0+').entity('transactionalId'),
    transactionTimeoutMs: f.int32(),
    producerId: f.int64().versions('3+').default(-1n).entity('producerId'),
    producerEpoch: f.int16().versions('3+').default(-1),
  },
  response: {
    throttleTimeMs: f.int32().ignorable(),
    errorCode: f.errorCode(),
    producerId: f.int64().default(-1n).entity('producerId'),
    producerEpoch: f.int16(),
  },
})
