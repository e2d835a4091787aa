// Time as a dependency: everything that reads the time or sets a timer in the broker takes a Clock,
// so coordinators and timeouts can be driven by a ManualClock in tests.

export interface TimerHandle {
  cancel(): void
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (record timestamps, LogAppendTime). */
  now(): number
  /** Monotonic milliseconds (timeouts, durations); unrelated to wall time. */
  monotonic(): number
  /** Runs `fn` after `ms`; the timer does not keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // process.uptime() reads the same monotonic clock as performance.now(); the global `performance`
  // would load node:perf_hooks (and ~20 more of Node's modules) on first use, ~0.4 MB of idle RSS.
  monotonic: () => process.uptime() * 1000,
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    t.unref()
    return { cancel: () => clearTimeout(t) }
  },
}

/** A clock that moves only when told to; timers fire in due order inside `advance`. */
export class ManualClock implements Clock {
  private wall: number
  private mono = 0
  private timers: Array<{ due: number; seq: number; fn: () => void; cancelled: boolean }> = []
  private seq = 0

  constructor(startWallMs = 1_700_000_000_000) {
    this.wall = startWallMs
  }

  now(): number {
    return this.wall
  }

  monotonic(): number {
    return this.mono
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { due: this.mono + Math.max(0, ms), seq: this.seq++, fn, cancelled: false }
    this.timers.push(timer)
    return { cancel: () => void (timer.cancelled = true) }
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.mono + ms
    for (;;) {
      const next = this.timers
        .filter((t) => !t.cancelled && t.due <= target)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0]
      if (next === undefined) break
      this.wall += next.due - this.mono
      this.mono = next.due
      next.cancelled = true
      next.fn()
    }
    this.timers = this.timers.filter((t) => !t.cancelled)
    this.wall += target - this.mono
    this.mono = target
  }
}
