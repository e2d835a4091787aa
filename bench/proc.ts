// What the benchmarks read about a process from /proc (Linux only): CPU time (user+sys from
// /proc/<pid>/stat, all threads), current and peak resident memory (VmRSS, VmHWM from
// /proc/<pid>/status), and resetting the peak between workloads (writing 5 to clear_refs).

import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
  return (Number(fields[11]) + Number(fields[12])) / clockTicks()
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)
  return m ? Number(m[1]) : NaN
}

export function rssMB(pid: number): number {
  return statusKb(pid, 'VmRSS') / 1024
}

export function peakRssMB(pid: number): number {
  return statusKb(pid, 'VmHWM') / 1024
}

/** Resets VmHWM to the current RSS, so the next reading is the peak of what follows. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Older kernels: the peak then covers the whole process life, which the caller reports as is.
  }
}
