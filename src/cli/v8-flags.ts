// V8 settings for the `samsa start` process; a broker embedded in another process (startBroker)
// leaves its host's V8 alone.
//
// In-memory log: every stored record batch is a Buffer, which V8 counts as external memory, and by
// default V8 starts a full mark-compact whenever external memory has grown by a fixed step since
// the last one, although none of the log's Buffers is garbage. Producing 1 KiB messages ran a major
// GC every ~27 MB received (15 in a 400 MB run), and concurrent marking was a quarter of the
// broker's CPU. --external-memory-accounted-in-global-limit (V8 13+, off by default) counts external
// memory toward the heap's global limit instead, which grows with what survived the previous GC, so
// major GCs get rarer as the log grows (7 in the same run). The disk log's Buffers are short-lived
// garbage, for which the default schedule is right, so only the memory log turns it on.

import { setFlagsFromString } from 'node:v8'

/** Applies the V8 flags that suit the chosen log; call before the broker starts. */
export function tuneV8(options: { memoryLog: boolean }): void {
  // Older V8 (Node 22) lacks the flag and would print an error for it.
  const major = Number.parseInt(process.versions.v8, 10)
  if (options.memoryLog && major >= 13) setFlagsFromString('--external-memory-accounted-in-global-limit')
}
