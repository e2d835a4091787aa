// The full set of generated protocol files, formatted with the repository's Prettier settings.

import { format, resolveConfig } from 'prettier'
import { join } from 'node:path'
import { ALL_APIS } from '../src/protocol/schema/apis/index.ts'
import { RequestHeader, ResponseHeader } from '../src/protocol/schema/headers.ts'
import {
  type GeneratedFile,
  emitApiFile,
  emitHeadersFile,
  emitIndexFile,
  fileNameOf,
} from './protocol-codegen.ts'

export async function generateAll(): Promise<GeneratedFile[]> {
  const raw: GeneratedFile[] = []
  for (const a of ALL_APIS) {
    const name = fileNameOf(a)
    raw.push({ path: name, source: emitApiFile(a, `src/protocol/schema/apis/${name}`) })
  }
  raw.push({ path: 'headers.ts', source: emitHeadersFile(RequestHeader, ResponseHeader) })
  raw.push({ path: 'index.ts', source: emitIndexFile(ALL_APIS) })
  const outDir = join(import.meta.dirname, '..', 'src', 'protocol', 'generated')
  const out: GeneratedFile[] = []
  for (const f of raw) {
    const filepath = join(outDir, f.path)
    const options = (await resolveConfig(filepath)) ?? {}
    out.push({ path: f.path, source: await format(f.source, { ...options, filepath }) })
  }
  return out
}
