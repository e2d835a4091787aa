// Keyed timers for the coordinators (Kafka's CoordinatorTimer): scheduling a key replaces any
// timer already under that key, so "reschedule the heartbeat of member X" is one call and a stale
// callback can never fire. Time comes from the injected Clock; tests drive it with ManualClock.

import type { Clock, TimerHandle } from '../clock.ts'

export class KeyedTimers {
  private readonly clock: Clock
  private readonly timers = new Map<string, TimerHandle>()
  private readonly onError: (err: unknown) => void
  private readonly afterFire: () => void

  /** `afterFire` runs after every callback (the coordinator appends what the callback emitted). */
  constructor(clock: Clock, onError: (err: unknown) => void, afterFire: () => void = () => {}) {
    this.clock = clock
    this.onError = onError
    this.afterFire = afterFire
  }

  schedule(key: string, delayMs: number, fn: () => void): void {
    this.timers.get(key)?.cancel()
    const handle = this.clock.setTimeout(() => {
      // Only the handle still registered under the key may run (a replaced one was cancelled).
      if (this.timers.get(key) !== handle) return
      this.timers.delete(key)
      try {
        fn()
      } catch (err) {
        this.onError(err)
      } finally {
        this.afterFire()
      }
    }, delayMs)
    this.timers.set(key, handle)
  }

  cancel(key: string): void {
    this.timers.get(key)?.cancel()
    this.timers.delete(key)
  }

  has(key: string): boolean {
    return this.timers.has(key)
  }

  cancelAll(): void {
    for (const t of this.timers.values()) t.cancel()
    this.timers.clear()
  }
}
