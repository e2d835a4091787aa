import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/broker/clock.ts'
import { IdleSweeper, type IdleCheckable } from '../../src/broker/idle-sweeper.ts'

class Member implements IdleCheckable {
  touched = false
  quietSince = 0
  closedAt: number | undefined
  private readonly sweeper: IdleSweeper
  constructor(sweeper: IdleSweeper) {
    this.sweeper = sweeper
  }
  sweepIdle(now: number, idleMs: number): void {
    if (this.touched) {
      this.touched = false
      this.quietSince = now
      return
    }
    if (now - this.quietSince >= idleMs) {
      this.closedAt = now
      this.sweeper.delete(this)
    }
  }
}

/** A ManualClock that counts the timers set on it. */
function countingClock(): { clock: ManualClock; timers: () => number } {
  const clock = new ManualClock(0)
  let n = 0
  const set = clock.setTimeout.bind(clock)
  clock.setTimeout = (fn, ms) => {
    n++
    return set(fn, ms)
  }
  return { clock, timers: () => n }
}

describe('IdleSweeper', () => {
  it('closes a quiet member within idleMs + one tick, keeps a busy one, and stops when empty', () => {
    const { clock, timers } = countingClock()
    const sweeper = new IdleSweeper(400, clock) // ticks every 100 ms
    const quiet = new Member(sweeper)
    const busy = new Member(sweeper)
    sweeper.add(quiet)
    sweeper.add(busy)
    for (let t = 0; t < 2000; t += 50) {
      busy.touched = true
      clock.advance(50)
    }
    expect(quiet.closedAt).toBeGreaterThanOrEqual(400)
    expect(quiet.closedAt).toBeLessThanOrEqual(500)
    expect(busy.closedAt).toBeUndefined()
    sweeper.delete(busy)
    clock.advance(200) // the next tick sees no members and schedules nothing more
    const set = timers()
    clock.advance(5000)
    expect(timers()).toBe(set)
  })

  it('does nothing when connections.max.idle.ms disables it', () => {
    const { clock, timers } = countingClock()
    const sweeper = new IdleSweeper(-1, clock)
    const m = new Member(sweeper)
    sweeper.add(m)
    clock.advance(60_000)
    expect(m.closedAt).toBeUndefined()
    expect(timers()).toBe(0)
  })
})
