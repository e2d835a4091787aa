// The committed generated codec must be exactly what the generator writes from the current
// declarations (the same check as `npm run gen:check`, inside the test run).

import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { generateAll } from '../../scripts/protocol-files.ts'

const dir = join(import.meta.dirname, '..', '..', 'src', 'protocol', 'generated')

it('src/protocol/generated matches a fresh generation', { timeout: 120_000 }, async () => {
  const files = await generateAll()
  const expected = new Map(files.map((f) => [f.path, f.source]))
  const onDisk = readdirSync(dir).sort()
  expect(onDisk, 'the generated directory holds exactly the generated files').toEqual(
    [...expected.keys()].sort(),
  )
  const stale = files.filter((f) => readFileSync(join(dir, f.path), 'utf8') !== f.source).map((f) => f.path)
  expect(stale, 'stale files: run npm run gen').toEqual([])
})
