// An in-memory MetadataFs for crash tests. It models what survives a power cut: file contents
// become durable on the file's sync(), names (creates, renames, unlinks) on syncDir() of their
// directory. `crashAfter = N` lets operations 1..N succeed and fails every later one, as if the
// machine stopped there; `afterCrash('durable')` then yields a file system holding only what was
// made durable, `afterCrash('volatile')` one where the OS happened to persist everything.
// `failNext` injects an error (EIO, ENOSPC) into one chosen kind of operation.

import { dirname } from 'node:path'
import type { MetadataFile, MetadataFs } from '../../../src/storage/metadata/index.ts'

export class CrashError extends Error {
  override name = 'CrashError'
}

interface Inode {
  data: Buffer
  durable: Buffer
}

export type OpKind =
  'mkdir' | 'readFile' | 'open' | 'rename' | 'unlink' | 'syncDir' | 'write' | 'sync' | 'truncate' | 'close'

export class FaultFs implements MetadataFs {
  /** Operations performed so far. */
  ops = 0
  crashAfter = Number.POSITIVE_INFINITY
  crashed = false
  /** The kind of the last operation attempted (the one a crash stopped, after a crash). */
  lastAttempt: OpKind | undefined
  readonly counts: Record<OpKind, number> = {
    mkdir: 0,
    readFile: 0,
    open: 0,
    rename: 0,
    unlink: 0,
    syncDir: 0,
    write: 0,
    sync: 0,
    truncate: 0,
    close: 0,
  }
  /** The next operation of this kind fails with this error (then the injection is cleared). */
  failNext: { kind: OpKind; error: Error } | undefined
  private readonly names = new Map<string, Inode>()
  private readonly durableNames = new Map<string, Inode>()

  step(kind: OpKind): void {
    if (this.crashed) throw new CrashError('crashed')
    this.lastAttempt = kind
    if (this.ops >= this.crashAfter) {
      this.crashed = true
      throw new CrashError(`crash before operation ${this.ops + 1} (${kind})`)
    }
    if (this.failNext?.kind === kind) {
      const { error } = this.failNext
      this.failNext = undefined
      throw error
    }
    this.ops++
    this.counts[kind]++
  }

  wouldCrash(): boolean {
    return !this.crashed && this.ops >= this.crashAfter
  }

  /** The file system a restarted process would find. */
  afterCrash(mode: 'durable' | 'volatile'): FaultFs {
    const next = new FaultFs()
    const source = mode === 'durable' ? this.durableNames : this.names
    const copies = new Map<Inode, Inode>()
    for (const [name, inode] of source) {
      let copy = copies.get(inode)
      if (copy === undefined) {
        const data = Buffer.from(mode === 'durable' ? inode.durable : inode.data)
        copy = { data, durable: Buffer.from(data) }
        copies.set(inode, copy)
      }
      next.names.set(name, copy)
      next.durableNames.set(name, copy)
    }
    return next
  }

  /** Test helpers: direct access to the current (volatile) contents. */
  peek(path: string): Buffer | undefined {
    return this.names.get(path)?.data
  }

  put(path: string, data: Buffer): void {
    const inode = { data: Buffer.from(data), durable: Buffer.from(data) }
    this.names.set(path, inode)
    this.durableNames.set(path, inode)
  }

  mkdir(): Promise<void> {
    return this.op('mkdir', () => {})
  }

  readFile(path: string): Promise<Buffer | undefined> {
    return this.op('readFile', () => {
      const inode = this.names.get(path)
      return inode === undefined ? undefined : Buffer.from(inode.data)
    })
  }

  open(path: string, mode: 'create' | 'existing'): Promise<MetadataFile> {
    return this.op('open', () => {
      let inode = this.names.get(path)
      if (inode === undefined) {
        if (mode === 'existing') throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
        inode = { data: Buffer.alloc(0), durable: Buffer.alloc(0) }
        this.names.set(path, inode)
      } else if (mode === 'create') {
        inode.data = Buffer.alloc(0)
      }
      return new FaultFile(this, inode)
    })
  }

  rename(from: string, to: string): Promise<void> {
    return this.op('rename', () => {
      const inode = this.names.get(from)
      if (inode === undefined) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' })
      this.names.delete(from)
      this.names.set(to, inode)
    })
  }

  unlink(path: string): Promise<void> {
    return this.op('unlink', () => {
      this.names.delete(path)
    })
  }

  syncDir(dir: string): Promise<void> {
    return this.op('syncDir', () => {
      for (const name of [...this.durableNames.keys()])
        if (dirname(name) === dir && !this.names.has(name)) this.durableNames.delete(name)
      for (const [name, inode] of this.names) if (dirname(name) === dir) this.durableNames.set(name, inode)
    })
  }

  op<T>(kind: OpKind, fn: () => T): Promise<T> {
    try {
      this.step(kind)
      return Promise.resolve(fn())
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

class FaultFile implements MetadataFile {
  private readonly fs: FaultFs
  private readonly inode: Inode
  constructor(fs: FaultFs, inode: Inode) {
    this.fs = fs
    this.inode = inode
  }
  write(data: Buffer, position: number): Promise<void> {
    // A crash in the middle of a write: its first half reaches the page cache (a torn write that
    // the 'volatile' view keeps), then the machine stops.
    if (this.fs.wouldCrash()) this.put(data.subarray(0, data.length >> 1), position)
    return this.fs.op('write', () => this.put(data, position))
  }
  private put(data: Buffer, position: number): void {
    const end = position + data.length
    if (end > this.inode.data.length) {
      const grown = Buffer.alloc(end)
      this.inode.data.copy(grown)
      this.inode.data = grown
    }
    data.copy(this.inode.data, position)
  }
  sync(): Promise<void> {
    return this.fs.op('sync', () => {
      this.inode.durable = Buffer.from(this.inode.data)
    })
  }
  truncate(length: number): Promise<void> {
    return this.fs.op('truncate', () => {
      this.inode.data = Buffer.from(this.inode.data.subarray(0, length))
    })
  }
  close(): Promise<void> {
    // Closing never fails or counts as a crash point: it makes nothing durable.
    return Promise.resolve()
  }
}
