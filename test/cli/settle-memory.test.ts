// settleMemoryWhenIdle in a child process (it sets V8 flags and forces a GC, which should not
// happen inside the test runner's own process): the collection comes after the first idle second,
// not while the process is busy, not at all once cancelled, and it gives heap back. When it ran is
// taken from its onCollected callback: V8 runs major GCs of its own (the set-up's garbage can
// cause one at any moment), so counting major GCs cannot tell them apart.

import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const module = new URL('../../src/cli/settle-memory.ts', import.meta.url).href

/** Runs `body` after the settle-memory import in a fresh node; returns what it prints as JSON. */
function run(body: string): Record<string, number> {
  const script = `
    import { settleMemoryWhenIdle } from ${JSON.stringify(module)}
    import { PerformanceObserver, constants } from 'node:perf_hooks'
    const majors = []
    new PerformanceObserver((l) => {
      for (const e of l.getEntries())
        if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(performance.now())
    }).observe({ entryTypes: ['gc'] })
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
    // Start-up-like garbage, and a young generation grown by surviving allocations.
    let keep = []
    for (let i = 0; i < 300_000; i++) keep.push({ i, s: 'x' + i })
    keep = null
    ${body}
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  return JSON.parse(out) as Record<string, number>
}

describe('settle memory when idle', () => {
  it('collects once the process has been idle for a second, and the heap shrinks', () => {
    const r = run(`
      const before = process.memoryUsage().heapTotal
      const t0 = performance.now()
      let at = NaN
      settleMemoryWhenIdle(() => (at = performance.now() - t0))
      await sleep(2600)
      await sleep(100) // the observer reports asynchronously
      const settleMajors = majors.filter((t) => t - t0 >= at - 1).length
      console.log(JSON.stringify({ before, after: process.memoryUsage().heapTotal, settleMajors, at }))
    `)
    expect(r['at']).toBeGreaterThanOrEqual(900)
    expect(r['settleMajors']).toBeGreaterThanOrEqual(1)
    expect(r['after']).toBeLessThan(r['before']!)
  })

  it('waits while the process is busy', () => {
    const r = run(`
      const t0 = performance.now()
      let at = NaN
      settleMemoryWhenIdle(() => (at = performance.now() - t0))
      // Busy for 2.5 s, in slices so that timers still run.
      while (performance.now() - t0 < 2500) {
        const s = performance.now()
        while (performance.now() - s < 20);
        await new Promise((r) => setImmediate(r))
      }
      await sleep(3000)
      console.log(JSON.stringify({ at }))
    `)
    expect(r['at']).toBeGreaterThanOrEqual(2500)
  })

  it('does nothing once cancelled', () => {
    const r = run(`
      let ran = 0
      const cancel = settleMemoryWhenIdle(() => ran++)
      cancel()
      await sleep(1800)
      console.log(JSON.stringify({ ran }))
    `)
    expect(r['ran']).toBe(0)
  })
})
