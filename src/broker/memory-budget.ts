// A byte budget shared by every connection: the bytes of requests read but not yet answered.
// Connections charge a request when they read it and refund it when its response is queued; a
// connection that finds the budget exhausted stops reading (socket.pause) and asks to be woken
// when refunds bring usage back under the limit. A request is always charged, even past the limit
// (its bytes are already in memory); the budget only decides whether more are read.
// This is Kafka's queued.max.request.bytes, applied to all connections at once.

export class MemoryBudget {
  readonly limit: number
  private used = 0
  private readonly waiters = new Set<() => void>()

  constructor(limit: number) {
    this.limit = limit
  }

  get usedBytes(): number {
    return this.used
  }

  get exhausted(): boolean {
    return this.used >= this.limit
  }

  charge(bytes: number): void {
    this.used += bytes
  }

  refund(bytes: number): void {
    this.used -= bytes
    if (this.used < 0) this.used = 0
    if (this.used < this.limit && this.waiters.size > 0) {
      const ready = [...this.waiters]
      this.waiters.clear()
      for (const wake of ready) wake()
    }
  }

  /** Calls `wake` once, the next time usage drops under the limit. Returns a cancel function. */
  onAvailable(wake: () => void): () => void {
    this.waiters.add(wake)
    return () => this.waiters.delete(wake)
  }
}
