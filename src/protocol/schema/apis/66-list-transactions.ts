// ListTransactions (API key 66): versions 0-2, flexible 0+.
// Request changes: v1: +durationFilter · v2: +transactionalIdPattern
// v2 (Kafka 4.1, KIP-1152): filter by a regular expression on the transactional id (null = no filter).

import { api, f, struct } from '../dsl.ts'

export const ListTransactions = api({
  key: 66,
  name: 'ListTransactions',
  valid: '0-2',
  flexible: '0+',
  request: {
    stateFilters: f.array(f.string()),
    producerIdFilters: f.array(f.int64()).entity('producerId'),
    durationFilter: f.int64().versions('1+').default(-1n),
    transactionalIdPattern: f.string().versions('2+').nullable('2+').default(null),
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
