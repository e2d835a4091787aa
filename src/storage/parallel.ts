// Bounded parallelism for per-partition storage work (creating, opening, flushing, deleting
// thousands of partition logs): enough operations in flight to keep the libuv thread pool and the
// disk's queue busy and let concurrent fsyncs share journal commits, few enough that 10,000
// partitions do not open 10,000 files at once.

/** Partition operations in flight at once (4 libuv threads; fsyncs coalesce in the journal). */
export const PARTITION_CONCURRENCY = 32

/**
 * Calls `fn` for every item with at most `limit` calls pending. After a failure no new calls
 * start; it waits for the pending ones and then rejects with the first error.
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const it = items[Symbol.iterator]()
  let failed = false
  let first: unknown
  const worker = async (): Promise<void> => {
    while (!failed) {
      const next = it.next()
      if (next.done === true) return
      try {
        await fn(next.value)
      } catch (err) {
        if (!failed) first = err
        failed = true
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker))
  if (failed) throw first
}
