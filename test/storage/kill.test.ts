// Restart after kill -9: a child process appends in a loop on the real file system; we kill it
// by PID mid-append and check that the log recovers with every acknowledged batch intact
// (the page cache survives a process kill) and nothing torn.

import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDiskLogStore } from '../../src/storage/log/disk-log-store.ts'
import { DEFAULT_LOG_CONFIG } from '../../src/storage/log-store.ts'
import { makeBatch } from './batches.ts'
import { readAll } from './helpers.ts'

const SCRIPT = join(import.meta.dirname, 'fixtures', 'append-loop.ts')

function loopBatch(i: number): Buffer {
  return makeBatch([
    {
      key: Buffer.from(`k${i}`),
      value: Buffer.alloc(200 + (i % 7) * 100, i & 0xff),
      timestamp: BigInt(1_700_000_000_000 + i),
    },
  ])
}

/** Runs the child until it has acknowledged `minAcks` appends, then SIGKILLs it. */
async function runAndKill(dir: string, durable: boolean, minAcks: number): Promise<bigint> {
  const child = spawn(process.execPath, [SCRIPT, dir, durable ? '1' : '0', String(64 * 1024)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let acked = -1n
  let count = 0
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  await new Promise<void>((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(() => reject(new Error(`child too slow: ${count} acks; ${stderr}`)), 30_000)
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const m = /^acked (\d+)$/.exec(line)
        if (m !== null) {
          acked = BigInt(m[1]!)
          count++
        }
      }
      if (count >= minAcks && child.pid !== undefined) {
        clearTimeout(timer)
        process.kill(child.pid, 'SIGKILL')
        resolve()
      }
    })
    child.on('exit', (code) => {
      if (count < minAcks) {
        clearTimeout(timer)
        reject(new Error(`child exited early (${code}): ${stderr}`))
      }
    })
  })
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.on('exit', () => resolve())
  })
  return acked
}

async function verify(dir: string, acked: bigint): Promise<bigint> {
  const store = await openDiskLogStore(dir, { checkpointIntervalMs: 0 })
  try {
    const log = await store.open(
      { topic: 'kill', partition: 0 },
      { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * 1024 },
    )
    expect(log.logEndOffset() > acked).toBe(true)
    const batches = await readAll(log)
    expect(batches.length).toBe(Number(log.logEndOffset()))
    for (const b of batches) {
      const expected = loopBatch(Number(b.base))
      expected.writeBigInt64BE(b.base, 0)
      expected.writeInt32BE(0, 12)
      expect(b.bytes.equals(expected)).toBe(true)
    }
    return log.logEndOffset()
  } finally {
    await store.close()
  }
}

describe('kill -9 mid-append', () => {
  for (const durable of [false, true]) {
    it(`recovers every acknowledged batch (${durable ? 'durable' : 'default'} mode), twice in a row`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'samsa-kill-'))
      try {
        const first = await runAndKill(dir, durable, durable ? 150 : 600)
        const end1 = await verify(dir, first)
        // Kill again after the recovered restart, then check the whole log once more.
        const second = await runAndKill(dir, durable, Number(end1) + (durable ? 100 : 400))
        expect(second >= end1).toBe(true)
        await verify(dir, second)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }, 60_000)
  }
})
