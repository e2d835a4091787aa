// Reusable buffers for Fetch reads from segment files. A fresh Buffer per read costs external
// memory V8 collects late and, on a VM that charges for first-touch pages, page faults; a pooled
// one is warm. A ReadLease takes buffers for one reader and hands them all back at once, when the
// reader knows no view of them is alive any more (for Fetch: once the response has been handed to
// the kernel, or will never be written).
//
// Size classes are powers of two from MIN_POOLED to MAX_POOLED; a read gets a view of the
// smallest class that holds it. Smaller reads (cheap from malloc) and larger ones (rare) get fresh
// buffers. Idle buffers are capped at `maxIdleBytes` in total; one returned past the cap is left
// to the garbage collector. Leased buffers are not counted: their bytes are bounded by the
// requests in flight (the connection's and the broker's memory budgets). A pool nothing took from
// for a whole `idleTrimMs` drops its idle buffers, so a broker that stops serving reads gives
// the memory back (the check is an unref'd timer, running only while buffers are idle).
//
// Poisoning (a debug option: SAMSA_DEBUG_POISON_READ_BUFFERS=1 in the environment, or
// `poison = true`): every returned buffer is filled with POISON_BYTE, so a view used after its
// release shows up as corrupt batches instead of silently-right bytes.

/** Smallest pooled class: below it malloc is cheap and a class would waste more than it saves. */
export const MIN_POOLED = 16 * 1024
/** Largest pooled class (a Fetch read is at most a partition's max bytes, or one whole batch). */
export const MAX_POOLED = 16 * 1024 * 1024
export const POISON_BYTE = 0xdb
/** Default cap of idle pooled bytes: one whole Fetch at Kafka's fetch.max.bytes (55 MiB) reuses only. */
export const DEFAULT_MAX_IDLE_BYTES = 64 * 1024 * 1024
/** Default time without a take() after which idle buffers are dropped. */
export const DEFAULT_IDLE_TRIM_MS = 10_000

const MIN_SHIFT = Math.log2(MIN_POOLED)
const MAX_SHIFT = Math.log2(MAX_POOLED)

/** The class index (log2 of its size minus MIN_SHIFT) for `bytes`, or -1 when not pooled. */
function classOf(bytes: number): number {
  if (bytes < MIN_POOLED || bytes > MAX_POOLED) return -1
  return Math.max(0, 32 - Math.clz32(bytes - 1)) - MIN_SHIFT
}

export interface ReadBufferPoolStats {
  /** Bytes held idle in the pool. */
  idleBytes: number
  /** Buffers handed out from the idle lists. */
  reused: number
  /** Pooled-class buffers allocated because the class's list was empty. */
  allocated: number
  /** Buffers given back but dropped because the pool was full. */
  dropped: number
}

export class ReadBufferPool {
  readonly maxIdleBytes: number
  readonly idleTrimMs: number
  poison: boolean
  readonly #free: Buffer[][] = []
  #idleBytes = 0
  /** Whether take() ran since the trim timer last looked. */
  #taken = false
  #trimTimer: ReturnType<typeof setInterval> | undefined
  #reused = 0
  #allocated = 0
  #dropped = 0

  constructor(maxIdleBytes = DEFAULT_MAX_IDLE_BYTES, poison = false, idleTrimMs = DEFAULT_IDLE_TRIM_MS) {
    this.maxIdleBytes = maxIdleBytes
    this.idleTrimMs = idleTrimMs
    this.poison = poison
    for (let s = MIN_SHIFT; s <= MAX_SHIFT; s++) this.#free.push([])
  }

  get stats(): ReadBufferPoolStats {
    return {
      idleBytes: this.#idleBytes,
      reused: this.#reused,
      allocated: this.#allocated,
      dropped: this.#dropped,
    }
  }

  /**
   * A whole buffer of the class for `bytes` (its length is the class size, ≥ bytes), or undefined
   * when `bytes` is not pooled. Give it back with put() once nothing refers to it.
   */
  take(bytes: number): Buffer | undefined {
    const c = classOf(bytes)
    if (c < 0) return undefined
    this.#taken = true
    const b = this.#free[c]!.pop()
    if (b !== undefined) {
      this.#idleBytes -= b.length
      this.#reused++
      return b
    }
    this.#allocated++
    // Not Buffer.allocUnsafe: its small-buffer slab sharing does not apply at these sizes anyway,
    // and a buffer of its own keeps byteOffset 0 for put()'s check.
    return Buffer.allocUnsafeSlow(MIN_POOLED << c)
  }

  /** Returns a buffer from take(); kept for reuse while the idle total stays under the cap. */
  put(b: Buffer): void {
    const c = classOf(b.length)
    if (c < 0 || MIN_POOLED << c !== b.length || b.byteOffset !== 0) return
    if (this.poison) b.fill(POISON_BYTE)
    if (this.#idleBytes + b.length > this.maxIdleBytes) {
      this.#dropped++
      return
    }
    this.#idleBytes += b.length
    this.#free[c]!.push(b)
    if (this.#trimTimer === undefined && this.idleTrimMs > 0) {
      this.#taken = false
      this.#trimTimer = setInterval(() => this.#trimIfIdle(), this.idleTrimMs).unref()
    }
  }

  #trimIfIdle(): void {
    if (this.#taken) this.#taken = false
    else this.clear()
  }

  /** Drops every idle buffer (idle trim, tests). */
  clear(): void {
    for (const list of this.#free) list.length = 0
    this.#idleBytes = 0
    clearInterval(this.#trimTimer)
    this.#trimTimer = undefined
  }
}

/**
 * Buffers taken for one reader. take() hands out a view of exactly the bytes asked for; release()
 * gives every buffer taken so far back to the pool, after which the lease may take again. A log
 * that returns views of memory it keeps (the memory log's blocks) registers with onRelease() what
 * lets that memory be reused, and release() runs it with the buffers' return.
 */
export class ReadLease {
  readonly #pool: ReadBufferPool
  #held: Buffer[] = []
  #onRelease: Array<() => void> | undefined

  constructor(pool: ReadBufferPool) {
    this.#pool = pool
  }

  /** A buffer of `bytes` bytes: a view of a pooled one, or fresh when the size is not pooled. */
  take(bytes: number): Buffer {
    const b = this.#pool.take(bytes)
    if (b === undefined) return Buffer.allocUnsafe(bytes)
    this.#held.push(b)
    return b.subarray(0, bytes)
  }

  /** Number of pooled buffers taken and not yet released. */
  get held(): number {
    return this.#held.length
  }

  /** Runs `done` at the next release(): a reader's views of other memory are dead then too. */
  onRelease(done: () => void): void {
    ;(this.#onRelease ??= []).push(done)
  }

  /** Gives every taken buffer back. Only once no view of them is used any more. */
  release(): void {
    const done = this.#onRelease
    if (done !== undefined) {
      this.#onRelease = undefined
      for (const d of done) d()
    }
    const held = this.#held
    if (held.length === 0) return
    this.#held = []
    for (const b of held) this.#pool.put(b)
  }
}

/** The broker process's pool for Fetch reads (shared by every disk log store in the process). */
export const fetchReadBuffers = new ReadBufferPool(
  DEFAULT_MAX_IDLE_BYTES,
  process.env['SAMSA_DEBUG_POISON_READ_BUFFERS'] === '1',
)
