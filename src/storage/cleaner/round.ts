// One round of the cleaner, run from a store's maintain(): among the logs with compaction on,
// plan a pass for each (from its first dirty offset), pick the dirtiest one whose dirty ratio
// reaches min.cleanable.dirty.ratio, and clean it. One log per round bounds the work per
// maintain() call (Kafka's cleaner threads likewise take the dirtiest log each time). A log
// whose pass fails (a batch that cannot be decoded, an I/O error) is marked uncleanable and
// skipped from then on, as Kafka's cleaner does (uncleanable-partitions), so one bad batch does
// not fail every maintenance run; the error is rethrown once for the caller to log.

import type { CleanPlan, CleanResult } from './cleaner.ts'

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
  for (const [key, log] of logs) {
    if (!log.compactionEnabled() || uncleanable.has(key)) continue
    let plan: CleanPlan | undefined
    try {
      plan = await log.planCompaction(now, firstDirty.get(key))
    } catch {
      continue
    }
    if (plan === undefined || !log.worthCleaning(plan)) continue
    if (best === undefined || plan.dirtyRatio > best.plan.dirtyRatio) best = { key, log, plan }
  }
  if (best === undefined) return undefined
  let result: CleanResult
  try {
    result = await best.log.compact(best.plan, now, options.dedupeBufferBytes)
  } catch (err) {
    uncleanable.add(best.key)
    throw new Error(`log cleaner: ${best.key} is now uncleanable: ${String(err)}`, { cause: err })
  }
  firstDirty.set(best.key, result.cleanedTo)
  return { key: best.key, plan: best.plan, result }
}
