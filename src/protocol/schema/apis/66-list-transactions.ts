// ListTransactions (API key 66): versions 0-1, flexible 0+.
// Request changes: v1: +durationFilter

import { api, f, struct } from '../dsl.ts'

export const ListTransactions = api({
  key: 66,
  name: 'ListTransactions',
  valid: '0-1',
  flexible: '0+',
  request: {
    stateFilters: f.array(f.string()),
    producerIdFilters: f.array(f.int64()).entity('producerId'),
    durationFilter: f.int64().versions('1+').default(-1n),
  },
  response: {
    throttleTimeMs: f.int32(),
    errorCode: f.errorCode(),
    unknownStateFilters: f.array(f.string()),
    transactionStates: f.array(
      struct('TransactionState', {
        transactionalId: f.string().entity('transactionalId'),
        producerId: f.int64().entity('producerId'),
        transactionState: f.string(),
      }),
    ),
  },
})
