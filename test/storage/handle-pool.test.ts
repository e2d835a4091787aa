import { describe, expect, it } from 'vitest'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import { GroupCommitter } from '../../src/storage/log/group-commit.ts'
import { HandlePool } from '../../src/storage/log/handle-pool.ts'

describe('handle pool', () => {
  it('keeps at most maxOpen unpinned files, least recently used closed first', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    const pool = new HandlePool(fs, 2)
    for (const name of ['a', 'b', 'c']) await pool.use(`/d/${name}`, (h) => h.size(), true)
    expect(pool.size).toBeLessThanOrEqual(2)
    // A pinned file is never closed under its user, even over the limit.
    let release!: () => void
    const held = pool.use(
      '/d/a',
      (h) =>
        new Promise<number>((r) => {
          release = () => void h.size().then(r)
        }),
    )
    await new Promise((r) => setImmediate(r))
    await pool.use('/d/b', (h) => h.size())
    await pool.use('/d/c', (h) => h.size())
    const closing = pool.close('/d/a')
    let closed = false
    void closing.then(() => (closed = true))
    await new Promise((r) => setImmediate(r))
    expect(closed).toBe(false)
    release()
    await held
    await closing
    expect(closed).toBe(true)
    // Reopens on demand.
    expect(await pool.use('/d/a', (h) => h.size())).toBe(0)
    await pool.closeAll()
    expect(pool.size).toBe(0)
  })

  it('pin refreshes the least-recently-used order, also of a file reopened after a close', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    const pool = new HandlePool(fs, 2)
    const open = (name: string): Promise<number> => pool.use(`/d/${name}`, (h) => h.size(), true)
    const isOpen = (name: string): boolean => {
      const h = pool.pin(`/d/${name}`)
      if (h !== undefined) pool.unpin(`/d/${name}`)
      return h !== undefined
    }
    await open('a')
    await open('b')
    // a pinned twice in a row (the second a no-op on the order): b is now the least recent.
    for (let i = 0; i < 2; i++) {
      expect(pool.pin('/d/a')).toBeDefined()
      pool.unpin('/d/a')
    }
    await open('c')
    expect(pool.size).toBe(2)
    expect(isOpen('b')).toBe(false)
    expect(isOpen('a')).toBe(true)
    // The most recent file closed and reopened, then another used: a pin of the reopened file
    // must move it to the recent end again.
    await pool.close('/d/a')
    await open('a')
    await open('c')
    expect(pool.pin('/d/a')).toBeDefined()
    pool.unpin('/d/a')
    await open('b')
    expect(isOpen('c')).toBe(false)
    expect(isOpen('a')).toBe(true)
    await pool.closeAll()
  })

  it('pin hands out an open handle at once and close waits for its unpin', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    const pool = new HandlePool(fs, 4)
    expect(pool.pin('/d/a')).toBeUndefined() // not open yet: callers use use()
    await pool.use('/d/a', (h) => h.size(), true)
    const h = pool.pin('/d/a')
    expect(h).toBeDefined()
    expect(await h!.write(Buffer.from('xy'), 0, 2, 0)).toBe(2)
    const closing = pool.close('/d/a')
    expect(pool.pin('/d/a')).toBeUndefined() // being closed
    let closed = false
    void closing.then(() => (closed = true))
    await new Promise((r) => setImmediate(r))
    expect(closed).toBe(false)
    pool.unpin('/d/a')
    await closing
    expect(closed).toBe(true)
    expect(pool.size).toBe(0)
    expect(await pool.use('/d/a', (f) => f.size())).toBe(2)
    await pool.closeAll()
  })

  it('fails clearly for a missing file without keeping an entry', async () => {
    const pool = new HandlePool(new MemoryFileSystem(), 4)
    await expect(pool.use('/nope', (h) => h.size())).rejects.toThrow(/ENOENT/)
    expect(pool.size).toBe(0)
  })
})

describe('group committer', () => {
  it('shares one fsync among requests for the same file and one round across files', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    const pool = new HandlePool(fs, 8)
    for (const n of ['x', 'y']) await pool.use(`/d/${n}`, (h) => h.size(), true)
    const gc = new GroupCommitter(pool)
    const before = fs.syncCount
    await Promise.all([gc.sync('/d/x'), gc.sync('/d/x'), gc.sync('/d/x'), gc.sync('/d/y')])
    expect(fs.syncCount - before).toBe(2)
    expect(gc.syncs).toBe(2)
  })

  it('covers writes made before the request even while a round is running', async () => {
    const fs = new MemoryFileSystem()
    await fs.mkdir('/d')
    const pool = new HandlePool(fs, 8)
    const gc = new GroupCommitter(pool)
    const write = (s: string, pos: number) =>
      pool.use('/d/f', (h) => h.write(Buffer.from(s), 0, s.length, pos), true)
    await write('aaaa', 0)
    await fs.syncDir('/d')
    const first = gc.sync('/d/f')
    await write('bbbb', 4)
    const second = gc.sync('/d/f')
    await Promise.all([first, second])
    const image = fs.afterCrash('power-loss')
    expect((await image.readFile('/d/f')).toString()).toBe('aaaabbbb')
  })
})
