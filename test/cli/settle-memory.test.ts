// settleMemoryWhenIdle in a child process (it sets V8 flags and forces a GC, which should not
// happen inside the test runner's own process): the collection comes after the first idle second,
// not while the process is busy, not at all once cancelled, and it gives heap back.

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
      settleMemoryWhenIdle()
      await sleep(2600)
      await sleep(100) // the observer reports asynchronously
      console.log(JSON.stringify({ before, after: process.memoryUsage().heapTotal, majors: majors.length, at: (majors[0] ?? NaN) - t0 }))
    `)
    expect(r['majors']).toBeGreaterThanOrEqual(1)
    expect(r['at']).toBeGreaterThanOrEqual(900)
    expect(r['after']).toBeLessThan(r['before']!)
  })

  it('waits while the process is busy', () => {
    const r = run(`
      const t0 = performance.now()
      settleMemoryWhenIdle()
      // Busy for 2.5 s, in slices so that timers still run.
      while (performance.now() - t0 < 2500) {
        const s = performance.now()
        while (performance.now() - s < 20);
        await new Promise((r) => setImmediate(r))
      }
      const busyMajors = majors.filter((t) => t - t0 < 2500).length
      await sleep(3000)
      console.log(JSON.stringify({ busyMajors, majors: majors.length }))
    `)
    expect(r['busyMajors']).toBe(0)
    expect(r['majors']).toBeGreaterThanOrEqual(1)
  })

  it('does nothing once cancelled', () => {
    const r = run(`
      const cancel = settleMemoryWhenIdle()
      cancel()
      await sleep(1800)
      console.log(JSON.stringify({ majors: majors.length }))
    `)
    expect(r['majors']).toBe(0)
  })
})
