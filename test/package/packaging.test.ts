// The published package works where users get it: `npm pack` (which builds dist/), unpacked into a
// node_modules folder, runs the `samsa` bin and `import { startBroker } from 'samsa'` on plain Node,
// which refuses to strip TypeScript types under node_modules.

import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = join(import.meta.dirname, '..', '..')
const node = process.execPath
let work: string
let pkgDir: string

/** Sends ApiVersions v0 and resolves with the error code of the answer. */
function apiVersionsErrorCode(port: number, deadlineMs: number): Promise<number> {
  const frame = Buffer.alloc(14)
  frame.writeInt32BE(10, 0)
  frame.writeInt16BE(18, 4)
  frame.writeInt16BE(0, 6)
  frame.writeInt32BE(7, 8)
  frame.writeInt16BE(-1, 12)
  const until = Date.now() + deadlineMs
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = connect(port, '127.0.0.1')
      let got = Buffer.alloc(0)
      s.on('connect', () => s.write(frame))
      s.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d])
        if (got.length >= 10) {
          s.destroy()
          resolve(got.readInt16BE(8))
        }
      })
      s.on('error', () => {
        s.destroy()
        if (Date.now() > until) reject(new Error('broker did not answer'))
        else setTimeout(attempt, 50)
      })
    }
    attempt()
  })
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'samsa-pack-'))
  const out = execFileSync('npm', ['pack', '--pack-destination', work, '--json', '--silent'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'silent' },
  })
  const tarball = (JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>)[0]!.filename
  pkgDir = join(work, 'node_modules', 'samsa')
  mkdirSync(pkgDir, { recursive: true })
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', pkgDir, '--strip-components=1'])
  // Runtime dependencies come from the repository's node_modules (transitive ones resolve from
  // their real paths).
  const deps = Object.keys(
    (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies,
  )
  for (const dep of deps) {
    const target = join(work, 'node_modules', dep)
    mkdirSync(join(target, '..'), { recursive: true })
    symlinkSync(join(repo, 'node_modules', dep), target)
  }
}, 120_000)

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

describe('the packed npm package', () => {
  it('ships built JavaScript and no TypeScript sources', () => {
    const listing = execFileSync('find', [pkgDir, '-name', '*.ts', '-not', '-name', '*.d.ts'], {
      encoding: 'utf8',
    })
    expect(listing.trim()).toBe('')
  })

  it('runs the samsa bin from node_modules and answers ApiVersions', async () => {
    const port = 30000 + Math.floor(Math.random() * 20000)
    const child = spawn(
      node,
      [
        join(pkgDir, 'bin', 'samsa.js'),
        'start',
        '--memory',
        '--override',
        `listeners=PLAINTEXT://127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    )
    try {
      expect(await apiVersionsErrorCode(port, 20_000)).toBe(0)
    } finally {
      child.kill('SIGTERM')
    }
  }, 30_000)

  it('exports startBroker to plain Node', () => {
    const script = `import { startBroker } from 'samsa'
const b = await startBroker({ port: 0 })
console.log(JSON.stringify({ bootstrap: b.bootstrap }))
await b.close()`
    const out = execFileSync(node, ['--input-type=module', '-e', script], { cwd: work, encoding: 'utf8' })
    expect(JSON.parse(out.trim().split('\n').pop()!).bootstrap).toMatch(/^127\.0\.0\.1:\d+$/)
  }, 30_000)
})
