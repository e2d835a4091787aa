// The leader-epoch cache: for each leader epoch, the first offset written in it. Answers
// OffsetForLeaderEpoch and is truncated with the log (end) and with the log start offset (start).
// Semantics follow Kafka's LeaderEpochFileCache; the on-disk form is log/leader-epoch-checkpoint.ts.

export interface EpochEntry {
  readonly epoch: number
  readonly startOffset: bigint
}

export const UNDEFINED_EPOCH = -1
export const UNDEFINED_EPOCH_OFFSET = -1n

export class LeaderEpochCache {
  /** Strictly increasing in both epoch and startOffset. */
  #entries: EpochEntry[]
  readonly #onChange: ((entries: readonly EpochEntry[]) => void) | undefined

  constructor(entries: readonly EpochEntry[] = [], onChange?: (entries: readonly EpochEntry[]) => void) {
    this.#entries = []
    for (const e of entries) this.#assign(e.epoch, e.startOffset)
    this.#onChange = onChange
  }

  entries(): readonly EpochEntry[] {
    return this.#entries
  }

  latest(): EpochEntry | undefined {
    return this.#entries[this.#entries.length - 1]
  }

  /** Records that `epoch` starts at `startOffset` (an append in a new epoch). */
  assign(epoch: number, startOffset: bigint): void {
    if (epoch < 0) return
    if (this.#assign(epoch, startOffset)) this.#onChange?.(this.#entries)
  }

  #assign(epoch: number, startOffset: bigint): boolean {
    const latest = this.latest()
    if (latest !== undefined && latest.epoch === epoch && latest.startOffset <= startOffset) return false
    // Like Kafka, drop entries that would make the cache non-monotonic.
    this.#entries = this.#entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset)
    this.#entries.push({ epoch, startOffset })
    return true
  }

  /** The largest epoch <= `epoch` and the offset where the next epoch begins (OffsetForLeaderEpoch). */
  endOffsetFor(epoch: number, logEndOffset: bigint): { leaderEpoch: number; endOffset: bigint } {
    const undefinedResult = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }
    if (epoch === UNDEFINED_EPOCH) return undefinedResult
    const latest = this.latest()
    if (latest !== undefined && latest.epoch === epoch) return { leaderEpoch: epoch, endOffset: logEndOffset }
    const higherIndex = this.#entries.findIndex((e) => e.epoch > epoch)
    const higher = this.#entries[higherIndex]
    if (higher === undefined) return undefinedResult
    const floor = this.#entries[higherIndex - 1]
    // No earlier epoch known: the data is gone; answer with the next epoch's start (Kafka's rule).
    if (floor === undefined) return { leaderEpoch: epoch, endOffset: higher.startOffset }
    return { leaderEpoch: floor.epoch, endOffset: higher.startOffset }
  }

  /** Removes entries starting at or after `endOffset` (log truncation). */
  truncateFromEnd(endOffset: bigint): void {
    const kept = this.#entries.filter((e) => e.startOffset < endOffset)
    if (kept.length === this.#entries.length) return
    this.#entries = kept
    this.#onChange?.(this.#entries)
  }

  /** Forgets every entry (the log was emptied: Kafka's truncateFullyAndStartAt). */
  clear(): void {
    if (this.#entries.length === 0) return
    this.#entries = []
    this.#onChange?.(this.#entries)
  }

  /** Drops entries wholly before `startOffset`; the epoch covering it now starts there. */
  truncateFromStart(startOffset: bigint): void {
    let lastBefore = -1
    for (let i = 0; i < this.#entries.length && this.#entries[i]!.startOffset <= startOffset; i++)
      lastBefore = i
    if (lastBefore < 0) return
    const covering = this.#entries[lastBefore]!
    if (lastBefore === 0 && covering.startOffset === startOffset) return
    this.#entries = [{ epoch: covering.epoch, startOffset }, ...this.#entries.slice(lastBefore + 1)]
    this.#onChange?.(this.#entries)
  }

  /** The epoch of the batch holding `offset`, or -1. */
  epochForOffset(offset: bigint): number {
    let epoch = UNDEFINED_EPOCH
    for (const e of this.#entries) {
      if (e.startOffset > offset) break
      epoch = e.epoch
    }
    return epoch
  }
}
