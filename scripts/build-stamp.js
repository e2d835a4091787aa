// What dist/ was built from, so that a checkout never runs stale JavaScript. The stamp lists every
// build input (each file under src/, the build scripts, package.json and tsconfig.json) with its
// size and modification time; scripts/build.ts writes it to dist/.build-stamp after a successful
// build, and bin/samsa.js rebuilds when the inputs no longer match it (a file edited, added,
// removed or checked out). Plain JavaScript: bin/samsa.js loads it on every start in a checkout,
// where type stripping it would cost more than the check itself (about 2 ms for ~330 files).

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const FILES = ['scripts/build.ts', 'scripts/build-stamp.js', 'package.json', 'tsconfig.json']

/** The stamp of the inputs as they are now: one `path size mtimeMs` line per file, sorted. */
export function currentStamp(root) {
  const paths = [...FILES]
  for (const e of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (e.isFile()) paths.push(join(e.parentPath, e.name).slice(root.length + 1))
  }
  paths.sort()
  return paths
    .map((p) => {
      const st = statSync(join(root, p))
      return `${p} ${st.size} ${st.mtimeMs}`
    })
    .join('\n')
}

export const STAMP_FILE = 'dist/.build-stamp'

/** True when dist/ was built from exactly the current inputs. */
export function distIsFresh(root) {
  let built
  try {
    built = readFileSync(join(root, STAMP_FILE), 'utf8')
  } catch {
    return false
  }
  return built === currentStamp(root)
}
