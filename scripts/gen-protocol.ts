// Generates src/protocol/generated/ from the schema declarations.
// Usage: node scripts/gen-protocol.ts          write the files
//        node scripts/gen-protocol.ts --check  exit 1 if any committed file is out of date

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateAll } from './protocol-files.ts'

const outDir = join(import.meta.dirname, '..', 'src', 'protocol', 'generated')
const check = process.argv.includes('--check')
const files = await generateAll()

if (check) {
  const stale: string[] = []
  const expected = new Set(files.map((f) => f.path))
  for (const f of files) {
    let current = ''
    try {
      current = readFileSync(join(outDir, f.path), 'utf8')
    } catch {
      // missing counts as stale
    }
    if (current !== f.source) stale.push(f.path)
  }
  for (const name of readdirSync(outDir)) if (!expected.has(name)) stale.push(`${name} (not generated)`)
  if (stale.length > 0) {
    console.error(`generated protocol code is out of date; run npm run gen:\n  ${stale.join('\n  ')}`)
    process.exit(1)
  }
  console.log(`generated protocol code is current (${files.length} files)`)
} else {
  mkdirSync(outDir, { recursive: true })
  for (const name of readdirSync(outDir)) rmSync(join(outDir, name))
  for (const f of files) writeFileSync(join(outDir, f.path), f.source)
  console.log(`wrote ${files.length} files to src/protocol/generated`)
}
