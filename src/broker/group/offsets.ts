// Committed offsets of every group (Kafka's OffsetMetadataManager state): group → topic →
// partition → OffsetAndMetadata, plus transactional commits that are pending until their
// transaction ends (they make OffsetFetch with RequireStable answer UNSTABLE_OFFSET_COMMIT).
// Changes arrive only through `replay` of offset records, both live and on load, so what is
// served is exactly what the log holds.

import type { OffsetAndMetadata } from './records.ts'

type TopicOffsets = Map<string, Map<number, OffsetAndMetadata>>

export interface ExpiredOffset {
  topic: string
  partition: number
}

type PendingOffset = ExpiredOffset & { value: OffsetAndMetadata }

export class OffsetStore {
  private readonly byGroup = new Map<string, TopicOffsets>()
  /** groupId → producerId → "topic\0partition" → offset (not yet visible). */
  private readonly pendingTxn = new Map<
    string,
    Map<bigint, Map<string, ExpiredOffset & { value: OffsetAndMetadata }>>
  >()

  replay(groupId: string, topic: string, partition: number, value: OffsetAndMetadata | null): void {
    let topics = this.byGroup.get(groupId)
    if (value === null) {
      const parts = topics?.get(topic)
      parts?.delete(partition)
      if (parts !== undefined && parts.size === 0) topics?.delete(topic)
      if (topics !== undefined && topics.size === 0) this.byGroup.delete(groupId)
      return
    }
    if (topics === undefined)
      this.byGroup.set(groupId, (topics = new Map<string, Map<number, OffsetAndMetadata>>()))
    let parts = topics.get(topic)
    if (parts === undefined) topics.set(topic, (parts = new Map<number, OffsetAndMetadata>()))
    parts.set(partition, value)
  }

  get(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition)
  }

  /** Every committed offset of a group, by topic (empty map when none). */
  topics(groupId: string): ReadonlyMap<string, ReadonlyMap<number, OffsetAndMetadata>> {
    return this.byGroup.get(groupId) ?? new Map()
  }

  hasOffsets(groupId: string): boolean {
    return (this.byGroup.get(groupId)?.size ?? 0) > 0 || this.pendingTxn.has(groupId)
  }

  groupIds(): IterableIterator<string> {
    return this.byGroup.keys()
  }

  /** Every (topic, partition) with a committed offset. */
  list(groupId: string): ExpiredOffset[] {
    const out: ExpiredOffset[] = []
    for (const [topic, parts] of this.topics(groupId))
      for (const partition of parts.keys()) out.push({ topic, partition })
    return out
  }

  /**
   * The offsets that have expired at `now` (KIP-211): an explicit expire timestamp passed, or
   * retentionMs elapsed since `baseTimestamp(offset)` (the commit time, or when the group became
   * empty). Topics for which `keepTopic` is true are never expired.
   */
  expired(
    groupId: string,
    now: number,
    retentionMs: number,
    baseTimestamp: (o: OffsetAndMetadata) => number,
    keepTopic: (topic: string) => boolean,
  ): ExpiredOffset[] {
    const out: ExpiredOffset[] = []
    for (const [topic, parts] of this.topics(groupId)) {
      if (keepTopic(topic)) continue
      for (const [partition, o] of parts) {
        const expired =
          o.expireTimestamp !== -1 ? now >= o.expireTimestamp : now - baseTimestamp(o) >= retentionMs
        if (expired && !this.hasPendingTxn(groupId, topic, partition)) out.push({ topic, partition })
      }
    }
    return out
  }

  // ---- transactional offset commits (TxnOffsetCommit; completed by the transaction coordinator) ----

  addPendingTransactional(
    groupId: string,
    producerId: bigint,
    topic: string,
    partition: number,
    value: OffsetAndMetadata,
  ): void {
    let byProducer = this.pendingTxn.get(groupId)
    if (byProducer === undefined)
      this.pendingTxn.set(groupId, (byProducer = new Map<bigint, Map<string, PendingOffset>>()))
    let offsets = byProducer.get(producerId)
    if (offsets === undefined) byProducer.set(producerId, (offsets = new Map<string, PendingOffset>()))
    offsets.set(`${topic}\0${partition}`, { topic, partition, value })
  }

  hasPendingTxn(groupId: string, topic: string, partition: number): boolean {
    const byProducer = this.pendingTxn.get(groupId)
    if (byProducer === undefined) return false
    const key = `${topic}\0${partition}`
    for (const offsets of byProducer.values()) if (offsets.has(key)) return true
    return false
  }

  /** Removes and returns a producer's pending offsets in every group (to commit or drop). */
  takePendingTransactional(
    producerId: bigint,
  ): Array<{ groupId: string; topic: string; partition: number; value: OffsetAndMetadata }> {
    const out: Array<{ groupId: string; topic: string; partition: number; value: OffsetAndMetadata }> = []
    for (const [groupId, byProducer] of this.pendingTxn) {
      const offsets = byProducer.get(producerId)
      if (offsets === undefined) continue
      for (const o of offsets.values()) out.push({ groupId, ...o })
      byProducer.delete(producerId)
      if (byProducer.size === 0) this.pendingTxn.delete(groupId)
    }
    return out
  }

  deletePendingForGroup(groupId: string): void {
    this.pendingTxn.delete(groupId)
  }
}
