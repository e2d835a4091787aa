// Runs a `samsa` tool in-process with captured stdout/stderr and a given stdin.

import { PassThrough, Readable } from 'node:stream'
import { runTool, isTool } from '../../src/cli/tools/index.ts'

export interface ToolRun {
  code: number
  stdout: string
  stderr: string
}

export async function samsa(
  argv: readonly string[],
  options: { stdin?: string; interrupt?: Promise<void>; onStdout?: (soFar: string) => void } = {},
): Promise<ToolRun> {
  const [name, ...args] = argv
  if (!isTool(name)) throw new Error(`not a tool: ${name}`)
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d: Buffer) => {
    out += d.toString()
    options.onStdout?.(out)
  })
  stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await runTool(name, args, {
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout,
    stderr,
    env: {},
    interrupted: options.interrupt ?? new Promise<void>(() => {}),
  })
  return { code, stdout: out, stderr: err }
}
