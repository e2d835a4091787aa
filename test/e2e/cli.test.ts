// The `samsa` command as a user runs it: start on a data directory, serve, stop on SIGTERM,
// start again with the topics intact; refuse bad configuration with a clear message.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel } from 'kafkajs'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-cli-'))

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

interface Started {
  child: ChildProcess
  port: number
  clusterId: string
  stderr: () => string
}

function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, 'start', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line; stderr: ${err}`)), 15_000)
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
      const m = /cluster (\S+) listening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(err)
      if (m !== null) {
        clearTimeout(timer)
        resolve({ child, port: Number(m[2]), clusterId: m[1]!, stderr: () => err })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}: ${err}`))
    })
  })
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.on('exit', (code) => resolve(code))
  })
}

async function topicsAt(port: number): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'cli-test',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
  }).admin()
  await admin.connect()
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__'))
  } finally {
    await admin.disconnect()
  }
}

describe('samsa start', () => {
  it('serves from a data directory, stops on SIGTERM and keeps topics across restarts', async () => {
    const args = ['--data-dir', dataDir, '--override', 'listeners=PLAINTEXT://127.0.0.1:0']
    const first = await startCli(args)
    const admin = new Kafka({
      clientId: 'cli-test',
      brokers: [`127.0.0.1:${first.port}`],
      logLevel: logLevel.NOTHING,
    }).admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'durable-topic', numPartitions: 2 }] })
    await admin.disconnect()
    first.child.kill('SIGTERM')
    expect(await exitCode(first.child)).toBe(0)
    expect(first.stderr()).toContain('SIGTERM: shutting down')

    const second = await startCli(args)
    try {
      expect(second.clusterId).toBe(first.clusterId)
      expect(await topicsAt(second.port)).toEqual(['durable-topic'])
    } finally {
      second.child.kill('SIGINT')
      expect(await exitCode(second.child)).toBe(0)
    }
  })

  it('runs in memory with --memory', async () => {
    const s = await startCli(['--memory', '--override', 'listeners=PLAINTEXT://127.0.0.1:0'])
    try {
      expect(s.stderr()).toContain('memory')
      expect(await topicsAt(s.port)).toEqual([])
    } finally {
      s.child.kill('SIGTERM')
      expect(await exitCode(s.child)).toBe(0)
    }
  })

  it('refuses unknown or invalid settings with exit code 2 and names them', async () => {
    const child = spawn(
      process.execPath,
      [MAIN, '--memory', '-o', 'num.partitons=3', '-o', 'message.max.bytes=big'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, KAFKA_CFG_NUM_PARTITIONS: '0' },
      },
    )
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    expect(await exitCode(child)).toBe(2)
    expect(err).toContain("unknown property 'num.partitons'")
    expect(err).toContain("did you mean 'num.partitions'?")
    expect(err).toContain('message.max.bytes=big')
    expect(err).toContain('num.partitions=0: must be at least 1 (from environment KAFKA_CFG_NUM_PARTITIONS)')
  })
})
