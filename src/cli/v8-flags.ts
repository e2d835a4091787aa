// V8 settings for the `samsa start` process; a broker embedded in another process (startBroker)
// leaves its host's V8 alone.
//
// Every record batch the broker handles is a Buffer, which V8 counts as external memory, and by
// default V8 starts a full mark-compact whenever external memory has grown by a fixed step (tens
// of MB) since the last one, whether or not it became garbage, and whatever the heap's size.
// --external-memory-accounted-in-global-limit (V8 13+, off by default) counts external memory
// toward the heap's global limit instead, which grows with what survived the previous GC.
//   - In-memory log: the stored batches are never garbage; producing 1 KiB messages ran a major
//     GC every ~27 MB received (15 in a 400 MB run), concurrent marking a quarter of the broker's
//     CPU; with the flag, 7 in the same run.
//   - Disk log: request buffers die once written and fetch read buffers once sent, but each major
//     GC still marks the whole heap: W1 (1 GB of 1 KiB messages, one partition) ran 36 major GCs
//     producing and as many fetching, concurrent marking and sweeping a quarter of the broker's
//     CPU producing and half of it fetching. With the flag: 11, at ~75 MB more peak RSS
//     (garbage buffers wait longer for their GC).
//
// The in-memory log also keeps a little JS heap per stored batch (its Buffer object), so at a
// steady small-message rate its old generation grows slowly but steadily, and V8's default
// growing factor for a small heap (~1.3x what survived) started a mark-compact every ~0.5 s at W4
// (10 k msg/s): each stalled the event loop 5-10 ms, which was the ack-latency p99.
// --heap-growing-percent=100 lets the old generation double before the next one (a run-time flag,
// read at every GC): 4 major GCs instead of 8-12 per 60 k messages. Idle RSS is unchanged; peak RSS
// of W1 (1 KiB, 1 partition, memory log) rose ~15 MB (285 -> 303 MB, medians of 3). The disk log
// retains no Buffers and ran one major GC in the same W4 run either way, so it keeps the default.

import { setFlagsFromString } from 'node:v8'

/** Applies the V8 flags the broker wants; call before the broker starts. */
export function tuneV8(options: { memoryLog: boolean }): void {
  // Older V8 (Node 22) lacks the flag and would print an error for it.
  const major = Number.parseInt(process.versions.v8, 10)
  if (major >= 13) setFlagsFromString('--external-memory-accounted-in-global-limit')
  if (options.memoryLog) setFlagsFromString('--heap-growing-percent=100')
}
