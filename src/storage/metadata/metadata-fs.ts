// The few file-system operations the metadata journal needs, as an interface so crash tests can
// run the journal over an in-memory file system that fails or stops after the N-th operation
// (test/storage/metadata/fault-fs.ts). nodeMetadataFs is the real one.

import { constants } from 'node:fs'
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'

export interface MetadataFile {
  /** Writes all of `data` at `position`. */
  write(data: Buffer, position: number): Promise<void>
  sync(): Promise<void>
  truncate(length: number): Promise<void>
  close(): Promise<void>
}

export interface MetadataFs {
  /** Creates `dir` and its parents if missing. */
  mkdir(dir: string): Promise<void>
  /** The whole file, or undefined if it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>
  /** 'create': create or empty the file; 'existing': open it for writing as it is. */
  open(path: string, mode: 'create' | 'existing'): Promise<MetadataFile>
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): Promise<void>
  /** Removes the file; a missing file is not an error. */
  unlink(path: string): Promise<void>
  /** Makes creations, renames and removals in `dir` durable. */
  syncDir(dir: string): Promise<void>
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT'
}

class NodeFile implements MetadataFile {
  private readonly fh: FileHandle
  constructor(fh: FileHandle) {
    this.fh = fh
  }
  async write(data: Buffer, position: number): Promise<void> {
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done)
      done += bytesWritten
    }
  }
  sync(): Promise<void> {
    return this.fh.sync()
  }
  truncate(length: number): Promise<void> {
    return this.fh.truncate(length)
  }
  close(): Promise<void> {
    return this.fh.close()
  }
}

export const nodeMetadataFs: MetadataFs = {
  async mkdir(dir) {
    await mkdir(dir, { recursive: true })
  },
  async readFile(path) {
    try {
      return await readFile(path)
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  },
  async open(path, mode) {
    const flags =
      mode === 'create' ? constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC : constants.O_RDWR
    return new NodeFile(await open(path, flags, 0o644))
  },
  rename(from, to) {
    return rename(from, to)
  },
  async unlink(path) {
    try {
      await unlink(path)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  },
  async syncDir(dir) {
    // Linux (and macOS) allow fsync on a directory opened read-only; that is what persists renames.
    const fh = await open(dir, constants.O_RDONLY)
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
}
