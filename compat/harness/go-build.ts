// Building a Go compat runner offline, in GOPATH mode against Debian's packaged libraries
// (/usr/share/gocode): GO111MODULE=off, the runner's folder copied into a temporary GOPATH.
// The workspace is named after a hash of the runner's source, so an unchanged runner is built
// once and reused (no temp directory per run); the build cache lives in the OS temp directory.

import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runChild } from './external.ts'
import type { ScenarioContext } from './runner.ts'

const DEBIAN_GOPATH = '/usr/share/gocode'

/** Builds compat/<dir>/main.go; returns the binary path, or a reason it cannot be built. */
export async function buildGoRunner(
  sourceDir: string,
  name: string,
  requiredPackage: string,
): Promise<{ binary: string } | { missing: string }> {
  if (!existsSync(join(DEBIAN_GOPATH, 'src', requiredPackage)))
    return { missing: `${requiredPackage} is not in ${DEBIAN_GOPATH} (compat/install-clients.sh)` }
  const source = join(sourceDir, 'main.go')
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16)
  const gopath = join(tmpdir(), `samsa-compat-${name}-${hash}`)
  const binary = join(gopath, name)
  if (existsSync(binary)) return { binary }
  const pkgDir = join(gopath, 'src', name)
  mkdirSync(pkgDir, { recursive: true })
  cpSync(source, join(pkgDir, 'main.go'))
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), 180_000)
  const ctx = { signal: controller.signal, defer: () => {} } as unknown as ScenarioContext
  try {
    const out = await runChild(ctx, 'go', ['build', '-o', binary, '.'], {
      cwd: pkgDir,
      env: {
        GO111MODULE: 'off',
        GOPATH: `${DEBIAN_GOPATH}:${gopath}`,
        GOCACHE: join(tmpdir(), 'samsa-compat-gocache'),
        GOFLAGS: '',
        CGO_CFLAGS: '-Wno-deprecated-declarations',
      },
    })
    if (out.code !== 0)
      return { missing: `go build failed: ${out.stderr.trim().split('\n').slice(-3).join(' | ')}` }
  } catch (err) {
    return { missing: `go toolchain: ${(err as Error).message}` }
  } finally {
    clearTimeout(timer)
  }
  return { binary }
}

/** The version of a Debian package, from dpkg. */
export async function debianVersion(pkg: string): Promise<string | undefined> {
  const ctx = { signal: new AbortController().signal, defer: () => {} } as unknown as ScenarioContext
  const out = await runChild(ctx, 'dpkg-query', ['-W', '-f=${Version}', pkg]).catch(() => undefined)
  return out?.code === 0 ? out.stdout.trim() : undefined
}
