// Wakes delayed fetches when data arrives: one waiter set per PartitionLog, keyed by the log object
// itself (so several brokers in one process never share state, and a deleted topic's waiters die
// with its log). Whoever appends to a log — Produce, transaction markers, coordinators writing
// their internal topics — calls `signalAppend(log)` once the append has resolved; every waiter on
// that log runs synchronously. No timers, no polling.

import type { PartitionLog } from '../../storage/log-store.ts'

export type AppendWaiter = (log: PartitionLog) => void

const waiters = new WeakMap<PartitionLog, Set<AppendWaiter>>()

/** Registers `fn` for appends to `log`; returns the function that unregisters it. */
export function onAppend(log: PartitionLog, fn: AppendWaiter): () => void {
  let set = waiters.get(log)
  if (set === undefined) {
    set = new Set()
    waiters.set(log, set)
  }
  set.add(fn)
  const s = set
  return () => {
    s.delete(fn)
  }
}

/** Tells every fetch waiting on `log` that its end offset (or last stable offset) moved. */
export function signalAppend(log: PartitionLog): void {
  const set = waiters.get(log)
  if (set === undefined || set.size === 0) return
  // Copy: a waiter usually unregisters itself (and its siblings) while we iterate.
  for (const fn of [...set]) fn(log)
}

/** Number of waiters on a log (tests). */
export function waiterCount(log: PartitionLog): number {
  return waiters.get(log)?.size ?? 0
}
