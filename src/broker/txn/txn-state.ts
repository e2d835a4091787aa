// Transaction states of a transactional id (Kafka's TransactionState), with the numeric values the
// __transaction_state log stores (TransactionLogValue.TransactionStatus) and the names
// DescribeTransactions/ListTransactions report.
//
// Transitions (each is one record in __transaction_state, except PrepareEpochFence, which Kafka
// only holds in memory while it aborts the fenced transaction):
//
//   Empty           → Ongoing            AddPartitionsToTxn / AddOffsetsToTxn
//   Ongoing         → Ongoing            more partitions added
//   Ongoing         → PrepareCommit      EndTxn(commit)
//   Ongoing         → PrepareAbort       EndTxn(abort), transaction timeout, or fencing
//                                        (InitProducerId while Ongoing, via PrepareEpochFence)
//   Ongoing         → PrepareEpochFence  InitProducerId fences the running producer (in memory)
//   PrepareEpochFence → PrepareAbort     the fenced transaction is aborted with the bumped epoch
//   PrepareCommit   → CompleteCommit     every marker is written
//   PrepareAbort    → CompleteAbort      every marker is written
//   Empty / CompleteCommit / CompleteAbort → Empty   InitProducerId (epoch bump)
//   Empty / CompleteCommit / CompleteAbort → Ongoing a new transaction starts
//   Empty / CompleteCommit / CompleteAbort → Dead    transactional.id.expiration.ms elapsed
//   (none)          → Empty              first InitProducerId of a transactional id

export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const
export type TxnState = (typeof TxnState)[keyof typeof TxnState]

const NAMES: Record<TxnState, string> = {
  0: 'Empty',
  1: 'Ongoing',
  2: 'PrepareCommit',
  3: 'PrepareAbort',
  4: 'CompleteCommit',
  5: 'CompleteAbort',
  6: 'Dead',
  7: 'PrepareEpochFence',
}

/** Valid previous states of each state (TransactionState.validPreviousStates). */
const VALID_PREVIOUS: Record<TxnState, readonly TxnState[]> = {
  0: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  1: [TxnState.Ongoing, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  2: [TxnState.Ongoing],
  3: [TxnState.Ongoing, TxnState.PrepareEpochFence],
  4: [TxnState.PrepareCommit],
  5: [TxnState.PrepareAbort],
  6: [TxnState.Empty, TxnState.CompleteAbort, TxnState.CompleteCommit],
  7: [TxnState.Ongoing],
}

export function txnStateName(s: TxnState): string {
  return NAMES[s]
}

/** The state for a name as ListTransactions filters give it (case-sensitive, as Kafka). */
export function txnStateByName(name: string): TxnState | undefined {
  for (const [k, v] of Object.entries(NAMES)) if (v === name) return Number(k) as TxnState
  return undefined
}

export function isTxnState(n: number): n is TxnState {
  return Number.isInteger(n) && n >= 0 && n <= 7
}

export class IllegalTxnTransition extends Error {
  override name = 'IllegalTxnTransition'
}

/** Asserts a transition is in the table above. */
export function checkTransition(from: TxnState, to: TxnState): void {
  if (!VALID_PREVIOUS[to].includes(from))
    throw new IllegalTxnTransition(`illegal transaction state transition ${NAMES[from]} → ${NAMES[to]}`)
}
