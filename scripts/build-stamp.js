// What dist/ was built from, so that a checkout never runs stale JavaScript. The stamp lists every
// build input (each file under src/, the build scripts, package.json and tsconfig.json) with its
// size and modification time; scripts/build.ts writes it to dist/.build-stamp after a successful
// build, and bin/samsa.js rebuilds when the inputs no longer match it (a file edited, added,
// removed or checked out). Plain JavaScript: bin/samsa.js loads it on every start in a checkout,
// where type stripping it would cost more than the check itself (~2-5 ms of CPU for ~330 files).
// A plain recursive readdir/statSync walk: readdirSync's `recursive` option costs ~3 MB more RSS.

// node:fs through process.getBuiltinModule, as in bin/samsa.js (an ES import of it loads more).
/* global process */
const { readdirSync, readFileSync, statSync } = process.getBuiltinModule('node:fs')

const FILES = ['scripts/build.ts', 'scripts/build-stamp.js', 'package.json', 'tsconfig.json']

function walk(root, rel, out) {
  for (const e of readdirSync(`${root}/${rel}`, { withFileTypes: true })) {
    const p = `${rel}/${e.name}`
    if (e.isDirectory()) walk(root, p, out)
    else if (e.isFile()) out.push(p)
  }
  return out
}

/** The stamp of the inputs as they are now: one `path size mtimeMs` line per file, sorted. */
export function currentStamp(root) {
  const paths = walk(root, 'src', [...FILES]).sort()
  let stamp = ''
  for (const p of paths) {
    const st = statSync(`${root}/${p}`)
    stamp += `${p} ${st.size} ${st.mtimeMs}\n`
  }
  return stamp
}

export const STAMP_FILE = 'dist/.build-stamp'

/** True when dist/ was built from exactly the current inputs. */
export function distIsFresh(root) {
  let built
  try {
    built = readFileSync(`${root}/${STAMP_FILE}`, 'utf8')
  } catch {
    return false
  }
  return built === currentStamp(root)
}
