// bin/samsa.js runs dist/ only while dist/.build-stamp matches the build inputs: every way a source
// can change (edited, added, removed, renamed, restored with an older mtime) must make it stale.

import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { currentStamp, distIsFresh, STAMP_FILE } from '../../scripts/build-stamp.js'

let root: string

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true })
  writeFileSync(join(root, path), text)
}

function stamp(): void {
  write(STAMP_FILE, currentStamp(root))
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'samsa-stamp-'))
  for (const f of ['scripts/build.ts', 'scripts/build-stamp.js', 'package.json', 'tsconfig.json']) write(f, f)
  write('src/cli/main.ts', 'main')
  write('src/storage/metadata/metadata.proto', 'proto')
})

afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('dist/.build-stamp', () => {
  it('is stale when missing and fresh right after stamping', () => {
    expect(distIsFresh(root)).toBe(false)
    stamp()
    expect(distIsFresh(root)).toBe(true)
  })

  it('goes stale when a source is edited, added, removed or renamed', () => {
    stamp()
    write('src/cli/main.ts', 'main, edited')
    expect(distIsFresh(root)).toBe(false)
    stamp()
    write('src/cli/new.ts', 'new')
    expect(distIsFresh(root)).toBe(false)
    stamp()
    rmSync(join(root, 'src/cli/new.ts'))
    expect(distIsFresh(root)).toBe(false)
    stamp()
    renameSync(join(root, 'src/cli/main.ts'), join(root, 'src/cli/main2.ts'))
    expect(distIsFresh(root)).toBe(false)
  })

  it('goes stale when a file gets an older mtime with the same size (a checkout of an old version)', () => {
    stamp()
    utimesSync(join(root, 'src/cli/main.ts'), new Date(2020, 0, 1), new Date(2020, 0, 1))
    expect(distIsFresh(root)).toBe(false)
  })

  it('covers the build scripts, package.json and tsconfig.json, and non-TypeScript sources', () => {
    for (const f of [
      'scripts/build.ts',
      'package.json',
      'tsconfig.json',
      'src/storage/metadata/metadata.proto',
    ]) {
      stamp()
      write(f, `${f} changed`)
      expect(distIsFresh(root), f).toBe(false)
    }
  })
})
