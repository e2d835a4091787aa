// A bounded pool of open segment files, so 10,000 partitions do not hold 30,000 descriptors:
// files are opened on first use, kept in least-recently-used order, and closed when the pool is
// over its limit or a file has been idle too long. A file in use is pinned and never closed
// under its user; closing a pinned path waits for the last user.

import type { FileHandle, FileSystem } from '../fs.ts'

interface Entry {
  handle: Promise<FileHandle>
  /** The handle once opened (pin() hands it out without waiting a tick). */
  ready?: FileHandle
  pins: number
  lastUsed: number
  /** Close as soon as the last user is done (the file is being deleted or renamed). */
  doomed: boolean
  closed?: Promise<void>
  onUnpinned?: () => void
}

export class HandlePool {
  readonly #fs: FileSystem
  readonly #max: number
  readonly #now: () => number
  readonly #open = new Map<string, Entry>()
  /** Open paths by directory, so closeUnder() does not scan every open file. */
  readonly #byDir = new Map<string, Set<string>>()
  /**
   * The entry last put at the end of #open's order: refreshing it again is a no-op, so a
   * partition appending over and over does not delete and re-insert its Map entry (a Map delete
   * may shrink the table, the set grow it back) on every append.
   */
  #mru: Entry | undefined

  constructor(fs: FileSystem, maxOpen: number, now: () => number = Date.now) {
    this.#fs = fs
    this.#max = Math.max(1, maxOpen)
    this.#now = now
  }

  /** Number of files currently open (or opening). */
  get size(): number {
    return this.#open.size
  }

  /** Runs `fn` with the file open, opening (and with `create`, creating) it if needed. */
  async use<T>(path: string, fn: (h: FileHandle) => Promise<T>, create = false): Promise<T> {
    let entry = this.#open.get(path)
    // Wait out a handle being closed; another caller may reopen the path meanwhile.
    while (entry?.doomed === true) {
      await this.close(path)
      entry = this.#open.get(path)
    }
    if (entry === undefined) {
      const handle = this.#fs.open(path, { create })
      entry = { handle, pins: 0, lastUsed: this.#now(), doomed: false }
      this.#add(path, entry)
      const opened = entry
      handle.then(
        (h) => {
          opened.ready = h
        },
        () => {
          if (this.#open.get(path) === opened) this.#remove(path)
        },
      )
    } else this.#touch(path, entry)
    entry.pins++
    entry.lastUsed = this.#now()
    try {
      const h = await entry.handle
      this.#evict()
      return await fn(h)
    } finally {
      entry.pins--
      entry.lastUsed = this.#now()
      if (entry.pins === 0) entry.onUnpinned?.()
    }
  }

  /**
   * The path's handle, pinned, if it is open already and not being closed; otherwise undefined
   * (call use()). Synchronous, for the append hot path; every pin() that returns a handle must
   * be paired with one unpin() once the caller is done with it. `now`: the pool's clock, when the
   * caller has just read it.
   */
  pin(path: string, now: number = this.#now()): FileHandle | undefined {
    const entry = this.#open.get(path)
    if (entry === undefined || entry.doomed || entry.ready === undefined) return undefined
    this.#touch(path, entry)
    entry.pins++
    entry.lastUsed = now
    return entry.ready
  }

  /** Releases a handle taken with pin() (a pinned entry stays in the pool until unpinned). */
  unpin(path: string, now: number = this.#now()): void {
    const entry = this.#open.get(path)
    if (entry === undefined) return
    entry.pins--
    entry.lastUsed = now
    if (entry.pins === 0) entry.onUnpinned?.()
  }

  /** Moves an entry to the most recently used end of the order. */
  #touch(path: string, entry: Entry): void {
    if (entry === this.#mru) return
    this.#open.delete(path)
    this.#open.set(path, entry)
    this.#mru = entry
  }

  #add(path: string, entry: Entry): void {
    this.#open.set(path, entry)
    this.#mru = entry
    const dir = dirOf(path)
    let set = this.#byDir.get(dir)
    if (set === undefined) this.#byDir.set(dir, (set = new Set()))
    set.add(path)
  }

  #remove(path: string): void {
    if (this.#mru !== undefined && this.#open.get(path) === this.#mru) this.#mru = undefined
    this.#open.delete(path)
    const dir = dirOf(path)
    const set = this.#byDir.get(dir)
    set?.delete(path)
    if (set?.size === 0) this.#byDir.delete(dir)
  }

  #evict(): void {
    if (this.#open.size <= this.#max) return
    for (const [path, e] of this.#open) {
      if (this.#open.size <= this.#max) break
      if (e.pins === 0) void this.close(path)
    }
  }

  /** Closes the path's handle once no one uses it; later use() opens it afresh. */
  close(path: string): Promise<void> {
    const e = this.#open.get(path)
    if (e === undefined) return Promise.resolve()
    if (e.closed !== undefined) return e.closed
    e.doomed = true
    e.closed = new Promise<void>((resolve) => {
      const finish = (): void => {
        if (this.#open.get(path) === e) this.#remove(path)
        e.handle.then(
          (h) => h.close().then(resolve, () => resolve()),
          () => resolve(),
        )
      }
      if (e.pins === 0) finish()
      else e.onUnpinned = finish
    })
    return e.closed
  }

  /** Closes files idle for longer than `idleMs`. */
  async closeIdle(idleMs: number): Promise<void> {
    const cutoff = this.#now() - idleMs
    const idle = [...this.#open].filter(([, e]) => e.pins === 0 && e.lastUsed < cutoff).map(([p]) => p)
    await Promise.all(idle.map((p) => this.close(p)))
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((p) => this.close(p)))
  }

  /** Closes every open file directly in a directory (before renaming or removing it). */
  async closeUnder(dir: string): Promise<void> {
    const paths = this.#byDir.get(dir.replace(/\/+$/, ''))
    if (paths !== undefined) await Promise.all([...paths].map((p) => this.close(p)))
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}
