// Group commit for durable mode: appends ask for their segment file to be fsynced and wait; one
// round at a time fsyncs every file asked for since the previous round began (in parallel), so
// concurrent appends on the same partition share one fsync and appends across partitions share
// a round. A round always starts after the request, so it covers the requester's write.
// The same batching serves directory fsyncs (the store's committer for directories), so many
// partitions created, flushed or deleted at once share one fsync of the log directory.

import { KafkaError } from '../../protocol/errors.ts'
import type { HandlePool } from './handle-pool.ts'

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

/** fsyncs one path (a file through the handle pool, or a directory). */
export type SyncFn = (path: string) => Promise<void>

export class GroupCommitter {
  readonly #sync: SyncFn
  #pending = new Map<string, Waiter[]>()
  #running = false
  /** Completed rounds and fsyncs issued (for tests and the benchmark). */
  rounds = 0
  syncs = 0

  /** `target`: segment files are fsynced through the pool; or any fsync function. */
  constructor(target: HandlePool | SyncFn) {
    this.#sync = typeof target === 'function' ? target : (path) => target.use(path, (h) => h.sync())
  }

  /** Resolves once `path` has been fsynced by a round that began after this call. */
  sync(path: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const list = this.#pending.get(path)
      if (list === undefined) this.#pending.set(path, [{ resolve, reject }])
      else list.push({ resolve, reject })
      if (!this.#running) {
        this.#running = true
        // Let appends issued in the same turn join this round.
        setImmediate(() => void this.#loop())
      }
    })
  }

  async #loop(): Promise<void> {
    while (this.#pending.size > 0) {
      const round = this.#pending
      this.#pending = new Map()
      await Promise.all(
        [...round].map(async ([path, waiters]) => {
          try {
            await this.#sync(path)
            this.syncs++
            for (const w of waiters) w.resolve()
          } catch (err) {
            const e = new KafkaError('KAFKA_STORAGE_ERROR', `fsync of ${path} failed`, { cause: err })
            for (const w of waiters) w.reject(e)
          }
        }),
      )
      this.rounds++
    }
    this.#running = false
  }
}
