// Builds the published form of the package into dist/: JavaScript with declarations, emitted by
// tsc from src/ (relative .ts imports rewritten to .js), plus the non-TypeScript assets src/ loads
// at run time (.proto schemas). Node does not strip types under node_modules, so an installed
// package must run JavaScript; inside this repository the sources run directly.

import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')
const src = join(root, 'src')
const dist = join(root, 'dist')

rmSync(dist, { recursive: true, force: true })
execFileSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
)

const ASSET = /\.proto$/
function copyAssets(dir: string): number {
  let n = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) n += copyAssets(path)
    else if (ASSET.test(entry.name)) {
      const target = join(dist, relative(src, path))
      cpSync(path, target)
      n++
    }
  }
  return n
}
const assets = copyAssets(src)
console.log(`built dist/ (${assets} assets copied)`)
