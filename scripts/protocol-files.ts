// The full set of generated protocol files, formatted with the repository's Prettier settings.

import { format, resolveConfig } from 'prettier'
import { join } from 'node:path'
import { ALL_APIS } from '../src/protocol/schema/apis/index.ts'
import { RequestHeader, ResponseHeader } from '../src/protocol/schema/headers.ts'
import { RECORD_SCHEMA_FILES } from '../src/protocol/schema/records/index.ts'
import {
  type GeneratedFile,
  emitApiFile,
  emitHeadersFile,
  emitIndexFile,
  emitMessagesFile,
  fileNameOf,
} from './protocol-codegen.ts'

export async function generateAll(): Promise<GeneratedFile[]> {
  const raw: GeneratedFile[] = []
  for (const a of ALL_APIS) {
    const name = fileNameOf(a)
    raw.push({ path: name, source: emitApiFile(a, `src/protocol/schema/apis/${name}`) })
  }
  raw.push({ path: 'headers.ts', source: emitHeadersFile(RequestHeader, ResponseHeader) })
  for (const r of RECORD_SCHEMA_FILES)
    raw.push({ path: r.file, source: emitMessagesFile(r.messages, r.schema, r.title) })
  // The index re-exports the data-message files too, so everything is importable from one place.
  const recordExports = RECORD_SCHEMA_FILES.map((r) => `export * from './${r.file}'\n`).join('')
  raw.push({ path: 'index.ts', source: emitIndexFile(ALL_APIS) + recordExports })
  const outDir = join(import.meta.dirname, '..', 'src', 'protocol', 'generated')
  const out: GeneratedFile[] = []
  for (const f of raw) {
    const filepath = join(outDir, f.path)
    const options = (await resolveConfig(filepath)) ?? {}
    out.push({ path: f.path, source: await format(f.source, { ...options, filepath }) })
  }
  return out
}
