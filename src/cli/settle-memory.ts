// Once the `samsa start` broker first goes idle, one garbage collection that gives start-up's memory
// back (idle RSS, performance.md §8.4).
//
// Start-up leaves garbage (loading and linking the bundles, configuration, the dist/ freshness
// check) and a young generation that V8 grew while start-up's allocations kept surviving. V8 hands
// such memory back through its memory reducer, but that only runs after a full mark-compact, and a
// broker that starts and then mostly waits (a test suite's broker) may never have one: it kept ~4 MB
// it no longer used. So once the event loop has been idle for a whole second, this runs the
// collection V8 itself runs under memory pressure (a "last resort" full GC: it compacts, shrinks the
// young generation, releases free pages and drops bytecode not run since, recompiled lazily if
// needed). It costs ~20 ms of main-thread time, once; under load the young generation grows back as
// usual. A second counts as idle when the process used under 2% of a CPU in it (process.cpuUsage:
// node:perf_hooks' event-loop utilisation would say the same, but importing it loads ~20 more of
// Node's modules), so a busy broker is never paused: the check repeats every second until an idle one.
//
// The only way JavaScript can ask V8 for that collection is the `gc` function of --expose-gc, which
// V8 installs in contexts created while the flag is set: one throw-away context provides it (its
// ~250 KB go with the next collection). node:vm is loaded only then.

import { setFlagsFromString } from 'node:v8'

const CHECK_MS = 1000
/** CPU time (user + system, all threads) per second below which a second counts as idle. */
const IDLE_CPU_US = 20_000

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void

function lastResortGc(): void {
  setFlagsFromString('--expose-gc')
  let gc: unknown
  try {
    gc = process.getBuiltinModule('node:vm').runInNewContext('gc')
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
  if (typeof gc === 'function')
    (gc as GcFunction)({ type: 'major', execution: 'sync', flavor: 'last-resort' })
}

/**
 * Runs the collection after the first idle second from now, then `onCollected` (tests time it:
 * V8's own major GCs are indistinguishable from this one); the returned function cancels it.
 */
export function settleMemoryWhenIdle(onCollected?: () => void): () => void {
  let last = process.cpuUsage()
  let timer: NodeJS.Timeout | undefined
  const check = (): void => {
    const used = process.cpuUsage(last)
    last = process.cpuUsage()
    if (used.user + used.system < IDLE_CPU_US) {
      timer = undefined
      lastResortGc()
      onCollected?.()
    } else timer = setTimeout(check, CHECK_MS).unref()
  }
  timer = setTimeout(check, CHECK_MS).unref()
  return () => clearTimeout(timer)
}
