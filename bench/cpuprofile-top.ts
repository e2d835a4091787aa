// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time,
// and the most inclusive time, as "file:line name". Used to read the broker profiles behind the
// performance notes in the README.
//   node bench/cpuprofile-top.ts FILE.cpuprofile [N=25]

import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

function label(n: Node): string {
  const f = n.callFrame
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '')
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`
}

export function summarise(p: Profile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // Self time per node from the sample stream (more exact than hitCount with sampling gaps).
  const selfUs = new Map<number, number>()
  const samples = p.samples ?? []
  const deltas = p.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!
    const dt = deltas[i + 1] ?? 0
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const self = new Map<string, number>()
  const incl = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!
    self.set(label(n), (self.get(label(n)) ?? 0) + us)
    // Inclusive: every distinct frame label on the stack gets the sample once.
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!)
      if (seen.has(l)) continue
      seen.add(l)
      incl.set(l, (incl.get(l) ?? 0) + us)
    }
  }
  const fmt = (m: Map<string, number>): string =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([l, us]) =>
          `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${l}`,
      )
      .join('\n')
  return `total sampled ${(total / 1000).toFixed(0)} ms\n\nself time:\n${fmt(self)}\n\ninclusive time:\n${fmt(incl)}`
}

const file = process.argv[2]
if (file === undefined) {
  console.error('usage: node bench/cpuprofile-top.ts FILE.cpuprofile [N]')
  process.exit(2)
}
console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25)))
