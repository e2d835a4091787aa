import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CrashError,
  MemoryFileSystem,
  NodeFileSystem,
  readFully,
  writeFileAtomic,
  writeFully,
  type FileSystem,
} from '../../src/storage/fs.ts'
import { seededRandom } from './helpers.ts'

async function put(fs: FileSystem, path: string, text: string, sync: boolean): Promise<void> {
  const h = await fs.open(path, { create: true })
  await writeFully(h, Buffer.from(text), await h.size())
  if (sync) await h.sync()
  await h.close()
}

describe('MemoryFileSystem crash model', () => {
  it('keeps only synced data and synced directory entries after a power loss', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    await put(fs, '/d/a', 'synced', true)
    await fs.syncDir('/d')
    await put(fs, '/d/a', '+unsynced', false)
    await put(fs, '/d/b', 'new file, entry not synced', true)
    const lost = fs.afterCrash('power-loss')
    expect((await lost.readFile('/d/a')).toString()).toBe('synced')
    expect(await lost.stat('/d/b')).toBeUndefined()
    const kept = fs.afterCrash('process-kill')
    expect((await kept.readFile('/d/a')).toString()).toBe('synced+unsynced')
    expect((await kept.readFile('/d/b')).toString()).toBe('new file, entry not synced')
  })

  it('tears appended data to a prefix, optionally followed by garbage', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    await put(fs, '/d/a', 'base', true)
    await fs.syncDir('/d')
    await put(fs, '/d/a', '0123456789', false)
    const seen = new Set<string>()
    for (let seed = 1; seed < 40; seed++) {
      const random = seededRandom(seed)
      const torn = (await fs.afterCrash('torn', random).readFile('/d/a')).toString()
      expect('base0123456789'.startsWith(torn)).toBe(true)
      seen.add(torn)
      const garbage = await fs.afterCrash('torn-garbage', random).readFile('/d/a')
      expect(garbage.subarray(0, 4).toString()).toBe('base')
    }
    expect(seen.size).toBeGreaterThan(3)
  })

  it('renames are durable only once the directory is synced', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    await put(fs, '/d/a', 'x', true)
    await fs.syncDir('/d')
    await fs.rename('/d/a', '/d/b')
    expect(await fs.afterCrash('power-loss').readdir('/d')).toEqual(['a'])
    await fs.syncDir('/d')
    expect(await fs.afterCrash('power-loss').readdir('/d')).toEqual(['b'])
  })

  it('crashes after the N-th mutating operation and stays down', async () => {
    const fs = new MemoryFileSystem()
    fs.faults.crashAfterOps = 2
    await fs.mkdir('/d')
    await put(fs, '/d/a', 'x', false).catch(() => undefined)
    expect(fs.crashed).toBe(true)
    await expect(fs.readFile('/d/a')).rejects.toBeInstanceOf(CrashError)
    expect(fs.ops).toBe(2)
  })

  it('injects short writes, ENOSPC, fsync errors and EACCES', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    const h = await fs.open('/d/a', { create: true })
    fs.faults.shortWrite = { match: () => true, maxBytes: 3 }
    expect(await h.write(Buffer.from('abcdef'), 0, 6, 0)).toBe(3)
    await writeFully(h, Buffer.from('abcdef'), 0)
    expect((await readFully(h, 10, 0)).toString()).toBe('abcdef')
    fs.faults.shortWrite = undefined
    fs.faults.capacityBytes = 8
    await expect(h.write(Buffer.from('xyz'), 0, 3, 6)).rejects.toMatchObject({ code: 'ENOSPC' })
    fs.faults.syncError = () => true
    await expect(h.sync()).rejects.toMatchObject({ code: 'EIO' })
    fs.faults.permissionDenied = () => true
    await expect(fs.open('/d/a')).rejects.toMatchObject({ code: 'EACCES' })
  })
})

describe('NodeFileSystem', () => {
  it('does positional I/O, atomic replacement and directory listing on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-fs-'))
    try {
      const fs = new NodeFileSystem()
      await fs.mkdir(join(dir, 'sub'))
      await put(fs, join(dir, 'sub', 'a'), 'hello', true)
      await writeFileAtomic(fs, join(dir, 'sub', 'cp'), Buffer.from('v1'))
      await writeFileAtomic(fs, join(dir, 'sub', 'cp'), Buffer.from('v2'))
      expect((await fs.readFile(join(dir, 'sub', 'cp'))).toString()).toBe('v2')
      expect(await fs.readdir(join(dir, 'sub'))).toEqual(['a', 'cp'])
      expect(await fs.stat(join(dir, 'nope'))).toBeUndefined()
      await fs.syncDir(join(dir, 'sub'))
      await fs.rmdir(join(dir, 'sub'))
      expect(await fs.stat(join(dir, 'sub'))).toBeUndefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
