// AddOffsetsToTxn (API key 25): versions 0-4, flexible 3+.

import { api, f } from '../dsl.ts'

export const AddOffsetsToTxn = api({
  key: 25,
  name: 'AddOffsetsToTxn',
  valid: '0-4',
  flexible: '3+',
  request: {
    transactionalId: f.string().entity('transactionalId'),
    producerId: f.int64().entity('producerId'),
    producerEpoch: f.int16(),
    groupId: f.string().entity('groupId'),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
  },
})
