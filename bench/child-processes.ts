// Child processes the benchmarks start (brokers, load generators, probes): every one is tracked so
// that those still running when the bench process exits or is stopped are killed by PID.

import type { ChildProcess } from 'node:child_process'

const children = new Set<ChildProcess>()

/** Registers a child so it is killed if still running when this process ends. */
export function track<T extends ChildProcess>(cp: T): T {
  children.add(cp)
  cp.once('exit', () => children.delete(cp))
  return cp
}

/** Kills every tracked child still running (also done when this process ends). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
}

process.once('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    killAll()
    process.exit(130)
  })
