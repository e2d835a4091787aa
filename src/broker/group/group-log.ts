// Where the group coordinator's records go: appended in order, replayed in order on start. The
// broker's implementation is the __consumer_offsets topic (offsets-topic.ts); MemoryGroupLog keeps
// them in an array, for tests and for checking that replay rebuilds the same state.

import type { GroupRecord } from './records.ts'

export interface GroupLog {
  /** Resolves once the records are durably in the log (as durable as the log is configured). */
  append(records: readonly GroupRecord[]): Promise<void>
  /**
   * Feeds every stored record, oldest first, to `apply`; a transaction marker in the log (written by
   * the transaction coordinator) is reported in its place through `onTxnEnd`.
   */
  replay(
    apply: (record: GroupRecord) => void,
    onTxnEnd?: (producerId: bigint, commit: boolean) => void,
  ): Promise<void>
}

export class MemoryGroupLog implements GroupLog {
  readonly records: GroupRecord[] = []
  /** Set to make the next appends fail (tests of append-failure handling). */
  failAppends: Error | undefined

  append(records: readonly GroupRecord[]): Promise<void> {
    if (this.failAppends !== undefined) return Promise.reject(this.failAppends)
    this.records.push(...records)
    return Promise.resolve()
  }

  replay(apply: (record: GroupRecord) => void): Promise<void> {
    for (const r of this.records) apply(r)
    return Promise.resolve()
  }
}
