// The cleaner's offset map: for each record key seen in the dirty section of a log, the offset of
// its latest occurrence (Kafka's SkimpyOffsetMap, log.cleaner.dedupe.buffer.size). Keys are held
// exactly (as latin1 strings, one char per byte), not as hashes, so two keys never collide; the
// memory bound is an estimate of bytes per entry, and the cleaner stops adding segments to the
// dirty section once the map is full.

/** Bytes charged per entry on top of the key: Map slot, string header, bigint. */
const ENTRY_OVERHEAD = 64

export class OffsetMap {
  readonly #map = new Map<string, bigint>()
  /** Base offset of the last batch seen per producer id (idempotent/transactional producers). */
  readonly #producers = new Map<bigint, bigint>()
  readonly maxBytes: number
  #bytes = 0
  /** Largest offset put so far (-1 when empty). */
  latestOffset = -1n

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  get size(): number {
    return this.#map.size
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Whether the estimated memory reached the bound. */
  get full(): boolean {
    return this.#bytes >= this.maxBytes
  }

  /** Records `offset` as the latest for `key` (offsets must be put in increasing order). */
  put(key: Buffer, offset: bigint): void {
    const k = key.toString('latin1')
    if (!this.#map.has(k)) this.#bytes += k.length + ENTRY_OVERHEAD
    this.#map.set(k, offset)
    if (offset > this.latestOffset) this.latestOffset = offset
  }

  get(key: Buffer): bigint | undefined {
    return this.#map.get(key.toString('latin1'))
  }

  noteProducerBatch(producerId: bigint, baseOffset: bigint): void {
    const seen = this.#producers.get(producerId)
    if (seen === undefined || baseOffset > seen) this.#producers.set(producerId, baseOffset)
  }

  /** Whether a batch of `producerId` later than `baseOffset` was seen. */
  producerWroteAfter(producerId: bigint, baseOffset: bigint): boolean {
    const seen = this.#producers.get(producerId)
    return seen !== undefined && seen > baseOffset
  }
}
