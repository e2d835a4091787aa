// Restart after kill -9: a child process writes to the metadata store; we kill it by PID in the
// middle of its writes, reopen, and check that every acknowledged change is there, that the
// topics form a gap-free prefix of what the child created, and that no producer id repeats.

import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openMetadataStore } from '../../../src/storage/metadata/index.ts'
import { topicIdFor } from './workload.ts'

const WRITER = fileURLToPath(new URL('./fixtures/metadata-writer.ts', import.meta.url))

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-metadata-kill-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

interface Run {
  clusterId: string
  acked: number[]
  pids: bigint[]
}

/** Starts the writer, lets it acknowledge `acks` changes, then kills it with SIGKILL. */
function runAndKill(acks: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const run: Run = { clusterId: '', acked: [], pids: [] }
    let buffered = ''
    let stderr = ''
    let killed = false
    const timer = setTimeout(() => {
      if (!killed) child.kill('SIGKILL')
      reject(new Error(`writer did not reach ${acks} acks in time: ${stderr}`))
    }, 20_000)
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const [word, a, b] = line.split(' ')
        if (word === 'ready') run.clusterId = a!
        if (word === 'ack' && !killed) {
          run.acked.push(Number(a))
          run.pids.push(BigInt(b!))
          if (run.acked.length >= acks) {
            killed = true
            process.kill(child.pid!, 'SIGKILL')
          }
        }
      }
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve(run)
      else reject(new Error(`writer exited with ${code}: ${stderr}`))
    })
  })
}

it('recovers every acknowledged change after kill -9 mid-write, several times over', async () => {
  let clusterId: string | undefined
  const allPids: bigint[] = []
  let previousTopics = 0
  for (const acks of [40, 150, 7, 300]) {
    const run = await runAndKill(acks)
    clusterId ??= run.clusterId
    expect(run.clusterId).toBe(clusterId)
    const store = await openMetadataStore(dir)
    const topics = store.topics()
    // A gap-free prefix: topic-0 … topic-(n-1), each exactly as the child created it.
    topics.forEach((t, i) => {
      expect(t).toEqual({
        name: `topic-${i}`,
        topicId: topicIdFor(i),
        partitions: 1 + (i % 7),
        configs: { i: String(i) },
      })
    })
    for (const i of run.acked) expect(store.topic(`topic-${i}`), `acked topic-${i}`).toBeDefined()
    expect(topics.length).toBeGreaterThanOrEqual(previousTopics + run.acked.length)
    previousTopics = topics.length
    allPids.push(...run.pids, await store.allocateProducerIds(10))
    await store.close()
    console.log(`killed after ${run.acked.length} acks: ${topics.length} topics recovered`)
  }
  // Producer id ranges (10 each) never overlap, across all the kills.
  const sorted = [...allPids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(10n)
}, 60_000)
