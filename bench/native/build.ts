// Compiles the native peers (mock-broker.c, loadgen.c) into bench/native/build/ with `cc`, only
// when a source is newer than its binary. Returns the binaries' paths, or why they cannot be built
// (no compiler, or librdkafka-dev missing) so that the suite can say so and run what it can.

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface NativeTools {
  mockBroker: string
  loadgen: string
  librdkafkaVersion: string
}

const here = dirname(fileURLToPath(import.meta.url))
const CFLAGS = ['-O2', '-Wall', '-Wextra']
const LIBS = ['-lrdkafka', '-lpthread']

function compile(name: string, outDir: string): string {
  const src = join(here, `${name}.c`)
  const out = join(outDir, name)
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out
  execFileSync('cc', [...CFLAGS, '-o', out, src, ...LIBS], { stdio: ['ignore', 'ignore', 'pipe'] })
  return out
}

function librdkafkaVersion(): string {
  const header = '/usr/include/librdkafka/rdkafka.h'
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'librdkafka-dev'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    return out.trim()
  } catch {
    return existsSync(header) ? 'unknown' : 'missing'
  }
}

export function buildNative(): NativeTools | { missing: string } {
  const outDir = join(here, 'build')
  mkdirSync(outDir, { recursive: true })
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' })
  } catch {
    return { missing: 'no C compiler (`cc`) on PATH; install gcc' }
  }
  try {
    return {
      mockBroker: compile('mock-broker', outDir),
      loadgen: compile('loadgen', outDir),
      librdkafkaVersion: librdkafkaVersion(),
    }
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err)
    if (/librdkafka\/rdkafka(_mock)?\.h|-lrdkafka/.test(stderr))
      return { missing: 'librdkafka-dev is not installed (apt-get install librdkafka-dev)' }
    return { missing: `cc failed: ${stderr.split('\n').slice(0, 3).join(' ')}` }
  }
}
