// The producer-state snapshot files of one partition directory (format: producer-snapshot-file.ts)
// and the rules for which of them exist, after Kafka's ProducerStateManager and LogLoader:
//
//   written   by the producer-state owner at each roll (named by the new segment's base offset)
//             and at a clean shutdown (at the log end offset): to a `.tmp` file that is fsynced
//             outside the partition's queue, then renamed into place inside it (where truncation
//             cannot interleave); the directory entry becomes durable with the log's next flush,
//             before the recovery point moves past it. A file torn or corrupted anyway fails its
//             CRC and the next older snapshot is used, so no snapshot is trusted that is wrong.
//   loaded    the latest one at or below the log end offset that decodes; an unreadable one is
//             deleted and the next older one tried.
//   deleted   - at load, "stray" snapshots not named by a segment's base offset, except the
//               largest if it lies above the last segment's base (the clean-shutdown snapshot)
//               (ProducerStateManager.removeStraySnapshots);
//             - at load, those above the log end offset, and after an unclean shutdown those above
//               the recovery point (the log there may have lost what they describe);
//             - those above the new log end offset when the log is truncated;
//             - those below the log start offset when it moves (retention, DeleteRecords): the
//               latest snapshot carries the state of producers whose batches were deleted.

import { errorCode, writeFully, type FileSystem } from '../fs.ts'
import type { ProducerSnapshot } from '../log-store.ts'
import { offsetPrefix, parseSegmentFileName, SNAPSHOT_SUFFIX, TMP_SUFFIX } from './file-names.ts'
import {
  CorruptSnapshotError,
  decodeProducerSnapshot,
  encodeProducerSnapshot,
} from './producer-snapshot-file.ts'

export interface SnapshotTidyRules {
  /** Base offsets of the segments the log loaded with. */
  segmentBases: readonly bigint[]
  logStartOffset: bigint
  logEndOffset: bigint
  /** After an unclean shutdown: the recovery point (snapshots above it are dropped). */
  uncleanRecoveryPoint?: bigint
}

export class ProducerSnapshots {
  readonly #fs: FileSystem
  readonly #dir: string
  /** Offsets of the snapshot files present, ascending. */
  #offsets: bigint[]
  #tmpCounter = 0

  private constructor(fs: FileSystem, dir: string, offsets: bigint[]) {
    this.#fs = fs
    this.#dir = dir
    this.#offsets = offsets
  }

  /** Finds the directory's snapshots (`names`: its listing) and deletes those the rules exclude. */
  static async open(
    fs: FileSystem,
    dir: string,
    names: readonly string[],
    rules: SnapshotTidyRules,
  ): Promise<ProducerSnapshots> {
    const found: bigint[] = []
    for (const name of names) {
      const parsed = parseSegmentFileName(name)
      if (parsed?.suffix === SNAPSHOT_SUFFIX && parsed.transient === '') found.push(parsed.baseOffset)
    }
    found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const bases = new Set(rules.segmentBases)
    const maxBase = rules.segmentBases.reduce((m, b) => (b > m ? b : m), -1n)
    const strays = found.filter((o) => !bases.has(o))
    const keptStray = strays.length > 0 && strays[strays.length - 1]! > maxBase ? strays.at(-1) : undefined
    const limit =
      rules.uncleanRecoveryPoint !== undefined && rules.uncleanRecoveryPoint < rules.logEndOffset
        ? rules.uncleanRecoveryPoint
        : rules.logEndOffset
    const snapshots = new ProducerSnapshots(fs, dir, [])
    for (const offset of found) {
      const keep =
        (bases.has(offset) || offset === keptStray) && offset <= limit && offset >= rules.logStartOffset
      if (keep) snapshots.#offsets.push(offset)
      else await snapshots.#unlink(offset)
    }
    return snapshots
  }

  /** Offsets of the snapshots present, ascending. */
  offsets(): readonly bigint[] {
    return this.#offsets
  }

  path(offset: bigint): string {
    return `${this.#dir}/${offsetPrefix(offset)}${SNAPSHOT_SUFFIX}`
  }

  /** The latest readable snapshot at or below `maxOffset`; unreadable ones are deleted on the way. */
  async latest(maxOffset: bigint): Promise<ProducerSnapshot | undefined> {
    for (let i = this.#offsets.length - 1; i >= 0; i--) {
      const offset = this.#offsets[i]!
      if (offset > maxOffset) continue
      try {
        return { offset, entries: decodeProducerSnapshot(await this.#fs.readFile(this.path(offset))) }
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError) && errorCode(err) !== 'ENOENT') throw err
        this.#offsets.splice(i, 1)
        await this.#unlink(offset)
      }
    }
    return undefined
  }

  /**
   * Writes and fsyncs the snapshot under a temporary name (unique, so concurrent writes of one
   * offset do not collide; the loader deletes leftover `.tmp` files). Then exactly one of
   * `commit` (rename into place) or `discard`.
   */
  async prepare(snapshot: ProducerSnapshot): Promise<{ commit(): Promise<void>; discard(): Promise<void> }> {
    const tmp = `${this.path(snapshot.offset)}.${++this.#tmpCounter}${TMP_SUFFIX}`
    const h = await this.#fs.open(tmp, { create: true })
    try {
      await h.truncate(0)
      await writeFully(h, encodeProducerSnapshot(snapshot.entries), 0)
      await h.sync()
    } catch (err) {
      await h.close().catch(() => undefined)
      await this.#fs.unlink(tmp).catch(() => undefined)
      throw err
    }
    await h.close()
    return {
      commit: async () => {
        await this.#fs.rename(tmp, this.path(snapshot.offset))
        if (!this.#offsets.includes(snapshot.offset)) {
          this.#offsets.push(snapshot.offset)
          this.#offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        }
      },
      discard: () => this.#fs.unlink(tmp),
    }
  }

  /** Deletes the snapshots above `offset` (truncation). */
  async deleteAbove(offset: bigint): Promise<void> {
    while (this.#offsets.length > 0 && this.#offsets[this.#offsets.length - 1]! > offset)
      await this.#unlink(this.#offsets.pop()!)
  }

  /** Deletes the snapshots below `offset` (the log start offset moved). */
  async deleteBelow(offset: bigint): Promise<void> {
    while (this.#offsets.length > 0 && this.#offsets[0]! < offset) await this.#unlink(this.#offsets.shift()!)
  }

  async #unlink(offset: bigint): Promise<void> {
    try {
      await this.#fs.unlink(this.path(offset))
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err
    }
  }
}
