import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryFileSystem } from '../../src/storage/fs.ts'
import { openDiskLogStore } from '../../src/storage/log/disk-log-store.ts'
import { describeLogBehaviour } from './log-behaviour.ts'

describeLogBehaviour('disk (memory fs)', async () => {
  let now = 0
  const fs = new MemoryFileSystem()
  const store = await openDiskLogStore('/data', { fs, now: () => now, checkpointIntervalMs: 0 })
  return {
    store,
    setNow: (ms: number) => {
      now = ms
    },
    cleanup: () => Promise.resolve(),
  }
})

describeLogBehaviour('disk (node fs)', async () => {
  let now = 0
  const dir = await mkdtemp(join(tmpdir(), 'samsa-log-'))
  const store = await openDiskLogStore(dir, { now: () => now, checkpointIntervalMs: 0 })
  return {
    store,
    setNow: (ms: number) => {
      now = ms
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
})
