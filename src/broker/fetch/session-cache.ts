// Fetch sessions (KIP-227): the broker remembers a consumer's partition list so incremental fetches
// send only what changed and get back only partitions with news.
//
// Request (sessionId, sessionEpoch) → context, as Kafka's FetchManager.newContext:
//   epoch -1 (FINAL), any id   → close session `id` if given; sessionless full fetch (answer id 0)
//   epoch 0 (INITIAL), any id  → close session `id` if given; full fetch that creates a new session
//                                (answer its id, or 0 when the cache has no room)
//   epoch n > 0, id            → incremental: unknown id → FETCH_SESSION_ID_NOT_FOUND; epoch ≠ the
//                                session's expected epoch → INVALID_FETCH_SESSION_EPOCH; names vs ids
//                                mismatch (v13 boundary) → FETCH_SESSION_TOPIC_ID_ERROR; else the
//                                request's partitions are added/updated, forgotten ones removed, the
//                                expected epoch advances (wrapping past 2^31-1 to 1); a session left
//                                empty is removed and the fetch answered sessionless.
//
// Session partition state: what the client last told us (fetch offset, max bytes, epochs) and what
// we last told it (high watermark, last stable offset, log start offset). An incremental response
// carries a partition only when it has records, an error, or one of those three values changed
// (Kafka's CachedPartition.maybeUpdateResponseData); an errored partition's remembered high
// watermark is reset to -1 so it is re-sent once the error clears. Partitions that returned records
// move to the end of the session's order, so a byte-limited fetch serves every partition in turn.
//
// Eviction (cache full, max.incremental.fetch.session.cache.slots): the least recently used session
// idle for more than EVICTION_MS goes first; otherwise the smallest session, if smaller than the
// one being created (Kafka prefers larger sessions); otherwise no session is created.

export const INVALID_SESSION_ID = 0
export const INITIAL_EPOCH = 0
export const FINAL_EPOCH = -1
/** Kafka's FetchSessionCache eviction threshold for idle sessions. */
export const EVICTION_MS = 120_000

export interface SessionPartition {
  /** Topic name (name sessions) or topic id (id sessions): how the client names it. */
  readonly topicKey: string
  readonly partition: number
  fetchOffset: bigint
  maxBytes: number
  currentLeaderEpoch: number
  lastFetchedEpoch: number
  /** What this session last sent: -1 before the first response. */
  highWatermark: bigint
  lastStableOffset: bigint
  logStartOffset: bigint
}

export class FetchSession {
  readonly id: number
  readonly usesTopicIds: boolean
  /** The epoch the next incremental request must carry. */
  epoch = 1
  lastUsedMs: number
  /** Insertion-ordered: the order partitions are read in. */
  readonly partitions = new Map<string, SessionPartition>()

  constructor(id: number, usesTopicIds: boolean, now: number) {
    this.id = id
    this.usesTopicIds = usesTopicIds
    this.lastUsedMs = now
  }

  advanceEpoch(): void {
    this.epoch = this.epoch >= 0x7fffffff ? 1 : this.epoch + 1
  }

  /** Moves a partition that returned data to the end of the order (fairness under byte limits). */
  moveToEnd(key: string): void {
    const p = this.partitions.get(key)
    if (p === undefined) return
    this.partitions.delete(key)
    this.partitions.set(key, p)
  }
}

export function partitionKey(topicKey: string, partition: number): string {
  return `${partition}:${topicKey}`
}

/** The fields of a response partition that decide whether an incremental response includes it. */
export interface PartitionOutcome {
  errorCode: number
  highWatermark: bigint
  lastStableOffset: bigint
  logStartOffset: bigint
  hasRecords: boolean
  diverging: boolean
}

/**
 * Kafka's CachedPartition.maybeUpdateResponseData: whether the partition must be in an incremental
 * response; updates what the session remembers as sent.
 */
export function mustRespond(p: SessionPartition, o: PartitionOutcome): boolean {
  let must = o.hasRecords || o.diverging
  if (p.highWatermark !== o.highWatermark) {
    must = true
    p.highWatermark = o.highWatermark
  }
  if (p.lastStableOffset !== o.lastStableOffset) {
    must = true
    p.lastStableOffset = o.lastStableOffset
  }
  if (p.logStartOffset !== o.logStartOffset) {
    must = true
    p.logStartOffset = o.logStartOffset
  }
  if (o.errorCode !== 0) {
    p.highWatermark = -1n
    must = true
  }
  return must
}

export class FetchSessionCache {
  readonly #sessions = new Map<number, FetchSession>()
  readonly #maxSessions: () => number
  #nextId = 1

  constructor(maxSessions: () => number) {
    this.#maxSessions = maxSessions
  }

  get size(): number {
    return this.#sessions.size
  }

  get(id: number): FetchSession | undefined {
    return this.#sessions.get(id)
  }

  remove(id: number): boolean {
    return this.#sessions.delete(id)
  }

  /** Creates a session for `partitions` partitions, or returns undefined when there is no room. */
  create(usesTopicIds: boolean, partitions: number, now: number): FetchSession | undefined {
    const max = this.#maxSessions()
    if (max <= 0) return undefined
    if (this.#sessions.size >= max && !this.#evictFor(partitions, now)) return undefined
    let id = this.#nextId
    while (id === INVALID_SESSION_ID || this.#sessions.has(id)) id = id >= 0x7fffffff ? 1 : id + 1
    this.#nextId = id >= 0x7fffffff ? 1 : id + 1
    const session = new FetchSession(id, usesTopicIds, now)
    this.#sessions.set(id, session)
    return session
  }

  /** Marks a session used (most recently used last in iteration order). */
  touch(session: FetchSession, now: number): void {
    session.lastUsedMs = now
    this.#sessions.delete(session.id)
    this.#sessions.set(session.id, session)
  }

  #evictFor(partitions: number, now: number): boolean {
    let smallest: FetchSession | undefined
    for (const s of this.#sessions.values()) {
      // Iteration runs least recently used first.
      if (now - s.lastUsedMs > EVICTION_MS) {
        this.#sessions.delete(s.id)
        return true
      }
      if (smallest === undefined || s.partitions.size < smallest.partitions.size) smallest = s
    }
    if (smallest !== undefined && smallest.partitions.size < partitions) {
      this.#sessions.delete(smallest.id)
      return true
    }
    return false
  }
}
