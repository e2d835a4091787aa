// The file-system layer under the disk log. Everything in src/storage/log goes through this
// interface so crash tests can run the real code against MemoryFileSystem, which can fail or
// "crash" at any operation and then show what a power loss would have left on disk.
//
// Durability model of MemoryFileSystem (POSIX, strict):
//   - file contents written since the file's last sync() are lost in a crash;
//   - directory changes (create, rename, unlink) since the parent's last syncDir() are lost;
//   - crash modes choose what survives of unsynced data: nothing, everything (a process kill,
//     where the page cache survives), or a torn prefix of appended bytes (plus optional garbage).

import {
  constants as fsConstants,
  readFile as readFileCallback,
  writeSync,
  writevSync,
  type Stats,
} from 'node:fs'
import * as nodeFs from 'node:fs/promises'
import * as nodePath from 'node:path'

export interface FileHandle {
  /** Reads up to `length` bytes at `position` into buf[offset..]; returns the count (0 at EOF). */
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number>
  /** Writes buf[offset, offset+length) at `position`; may write fewer bytes (returns the count). */
  write(buf: Buffer, offset: number, length: number, position: number): Promise<number>
  /**
   * Writes the buffers one after another from `position` in one call (pwritev); may write fewer
   * bytes (returns the count). Optional: writevFully falls back to one write of their concatenation.
   */
  writev?(buffers: readonly Buffer[], position: number): Promise<number>
  /**
   * Writes buf at `position` on the calling thread and returns the count (may be short); throws
   * on failure. Optional: for small appends made synchronously (the disk log's tryAppendNow).
   */
  writeSync?(buf: Buffer, position: number): number
  /** writeSync of the buffers back to back (pwritev); optional, like writeSync. */
  writevSync?(buffers: readonly Buffer[], position: number): number
  truncate(size: number): Promise<void>
  /** fdatasync: the file's data and size are durable when it resolves. */
  sync(): Promise<void>
  size(): Promise<number>
  close(): Promise<void>
}

export interface FileStat {
  size: number
  mtimeMs: number
  isDirectory: boolean
}

export interface FileSystem {
  /** Opens for reading and writing; `create` creates a missing file (never truncates). */
  open(path: string, options?: { create?: boolean }): Promise<FileHandle>
  readFile(path: string): Promise<Buffer>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
  mkdir(path: string): Promise<void>
  /** Removes a directory and everything in it. */
  rmdir(path: string): Promise<void>
  readdir(path: string): Promise<string[]>
  /** undefined when the path does not exist. */
  stat(path: string): Promise<FileStat | undefined>
  /** Makes the directory's entries (creates, renames, unlinks) durable. */
  syncDir(path: string): Promise<void>
}

/** Writes all of buf at `position`, looping over short writes. */
export async function writeFully(h: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < buf.length) {
    const n = await h.write(buf, done, buf.length - done, position + done)
    if (n <= 0) throw fsError('EIO', `write made no progress at byte ${position + done}`)
    done += n
  }
}

/** Writes all the buffers back to back from `position` (one pwritev where the handle has it). */
export async function writevFully(
  h: FileHandle,
  buffers: readonly Buffer[],
  position: number,
): Promise<void> {
  if (buffers.length === 1) return writeFully(h, buffers[0]!, position)
  if (h.writev === undefined) return writeFully(h, Buffer.concat(buffers), position)
  let bufs = buffers
  let at = position
  while (bufs.length > 0) {
    const n = await h.writev(bufs, at)
    at += n
    bufs = afterWrite(bufs, n, at)
  }
}

/** The buffers left to write after a writev wrote `n` bytes of them (then ending at `at`). */
function afterWrite(bufs: readonly Buffer[], n: number, at: number): readonly Buffer[] {
  if (n <= 0) throw fsError('EIO', `write made no progress at byte ${at}`)
  // Drop what was written; a short write continues inside a buffer.
  let i = 0
  while (i < bufs.length && n >= bufs[i]!.length) n -= bufs[i++]!.length
  if (i === bufs.length) return []
  const rest = bufs.slice(i)
  if (n > 0) rest[0] = rest[0]!.subarray(n)
  return rest
}

/**
 * writevFully on the calling thread: all the buffers written back to back from `position`,
 * looping over short writes; throws on failure (the handle must have writevSync).
 */
export function writevFullySync(h: FileHandle, buffers: readonly Buffer[], position: number): void {
  if (h.writevSync === undefined) throw new TypeError('writevFullySync needs a handle with writevSync')
  let bufs = buffers
  let at = position
  while (bufs.length > 0) {
    const n = h.writevSync(bufs, at)
    at += n
    bufs = afterWrite(bufs, n, at)
  }
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file). */
/** Reads `length` bytes at `position` into `buf` (default: a fresh buffer); short at EOF. */
export async function readFully(
  h: FileHandle,
  length: number,
  position: number,
  buf: Buffer = Buffer.allocUnsafe(length),
): Promise<Buffer> {
  let done = 0
  while (done < length) {
    const n = await h.read(buf, done, length - done, position + done)
    if (n === 0) break
    done += n
  }
  return done === length ? buf : buf.subarray(0, done)
}

/**
 * Replaces a small file atomically: write a .tmp sibling, sync it, rename over the target and
 * sync the directory (Kafka's checkpoint-file protocol). With `sync: false` the replacement is
 * atomic for readers but may be lost (or read back empty) after a power loss.
 */
export async function writeFileAtomic(
  fs: FileSystem,
  path: string,
  data: Buffer,
  options: { sync?: boolean } = {},
): Promise<void> {
  const sync = options.sync ?? true
  const tmp = `${path}.tmp`
  const h = await fs.open(tmp, { create: true })
  try {
    await h.truncate(0)
    await writeFully(h, data, 0)
    if (sync) await h.sync()
  } finally {
    await h.close()
  }
  await fs.rename(tmp, path)
  if (sync) await fs.syncDir(nodePath.dirname(path))
}

export interface FsError extends Error {
  code: string
}

export function fsError(code: string, message: string): FsError {
  return Object.assign(new Error(`${code}: ${message}`), { code })
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

// ---------------------------------------------------------------------------------------------
// Node implementation

/**
 * Writes up to this size are made on the calling thread (writeSync into the page cache, a few µs)
 * rather than through libuv's thread pool: the pool costs a round trip of two thread wake-ups
 * per write (pool thread, then the event loop's eventfd), which is most of the extra CPU of a
 * 1-message produce on the disk log over the memory log, and each wake-up waits for a CPU when
 * the machine is busy (issue 7, W4). Larger writes stay in the pool so a big batch, or a writer
 * throttled by dirty-page writeback, never holds the event loop for long.
 */
export const SYNC_WRITE_MAX_BYTES = 16 * 1024

class NodeFileHandle implements FileHandle {
  readonly #h: nodeFs.FileHandle
  constructor(h: nodeFs.FileHandle) {
    this.#h = h
  }
  async read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.#h.read(buf, offset, length, position)).bytesRead
  }
  async write(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    if (length <= SYNC_WRITE_MAX_BYTES) return writeSync(this.#h.fd, buf, offset, length, position)
    return (await this.#h.write(buf, offset, length, position)).bytesWritten
  }
  writeSync(buf: Buffer, position: number): number {
    return writeSync(this.#h.fd, buf, 0, buf.length, position)
  }
  writevSync(buffers: readonly Buffer[], position: number): number {
    return writevSync(this.#h.fd, buffers, position)
  }
  async writev(buffers: readonly Buffer[], position: number): Promise<number> {
    let total = 0
    for (const b of buffers) total += b.length
    if (total <= SYNC_WRITE_MAX_BYTES) return writevSync(this.#h.fd, buffers, position)
    return (await this.#h.writev(buffers, position)).bytesWritten
  }
  truncate(size: number): Promise<void> {
    return this.#h.truncate(size)
  }
  sync(): Promise<void> {
    return this.#h.datasync()
  }
  async size(): Promise<number> {
    return (await this.#h.stat()).size
  }
  close(): Promise<void> {
    return this.#h.close()
  }
}

export class NodeFileSystem implements FileSystem {
  async open(path: string, options: { create?: boolean } = {}): Promise<FileHandle> {
    const flags = fsConstants.O_RDWR | (options.create === true ? fsConstants.O_CREAT : 0)
    return new NodeFileHandle(await nodeFs.open(path, flags, 0o644))
  }
  readFile(path: string): Promise<Buffer> {
    // The callback API: half the CPU of fs/promises.readFile for the small files read per
    // partition at start-up (checkpoints, partition.metadata, indexes): ~35 µs each here.
    return new Promise((resolve, reject) => {
      readFileCallback(path, (err, data) => (err === null ? resolve(data) : reject(err)))
    })
  }
  rename(from: string, to: string): Promise<void> {
    return nodeFs.rename(from, to)
  }
  unlink(path: string): Promise<void> {
    return nodeFs.unlink(path)
  }
  async mkdir(path: string): Promise<void> {
    await nodeFs.mkdir(path, { recursive: true })
  }
  rmdir(path: string): Promise<void> {
    return nodeFs.rm(path, { recursive: true, force: true })
  }
  readdir(path: string): Promise<string[]> {
    return nodeFs.readdir(path)
  }
  async stat(path: string): Promise<FileStat | undefined> {
    let s: Stats
    try {
      s = await nodeFs.stat(path)
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined
      throw err
    }
    return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() }
  }
  async syncDir(path: string): Promise<void> {
    const h = await nodeFs.open(path, fsConstants.O_RDONLY)
    try {
      await h.sync()
    } finally {
      await h.close()
    }
  }
}

// ---------------------------------------------------------------------------------------------
// In-memory implementation with fault injection

/** Thrown by every operation once a MemoryFileSystem has crashed. */
export class CrashError extends Error {
  override name = 'CrashError'
  readonly code = 'ECRASHED'
}

/** What survives a crash of unsynced data. */
export type CrashMode =
  /** Only synced data and synced directory entries (power loss). */
  | 'power-loss'
  /** Everything written survives (kill -9: the OS page cache is intact). */
  | 'process-kill'
  /** Power loss, but each file keeps a random prefix of its unsynced appended bytes. */
  | 'torn'
  /** Like torn, then random garbage appended to files that had unsynced appends. */
  | 'torn-garbage'

interface MemFile {
  /** What reads see now. */
  data: Buffer
  length: number
  /** Contents as of the last sync. */
  synced: Buffer
  mtimeMs: number
}

/** Shared by a directory tree: path → file, plus the set of directories. */
interface Namespace {
  files: Map<string, MemFile>
  dirs: Set<string>
}

export interface Faults {
  /** Crash (every later operation throws CrashError) when this many mutating operations have run. */
  crashAfterOps?: number
  /** Writes to paths matching this return after writing at most `shortWriteBytes` bytes. */
  shortWrite?: { match: (path: string) => boolean; maxBytes: number }
  /** sync() on matching paths fails with EIO. */
  syncError?: (path: string) => boolean
  /** Total file bytes allowed; writes beyond fail with ENOSPC (nothing written). */
  capacityBytes?: number
  /** Opening matching paths fails with EACCES. */
  permissionDenied?: (path: string) => boolean
}

function norm(path: string): string {
  return nodePath.posix.normalize(path).replace(/\/+$/, '') || '/'
}

function parentOf(path: string): string {
  return nodePath.posix.dirname(path)
}

function cloneNamespace(ns: Namespace): Namespace {
  const files = new Map<string, MemFile>()
  for (const [p, f] of ns.files) files.set(p, { ...f, data: Buffer.from(f.data.subarray(0, f.length)) })
  return { files, dirs: new Set(ns.dirs) }
}

/** Refers to the file object itself (like an inode), so it survives rename and unlink. */
class MemoryFileHandle implements FileHandle {
  readonly #fs: MemoryFileSystem
  readonly #path: string
  readonly #f: MemFile
  #closed = false

  constructor(fs: MemoryFileSystem, path: string, f: MemFile) {
    this.#fs = fs
    this.#path = path
    this.#f = f
  }

  #file(): MemFile {
    if (this.#closed) throw fsError('EBADF', `${this.#path} is closed`)
    return this.#f
  }

  read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.#fs.run('read', this.#path, false, () => {
      const f = this.#file()
      const n = Math.max(0, Math.min(length, f.length - position))
      f.data.copy(buf, offset, position, position + n)
      return n
    })
  }

  write(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.#fs.run('write', this.#path, true, () => this.#write(buf, offset, length, position))
  }

  /** The same operation as write() (counted, faults and crashes injected), completed at once. */
  writeSync(buf: Buffer, position: number): number {
    return this.#fs.runSync('write', this.#path, true, () => this.#write(buf, 0, buf.length, position))
  }

  #write(buf: Buffer, offset: number, length: number, position: number): number {
    const f = this.#file()
    const faults = this.#fs.faults
    let n = length
    if (faults.shortWrite?.match(this.#path) === true) n = Math.min(n, faults.shortWrite.maxBytes)
    const end = position + n
    const growth = Math.max(0, end - f.length)
    if (faults.capacityBytes !== undefined && this.#fs.usedBytes() + growth > faults.capacityBytes)
      throw fsError('ENOSPC', `no space left writing ${this.#path}`)
    if (end > f.data.length) {
      const grown = Buffer.alloc(Math.max(end, f.data.length * 2))
      f.data.copy(grown, 0, 0, f.length)
      f.data = grown
    }
    if (position > f.length) f.data.fill(0, f.length, position)
    buf.copy(f.data, position, offset, offset + n)
    f.length = Math.max(f.length, end)
    f.mtimeMs = this.#fs.now()
    return n
  }

  /** One operation for the crash tests, like a single pwritev. */
  writev(buffers: readonly Buffer[], position: number): Promise<number> {
    const all = Buffer.concat(buffers)
    return this.write(all, 0, all.length, position)
  }

  writevSync(buffers: readonly Buffer[], position: number): number {
    const all = Buffer.concat(buffers)
    return this.#fs.runSync('write', this.#path, true, () => this.#write(all, 0, all.length, position))
  }

  truncate(size: number): Promise<void> {
    return this.#fs.run('truncate', this.#path, true, () => {
      const f = this.#file()
      if (size > f.length) {
        const grown = Buffer.alloc(size)
        f.data.copy(grown, 0, 0, f.length)
        f.data = grown
      }
      f.length = size
      f.mtimeMs = this.#fs.now()
    })
  }

  sync(): Promise<void> {
    return this.#fs.run('sync', this.#path, true, () => {
      const f = this.#file()
      if (this.#fs.faults.syncError?.(this.#path) === true)
        throw fsError('EIO', `fsync failed on ${this.#path}`)
      f.synced = Buffer.from(f.data.subarray(0, f.length))
      this.#fs.syncCount++
    })
  }

  size(): Promise<number> {
    return this.#fs.run('size', this.#path, false, () => this.#file().length)
  }

  close(): Promise<void> {
    this.#closed = true
    return Promise.resolve()
  }
}

/**
 * An in-memory FileSystem that models what survives a crash. Two namespaces: `live` (what the
 * process sees) and `durable` (directory entries as of each directory's last syncDir, pointing at
 * files whose synced contents are kept on the same objects).
 */
export class MemoryFileSystem implements FileSystem {
  live: Namespace
  /** Directory entries as last synced: path → the live file object it names. */
  #durableEntries: Map<string, MemFile>
  #durableDirs: Set<string>
  faults: Faults = {}
  /** Mutating operations run so far (crashAfterOps counts these). */
  ops = 0
  syncCount = 0
  /** Operation log for debugging failing crash tests. */
  readonly trace: string[] = []
  traceEnabled = false
  #crashed = false
  now: () => number = Date.now

  constructor() {
    this.live = { files: new Map(), dirs: new Set(['/']) }
    this.#durableEntries = new Map()
    this.#durableDirs = new Set(['/'])
  }

  get crashed(): boolean {
    return this.#crashed
  }

  /** Runs an operation, counting mutations and applying the crash fault. */
  run<T>(op: string, path: string, mutating: boolean, body: () => T): Promise<T> {
    try {
      return Promise.resolve(this.runSync(op, path, mutating, body))
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** run() for a synchronous operation: returns its result or throws. */
  runSync<T>(op: string, path: string, mutating: boolean, body: () => T): T {
    if (this.#crashed) throw new CrashError(`file system crashed before ${op} ${path}`)
    if (mutating) {
      if (this.faults.crashAfterOps !== undefined && this.ops >= this.faults.crashAfterOps) {
        this.#crashed = true
        throw new CrashError(`crash injected before ${op} ${path} (after ${this.ops} operations)`)
      }
      this.ops++
      if (this.traceEnabled) this.trace.push(`${this.ops} ${op} ${path}`)
    }
    return body()
  }

  /** Stops the file system now: every later operation throws CrashError. */
  crash(): void {
    this.#crashed = true
  }

  usedBytes(): number {
    let n = 0
    for (const f of this.live.files.values()) n += f.length
    return n
  }

  /**
   * What a restarted machine would find after a crash at this moment: a new file system holding
   * the surviving state. `random` drives the torn modes (default Math.random).
   */
  afterCrash(mode: CrashMode, random: () => number = Math.random): MemoryFileSystem {
    const next = new MemoryFileSystem()
    next.now = this.now
    const keepAll = mode === 'process-kill'
    const entries = keepAll ? this.live.files : this.#durableEntries
    const dirs = new Set(keepAll ? this.live.dirs : this.#durableDirs)
    // Entries whose directory did not survive are gone with it.
    const reachable = (path: string): boolean => {
      for (let d = parentOf(path); ; d = parentOf(d)) {
        if (!dirs.has(d)) return false
        if (d === '/') return true
      }
    }
    next.live.dirs = new Set([...dirs].filter((d) => d === '/' || reachable(d)))
    for (const [path, f] of entries) {
      if (!reachable(path)) continue
      let data: Buffer
      if (keepAll) data = Buffer.from(f.data.subarray(0, f.length))
      else {
        data = f.synced
        const current = f.data.subarray(0, f.length)
        const appendedOnly = current.length > data.length && current.subarray(0, data.length).equals(data)
        if ((mode === 'torn' || mode === 'torn-garbage') && appendedOnly) {
          const extra = Math.floor(random() * (current.length - data.length + 1))
          data = Buffer.concat([data, current.subarray(data.length, data.length + extra)])
          if (mode === 'torn-garbage' && random() < 0.5) {
            const garbage = Buffer.alloc(1 + Math.floor(random() * 100))
            for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(random() * 256)
            data = Buffer.concat([data, garbage])
          }
        }
      }
      const copy = Buffer.from(data)
      next.live.files.set(path, {
        data: copy,
        length: copy.length,
        synced: Buffer.from(copy),
        mtimeMs: f.mtimeMs,
      })
    }
    next.#durableEntries = new Map(next.live.files)
    next.#durableDirs = new Set(next.live.dirs)
    return next
  }

  /** A copy of the live state that is fully durable (a clean machine image). */
  snapshot(): MemoryFileSystem {
    const next = new MemoryFileSystem()
    next.now = this.now
    next.live = cloneNamespace(this.live)
    for (const f of next.live.files.values()) f.synced = Buffer.from(f.data.subarray(0, f.length))
    next.#durableEntries = new Map(next.live.files)
    next.#durableDirs = new Set(next.live.dirs)
    return next
  }

  #requireDir(path: string): void {
    if (!this.live.dirs.has(path)) throw fsError('ENOENT', `no such directory ${path}`)
  }

  open(path: string, options: { create?: boolean } = {}): Promise<FileHandle> {
    const p = norm(path)
    const creating = options.create === true && !this.live.files.has(p)
    return this.run(creating ? 'create' : 'open', p, creating, () => {
      if (this.faults.permissionDenied?.(p) === true) throw fsError('EACCES', `permission denied: ${p}`)
      if (this.live.dirs.has(p)) throw fsError('EISDIR', `${p} is a directory`)
      let f = this.live.files.get(p)
      if (f === undefined) {
        if (options.create !== true) throw fsError('ENOENT', `no such file ${p}`)
        this.#requireDir(parentOf(p))
        f = { data: Buffer.alloc(0), length: 0, synced: Buffer.alloc(0), mtimeMs: this.now() }
        this.live.files.set(p, f)
      }
      return new MemoryFileHandle(this, p, f)
    })
  }

  readFile(path: string): Promise<Buffer> {
    const p = norm(path)
    return this.run('readFile', p, false, () => {
      const f = this.live.files.get(p)
      if (f === undefined) throw fsError('ENOENT', `no such file ${p}`)
      return Buffer.from(f.data.subarray(0, f.length))
    })
  }

  rename(from: string, to: string): Promise<void> {
    const a = norm(from)
    const b = norm(to)
    return this.run('rename', `${a} -> ${b}`, true, () => {
      const f = this.live.files.get(a)
      if (f !== undefined) {
        this.#requireDir(parentOf(b))
        this.live.files.delete(a)
        this.live.files.set(b, f)
        return
      }
      if (!this.live.dirs.has(a)) throw fsError('ENOENT', `no such file ${a}`)
      // Directory rename: move every path under it.
      for (const d of [...this.live.dirs])
        if (d === a || d.startsWith(`${a}/`)) {
          this.live.dirs.delete(d)
          this.live.dirs.add(b + d.slice(a.length))
        }
      for (const [p, file] of [...this.live.files])
        if (p.startsWith(`${a}/`)) {
          this.live.files.delete(p)
          this.live.files.set(b + p.slice(a.length), file)
        }
    })
  }

  unlink(path: string): Promise<void> {
    const p = norm(path)
    return this.run('unlink', p, true, () => {
      if (!this.live.files.delete(p)) throw fsError('ENOENT', `no such file ${p}`)
    })
  }

  mkdir(path: string): Promise<void> {
    const p = norm(path)
    return this.run('mkdir', p, true, () => {
      const parts = p.split('/').filter((s) => s !== '')
      let cur = ''
      for (const part of parts) {
        cur += `/${part}`
        if (this.live.files.has(cur)) throw fsError('ENOTDIR', `${cur} is a file`)
        this.live.dirs.add(cur)
      }
    })
  }

  rmdir(path: string): Promise<void> {
    const p = norm(path)
    return this.run('rmdir', p, true, () => {
      for (const d of [...this.live.dirs]) if (d === p || d.startsWith(`${p}/`)) this.live.dirs.delete(d)
      for (const f of [...this.live.files.keys()]) if (f.startsWith(`${p}/`)) this.live.files.delete(f)
    })
  }

  readdir(path: string): Promise<string[]> {
    const p = norm(path)
    return this.run('readdir', p, false, () => {
      this.#requireDir(p)
      const prefix = p === '/' ? '/' : `${p}/`
      const names = new Set<string>()
      for (const key of [...this.live.files.keys(), ...this.live.dirs]) {
        if (key.startsWith(prefix) && key !== p) {
          const rest = key.slice(prefix.length)
          if (!rest.includes('/')) names.add(rest)
        }
      }
      return [...names].sort()
    })
  }

  stat(path: string): Promise<FileStat | undefined> {
    const p = norm(path)
    return this.run('stat', p, false, () => {
      if (this.live.dirs.has(p)) return { size: 0, mtimeMs: 0, isDirectory: true }
      const f = this.live.files.get(p)
      return f === undefined ? undefined : { size: f.length, mtimeMs: f.mtimeMs, isDirectory: false }
    })
  }

  /** Makes this directory's entries durable (and the directory itself, with its ancestors). */
  syncDir(path: string): Promise<void> {
    const p = norm(path)
    return this.run('syncDir', p, true, () => {
      this.#requireDir(p)
      // Ancestors are made durable too: Linux filesystems with a journal order these metadata
      // updates, and our code always creates directories before syncing them.
      for (let d = p; ; d = parentOf(d)) {
        this.#durableDirs.add(d)
        if (d === '/') break
      }
      const inDir = (q: string): boolean => parentOf(q) === p
      for (const q of [...this.#durableEntries.keys()]) if (inDir(q)) this.#durableEntries.delete(q)
      for (const [q, f] of this.live.files) if (inDir(q)) this.#durableEntries.set(q, f)
      for (const d of [...this.#durableDirs])
        if (inDir(d) && !this.live.dirs.has(d)) this.#durableDirs.delete(d)
      for (const d of this.live.dirs) {
        if (!inDir(d) || this.#durableDirs.has(d)) continue
        // A directory that just became durable (created or renamed here) brings its contents
        // along, as a directory rename moves its whole subtree at once.
        this.#durableDirs.add(d)
        for (const sub of this.live.dirs) if (sub.startsWith(`${d}/`)) this.#durableDirs.add(sub)
        for (const [q, f] of this.live.files) if (q.startsWith(`${d}/`)) this.#durableEntries.set(q, f)
      }
    })
  }
}
