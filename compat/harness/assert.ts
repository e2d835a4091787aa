// Small assertion helpers for scenario code: a failed check is a scenario failure with a message
// that says what was seen.

import type { ScenarioContext } from './runner.ts'

export class CheckFailed extends Error {
  override name = 'CheckFailed'
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls until `cond` holds; fails with `describe()` shortly before the scenario times out. */
export async function eventually(
  ctx: ScenarioContext,
  cond: () => boolean | Promise<boolean>,
  describe: () => string,
  intervalMs = 100,
): Promise<void> {
  for (;;) {
    if (await cond()) return
    if (ctx.remaining() < intervalMs + 500 || ctx.signal.aborted) throw new CheckFailed(describe())
    await sleep(intervalMs)
  }
}
