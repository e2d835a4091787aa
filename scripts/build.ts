// Builds dist/, the JavaScript that the `samsa` bin, `npm start`, the container image and the
// published package run. Node could run src/ directly (type stripping), but that costs every
// start ~65 ms and ~18 MB of RSS for the stripper, plus ~0.5 ms per module for resolving and
// loading ~300 ES modules; a bundle avoids all three.
//
//   node scripts/build.ts        the package (`npm run build`, `npm pack`): bundles plus type
//                                declarations (tsc); every other file in dist/ is removed
//   node scripts/build.ts --js   bundles only, into the existing dist/ (~1 s; what bin/samsa.js
//                                runs when the stamp says dist/ is stale)
//
// Bundles (rolldown, offline, native): one per entry point below, ES modules, code shared between
// entries and code loaded with import() in dist/chunks/<name>-<hash>.js. npm packages stay external
// (they are resolved from node_modules at run time, and the native addons cannot be bundled).
// Source maps sit beside each file (`node --enable-source-maps` maps stack traces back to src/).
// Files a module reads next to itself (`new URL('./x.proto', import.meta.url)`) are copied next to
// the bundle file that ends up holding that module.
//
// A `--js` rebuild can run while brokers from the previous build are still running and may still
// import() their chunks: so it writes into a temporary directory, moves chunks into place before
// the entry files that name them (each move is an atomic rename; chunk names carry a content
// hash), and removes only chunks not written by this build that are more than a day old.
// Concurrent rebuilds from the same inputs write identical files. The package build replaces files
// the same way (the test suite packs while other tests run the bin) and then removes what it did
// not write. The stamp (scripts/build-stamp.js) is written last.

import { execFileSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { build } from 'rolldown'
import { currentStamp, STAMP_FILE } from './build-stamp.js'

const root = join(import.meta.dirname, '..')
const src = join(root, 'src')
const dist = join(root, 'dist')
const jsOnly = process.argv.includes('--js')

/** Bundle entry (path under dist/, without .js) → source. The package's exports and bin use these. */
const ENTRIES: Record<string, string> = {
  'cli/main': 'src/cli/main.ts',
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/vitest': 'src/testing/vitest.ts',
  'testcontainers/index': 'src/testcontainers/index.ts',
}
const CHUNK_MAX_AGE_MS = 24 * 3600 * 1000

const t0 = performance.now()
const stamp = currentStamp(root)
mkdirSync(dist, { recursive: true })
const produced = new Set<string>([relative('dist', STAMP_FILE)])
const tmp = join(dist, `.tmp-${process.pid}-${Date.now()}`)
try {
  await build({
    input: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
    platform: 'node',
    // Everything that is not a relative or absolute path is a package (or node:*): not bundled.
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    logLevel: 'warn',
    output: {
      dir: tmp,
      format: 'esm',
      sourcemap: true,
      // No comments, and non-ASCII characters escaped: V8 keeps each module's source in memory,
      // and a single non-ASCII character (a → in a comment) makes it a two-byte string. Together
      // -1.1 MB of heap and -3 MB RSS at start; whitespace stays, so stack traces remain readable.
      comments: false,
      minify: { compress: false, mangle: false, codegen: { removeWhitespace: false, asciiOnly: true } },
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
  })
  const written = listFiles(tmp)
  for (const f of written) if (f.endsWith('.js')) importBuiltinsDirectly(join(tmp, f))
  copyAssets(written)
  const files = listFiles(tmp)
  // Chunks first, entries (which import them) after, so that a concurrent start never sees an
  // entry whose chunks are missing.
  const isChunk = (f: string): boolean => f.startsWith('chunks/')
  for (const f of [...files.filter(isChunk), ...files.filter((f) => !isChunk(f))]) {
    mkdirSync(dirname(join(dist, f)), { recursive: true })
    renameSync(join(tmp, f), join(dist, f))
    produced.add(f)
  }
  if (jsOnly) pruneChunks(produced)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}

if (!jsOnly) {
  // Declarations for the package's types; tsconfig.build.json emits nothing else.
  const out = execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--listEmittedFiles',
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
  for (const line of out.split('\n')) {
    if (line.startsWith('TSFILE: ')) produced.add(relative(dist, line.slice('TSFILE: '.length).trim()))
    else if (line.trim() !== '') process.stdout.write(`${line}\n`)
  }
  // (.tmp-* are concurrent `--js` builds in progress.)
  for (const f of listFiles(dist))
    if (!produced.has(f) && !f.startsWith('.tmp-')) rmSync(join(dist, f), { force: true })
}
// The inputs may have changed while building: the stamp taken before the build then no longer
// matches them, and the next start rebuilds.
writeFileSync(join(dist, relative('dist', STAMP_FILE)), stamp)
process.stderr.write(
  `built dist/ in ${Math.round(performance.now() - t0)} ms${jsOnly ? ' (bundles only)' : ''}\n`,
)

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
}

/**
 * Rewrites each `import … from "node:x"` at the top of a bundle file into
 * `const … = process.getBuiltinModule("node:x")`. Importing one of Node's modules as an ES module
 * reads every one of its exports once to build the module namespace, and some exports are lazy
 * getters that load further modules: `node:fs` loads fs/promises (with readline and fs streams),
 * `node:util` its diff and colours. Taking the module object directly reads only what the bundle
 * names. Each rewrite stays on its own line, so the source maps still hold.
 */
function importBuiltinsDirectly(file: string): void {
  const line = /^import (.+) from "(node:[a-z_/]+)";$/gm
  const text = readFileSync(file, 'utf8')
  const out = text.replace(line, (whole, clause: string, id: string) => {
    const get = `process.getBuiltinModule(${JSON.stringify(id)})`
    const named = /^\{([^}]*)\}$/.exec(clause)
    if (named !== null) return `const {${named[1]!.replace(/ as /g, ': ')}} = ${get};`
    const ns = /^\* as ([\w$]+)$/.exec(clause) ?? /^([\w$]+)$/.exec(clause)
    if (ns !== null) return `const ${ns[1]!} = ${get};`
    return whole // any other form (default plus named): left as an import
  })
  if (out !== text) writeFileSync(file, out)
}

/** Copies each file a bundle reads via `new URL('./name', import.meta.url)` from src/ next to it. */
function copyAssets(files: readonly string[]): void {
  const sources = new Map<string, string[]>()
  for (const f of listFiles(src)) {
    if (f.endsWith('.ts')) continue
    const list = sources.get(basename(f)) ?? []
    list.push(join(src, f))
    sources.set(basename(f), list)
  }
  const ref = /new URL\(\s*(['"])\.\/([^'"/]+)\1\s*,\s*import\.meta\.url\s*\)/g
  for (const f of files) {
    if (!f.endsWith('.js')) continue
    for (const m of readFileSync(join(tmp, f), 'utf8').matchAll(ref)) {
      const name = m[2]!
      const found = sources.get(name) ?? []
      if (found.length !== 1)
        throw new Error(`${f} reads ./${name}: expected one src/ file of that name, found ${found.length}`)
      cpSync(found[0]!, join(tmp, dirname(f), name))
    }
  }
}

/** Removes chunks of earlier builds once they are old enough that no running broker still needs them. */
function pruneChunks(keep: ReadonlySet<string>): void {
  let entries: string[]
  try {
    entries = readdirSync(join(dist, 'chunks'))
  } catch {
    return
  }
  const now = Date.now()
  for (const name of entries) {
    const f = join(dist, 'chunks', name)
    if (keep.has(`chunks/${name}`)) continue
    if (now - statSync(f).mtimeMs > CHUNK_MAX_AGE_MS) rmSync(f, { force: true })
  }
}
