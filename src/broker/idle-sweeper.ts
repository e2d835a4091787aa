// connections.max.idle.ms: one timer for all of a broker's connections instead of a timeout on each
// socket. Node refreshes a socket's timeout on every read and write, which cost ~1.4% of a busy
// broker's main thread (W2 profile); here a connection only sets a flag when something happens
// (Connection.touch), and every tick of the sweep asks each connection whether it has been idle for
// the whole period (Connection.sweepIdle). A connection is closed between idleMs and
// idleMs + tick after its last activity, as Kafka's selector closes them on a later poll. The timer
// runs only while there are connections, so an idle broker without clients has none.

import type { Clock, TimerHandle } from './clock.ts'

export interface IdleCheckable {
  /** Closes itself when it has been idle since before `now - idleMs`; `now` is clock.monotonic(). */
  sweepIdle(now: number, idleMs: number): void
}

export class IdleSweeper {
  readonly #idleMs: number
  readonly #clock: Clock
  readonly #tickMs: number
  readonly #members = new Set<IdleCheckable>()
  #timer: TimerHandle | undefined

  /** `idleMs` 0 (or less) disables the sweep, as connections.max.idle.ms=-1 does in Kafka. */
  constructor(idleMs: number, clock: Clock) {
    this.#idleMs = idleMs
    this.#clock = clock
    this.#tickMs = Math.max(10, Math.min(1000, Math.floor(idleMs / 4)))
  }

  add(c: IdleCheckable): void {
    if (this.#idleMs <= 0) return
    this.#members.add(c)
    this.#timer ??= this.#clock.setTimeout(this.#tick, this.#tickMs)
  }

  delete(c: IdleCheckable): void {
    this.#members.delete(c)
  }

  close(): void {
    this.#timer?.cancel()
    this.#timer = undefined
    this.#members.clear()
  }

  readonly #tick = (): void => {
    this.#timer = undefined
    const now = this.#clock.monotonic()
    // sweepIdle may close a connection, which removes it from the set: iterate a copy.
    for (const c of [...this.#members]) c.sweepIdle(now, this.#idleMs)
    if (this.#members.size > 0) this.#timer = this.#clock.setTimeout(this.#tick, this.#tickMs)
  }
}
