// One round of the cleaner, run from a store's maintain(): among the logs with compaction on,
// plan a pass for each (from its first dirty offset), pick the dirtiest one whose dirty ratio
// reaches min.cleanable.dirty.ratio, and clean it. One log per round bounds the work per
// maintain() call (Kafka's cleaner threads likewise take the dirtiest log each time). A log
// whose pass fails (a batch that cannot be decoded, an I/O error) is marked uncleanable and
// skipped from then on, as Kafka's cleaner does (uncleanable-partitions), so one bad batch does
// not fail every maintenance run; the error is rethrown once for the caller to log.
//
// When no log is dirty enough, a round instead takes the compacted log whose earliest pending
// delete horizon has passed (the earliest such horizon first) and runs a delete-horizon pass on
// it (cleaner.ts), as Kafka's cleaner does since KIP-534; that drops tombstones from logs that
// receive no new writes. The earliest horizon per log comes from each pass's result; after a
// start (or for a log never cleaned by this process) it is unknown, and the first such pass
// doubles as the scan that finds it (decoding no batch unless its horizon has passed).

import { horizonPlan, type CleanPlan, type CleanResult } from './cleaner.ts'

export interface CompactableLog {
  /** Whether cleanup.policy includes compact. */
  compactionEnabled(): boolean
  planCompaction(now: number, firstDirty: bigint | undefined): Promise<CleanPlan | undefined>
  /** Whether `plan` reaches the log's min.cleanable.dirty.ratio. */
  worthCleaning(plan: CleanPlan): boolean
  /** Runs the pass; `mapBytes` bounds the offset map (log.cleaner.dedupe.buffer.size). */
  compact(plan: CleanPlan, now: number, mapBytes?: number): Promise<CleanResult>
}

/** Store-level cleaner settings (Kafka's log.cleaner.enable and log.cleaner.dedupe.buffer.size). */
export interface CleanerOptions {
  enabled?: boolean
  dedupeBufferBytes?: number
}

/**
 * Earliest pending delete horizon per log (null: none); a log absent here is unknown. Keyed by
 * the log object, so a deleted and recreated partition starts unknown.
 */
const pendingHorizons = new WeakMap<CompactableLog, bigint | null>()

function noteHorizon(log: CompactableLog, result: CleanResult): void {
  if (result.complete) pendingHorizons.set(log, result.deleteHorizon ?? null)
  else pendingHorizons.delete(log)
}

/** The earliest pending delete horizon known for `log`: undefined unknown, null none. */
export function pendingDeleteHorizon(log: CompactableLog): bigint | null | undefined {
  return pendingHorizons.get(log)
}

export interface RoundResult {
  key: string
  plan: CleanPlan
  result: CleanResult
}

/**
 * Cleans the dirtiest eligible log; records the new first dirty offset in `firstDirty`.
 * Logs whose planning fails (deleted meanwhile, I/O error) are skipped.
 */
export async function runCleanerRound(
  logs: Iterable<[string, CompactableLog]>,
  firstDirty: Map<string, bigint>,
  now: number,
  uncleanable: Set<string>,
  options: CleanerOptions = {},
): Promise<RoundResult | undefined> {
  if (options.enabled === false) return undefined
  let best: { key: string; log: CompactableLog; plan: CleanPlan } | undefined
  const expired: { key: string; log: CompactableLog; horizon: bigint }[] = []
  const nowTs = BigInt(now)
  for (const [key, log] of logs) {
    if (!log.compactionEnabled() || uncleanable.has(key)) continue
    const horizon = pendingHorizons.get(log)
    // Unknown sorts first: its scan is due.
    if (horizon === undefined) expired.push({ key, log, horizon: -1n })
    else if (horizon !== null && horizon <= nowTs) expired.push({ key, log, horizon })
    let plan: CleanPlan | undefined
    try {
      plan = await log.planCompaction(now, firstDirty.get(key))
    } catch {
      continue
    }
    if (plan === undefined || !log.worthCleaning(plan)) continue
    if (best === undefined || plan.dirtyRatio > best.plan.dirtyRatio) best = { key, log, plan }
  }
  if (best !== undefined) {
    const result = await compactOrMark(best.key, best.log, best.plan, now, uncleanable, options)
    firstDirty.set(best.key, result.cleanedTo)
    return { key: best.key, plan: best.plan, result }
  }
  expired.sort((a, b) => (a.horizon < b.horizon ? -1 : a.horizon > b.horizon ? 1 : 0))
  for (const { key, log } of expired) {
    let full: CleanPlan | undefined
    try {
      full = await log.planCompaction(now, undefined)
    } catch {
      continue
    }
    if (full === undefined) {
      // Nothing cleanable yet, so nothing stamped that a pass could reach.
      pendingHorizons.set(log, null)
      continue
    }
    const plan = horizonPlan(full)
    // firstDirty stays: the pass saw no dirty section, whatever its cleanedTo says.
    const result = await compactOrMark(key, log, plan, now, uncleanable, options)
    return { key, plan, result }
  }
  return undefined
}

async function compactOrMark(
  key: string,
  log: CompactableLog,
  plan: CleanPlan,
  now: number,
  uncleanable: Set<string>,
  options: CleanerOptions,
): Promise<CleanResult> {
  let result: CleanResult
  try {
    result = await log.compact(plan, now, options.dedupeBufferBytes)
  } catch (err) {
    uncleanable.add(key)
    throw new Error(`log cleaner: ${key} is now uncleanable: ${String(err)}`, { cause: err })
  }
  noteHorizon(log, result)
  return result
}
