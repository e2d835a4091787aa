// The `samsa` command's entry point. Node compiles the TypeScript sources on every start; the
// on-disk compile cache (Node's module.enableCompileCache, in the OS temp dir unless
// NODE_COMPILE_CACHE says otherwise) cuts that several-fold on later starts, so it is enabled
// before the broker's modules load, and everything else is imported after.

import module from 'node:module'

module.enableCompileCache()

const { main } = await import('./run.ts')

main(process.argv.slice(2)).then(
  // pino writes stdout synchronously, so exiting at once loses no log line.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`samsa: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  },
)
