// The disk LogStore: a log directory holding one `<topic>-<partition>/` directory per partition
// (Kafka's layout) plus three store-wide files:
//
//   recovery-point-offset-checkpoint   per partition, the offset below which data was fsynced
//   log-start-offset-checkpoint        per partition, the log start offset (DeleteRecords)
//   cleaner-offset-checkpoint          per compacted partition, where its dirty section starts
//   .kafka_cleanshutdown               present only after a clean close; removed at open
//
// Each partition directory also holds `partition.metadata` (partition-metadata-file.ts) with the
// topic id it belongs to, when the broker opened it with one. It is read before the partition
// is loaded: a directory recorded for another topic id is not loaded, served or changed
// (KafkaError INCONSISTENT_TOPIC_ID; Kafka takes the log dir offline). A missing file (a new
// partition, or an older directory) is written with the next checkpoint round, without fsync,
// so creating partitions stays cheap; a file lost or torn by a crash is simply written again
// (an unreadable one counts as missing).
//
// Partitions found at startup are listed by partitions() and loaded (recovered) when the broker
// opens them with their config. Segment files are opened through one bounded HandlePool and
// closed when idle; appends in durable mode share fsyncs through one GroupCommitter.

import { randomUUID } from '../../random.ts'
import { KafkaError } from '../../protocol/errors.ts'
import { errorCode, NodeFileSystem, writeFileAtomic, type FileSystem } from '../fs.ts'
import type { LogConfig, LogStore, OpenOptions, PartitionLog, TopicPartition } from '../log-store.ts'
import type { Decompressor } from '../record-timestamps.ts'
import {
  CheckpointCorruptError,
  decodeOffsetCheckpoint,
  encodeOffsetCheckpoint,
  type PartitionOffset,
} from './checkpoint-file.ts'
import { runCleanerRound, type CleanerOptions, type RoundResult } from '../cleaner/round.ts'
import {
  CLEAN_SHUTDOWN_FILE,
  CLEANER_OFFSET_CHECKPOINT,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  parsePartitionDirName,
  partitionDirName,
  RECOVERY_POINT_CHECKPOINT,
  TMP_SUFFIX,
} from './file-names.ts'
import { GroupCommitter } from './group-commit.ts'
import { HandlePool } from './handle-pool.ts'
import { forEachLimit, PARTITION_CONCURRENCY } from '../parallel.ts'
import { loadPartition, type LoadedLog } from './loader.ts'
import { DiskPartitionLog } from './partition-log.ts'
import {
  decodePartitionMetadata,
  encodePartitionMetadata,
  PARTITION_METADATA_FILE,
  PartitionMetadataCorruptError,
} from './partition-metadata-file.ts'

export interface DiskLogStoreOptions {
  /** File system (tests pass a MemoryFileSystem); default: Node's. */
  fs?: FileSystem
  /** Wall clock in ms; default Date.now. */
  now?: () => number
  /** Most segment files open at once (default 1024). */
  maxOpenFiles?: number
  /** Close files and drop cached indexes unused this long (default 60 s), on maintain(). */
  idleMs?: number
  /** How often checkpoints are written in the background (default 60 s; 0 = only on demand). */
  checkpointIntervalMs?: number
  decompress?: Decompressor
  /** Receives what recovery did per partition (for logging). */
  onRecovered?: (tp: TopicPartition, recovered: LoadedLog['recovered']) => void
  /** Compaction settings (default: on, 128 MiB offset map). */
  cleaner?: CleanerOptions
  /** Receives what each cleaner round did (for logging and tests). */
  onCleaned?: (round: RoundResult) => void
}

function key(tp: TopicPartition): string {
  return partitionDirName(tp.topic, tp.partition)
}

class DiskLogStore implements LogStore {
  readonly #dir: string
  readonly #fs: FileSystem
  readonly #now: () => number
  readonly #options: DiskLogStoreOptions
  readonly #pool: HandlePool
  readonly committer: GroupCommitter
  /** Batches directory fsyncs: partitions created, flushed or deleted together share them. */
  readonly #dirSyncer: GroupCommitter
  readonly #logs = new Map<string, DiskPartitionLog>()
  readonly #loading = new Map<string, Promise<DiskPartitionLog>>()
  /** Partitions on disk, loaded or not. */
  readonly #known = new Map<string, TopicPartition>()
  /** Checkpointed values for partitions not loaded yet. */
  readonly #recoveryPoints = new Map<string, bigint>()
  readonly #startOffsets = new Map<string, bigint>()
  /** The cleaner's first dirty offset per compacted partition (cleaner-offset-checkpoint). */
  readonly #firstDirty = new Map<string, bigint>()
  /** Partitions whose cleaning failed this session (skipped by the cleaner until a restart). */
  readonly #uncleanable = new Set<string>()
  /** Topic id per loaded partition (from partition.metadata or the opener). */
  readonly #topicIds = new Map<string, string>()
  /** Partitions whose partition.metadata is still to be written. */
  readonly #metadataUnwritten = new Set<string>()
  /**
   * Partitions deleted (or found without a directory at start) whose entries the checkpoint files
   * on disk may still hold. Deleting does not rewrite the checkpoints (10,000 deletes would write
   * them thousands of times); instead a partition of the same name is not loaded before they are
   * rewritten, so a re-created partition never inherits a stale recovery point or start offset.
   */
  readonly #staleEntries = new Set<string>()
  readonly #staleCleanerEntries = new Set<string>()
  readonly #cleanShutdown: boolean
  readonly #pendingDeletes = new Set<string>()
  readonly #timers = new Set<NodeJS.Timeout>()
  /** Directories of deleted partitions being removed in the background. */
  readonly #removals = new Set<Promise<void>>()
  #checkpointTimer: NodeJS.Timeout | undefined
  #checkpointChain: Promise<void> = Promise.resolve()
  #cleanerChain: Promise<void> = Promise.resolve()
  #nextCheckpoint: Promise<void> | undefined
  #closed = false

  constructor(dir: string, options: DiskLogStoreOptions, fs: FileSystem, cleanShutdown: boolean) {
    this.#dir = dir
    this.#fs = fs
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#pool = new HandlePool(fs, options.maxOpenFiles ?? 1024, this.#now)
    this.committer = new GroupCommitter(this.#pool)
    this.#dirSyncer = new GroupCommitter((path) => fs.syncDir(path))
    this.#cleanShutdown = cleanShutdown
  }

  async init(): Promise<void> {
    const rp = await this.#readCheckpoint(RECOVERY_POINT_CHECKPOINT)
    if (rp === 'corrupt') {
      // Without recovery points every segment is recovered; correct, only slower.
    } else for (const e of rp) this.#recoveryPoints.set(key(e), e.offset)
    const lso = await this.#readCheckpoint(LOG_START_OFFSET_CHECKPOINT)
    if (lso !== 'corrupt') for (const e of lso) this.#startOffsets.set(key(e), e.offset)
    // Lost or corrupt: the cleaner starts over from each log start (more work, same result).
    const dirty = await this.#readCheckpoint(CLEANER_OFFSET_CHECKPOINT)
    if (dirty !== 'corrupt') for (const e of dirty) this.#firstDirty.set(key(e), e.offset)
    for (const name of await this.#fs.readdir(this.#dir)) {
      const path = `${this.#dir}/${name}`
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        await this.#fs.rmdir(path)
        continue
      }
      if (name.endsWith(TMP_SUFFIX)) {
        await this.#fs.unlink(path)
        continue
      }
      const tp = parsePartitionDirName(name)
      if (tp === undefined) continue
      const st = await this.#fs.stat(path)
      if (st?.isDirectory === true) this.#known.set(name, tp)
    }
    // Entries of partitions whose directory is gone (deleted before a crash let the checkpoints
    // be rewritten) are dropped, and rewritten away before a partition of that name loads.
    for (const map of [this.#recoveryPoints, this.#startOffsets])
      for (const k of map.keys())
        if (!this.#known.has(k)) {
          map.delete(k)
          this.#staleEntries.add(k)
        }
    for (const k of this.#firstDirty.keys())
      if (!this.#known.has(k)) {
        this.#firstDirty.delete(k)
        this.#staleCleanerEntries.add(k)
      }
    const interval = this.#options.checkpointIntervalMs ?? 60_000
    if (interval > 0) {
      this.#checkpointTimer = setInterval(() => {
        this.writeCheckpoints().catch(() => undefined)
      }, interval)
      this.#checkpointTimer.unref()
    }
  }

  async #readCheckpoint(name: string): Promise<PartitionOffset[] | 'corrupt'> {
    try {
      return decodeOffsetCheckpoint(await this.#fs.readFile(`${this.#dir}/${name}`))
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return []
      if (err instanceof CheckpointCorruptError) return 'corrupt'
      throw err
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new KafkaError('KAFKA_STORAGE_ERROR', 'log store is closed')
  }

  open(tp: TopicPartition, config: LogConfig, options: OpenOptions = {}): Promise<PartitionLog> {
    this.#checkOpen()
    const k = key(tp)
    const existing = this.#logs.get(k)
    if (existing !== undefined) {
      const recorded = this.#topicIds.get(k)
      if (options.topicId !== undefined && recorded !== undefined && recorded !== options.topicId)
        return Promise.reject(inconsistentTopicId(`${this.#dir}/${k}`, recorded, options.topicId))
      if (options.topicId !== undefined && recorded === undefined) {
        this.#topicIds.set(k, options.topicId)
        this.#metadataUnwritten.add(k)
      }
      existing.updateConfig(config)
      return Promise.resolve(existing)
    }
    let loading = this.#loading.get(k)
    if (loading === undefined) {
      loading = this.#load(tp, config, options.topicId).finally(() => this.#loading.delete(k))
      this.#loading.set(k, loading)
    }
    return loading
  }

  async #load(tp: TopicPartition, config: LogConfig, topicId: string | undefined): Promise<DiskPartitionLog> {
    if (parsePartitionDirName(key(tp)) === undefined)
      throw new KafkaError('INVALID_TOPIC_EXCEPTION', `cannot store partition ${tp.topic}-${tp.partition}`)
    const k = key(tp)
    const dir = `${this.#dir}/${k}`
    // Before anything reads or recovers the directory: is it this topic's? (A partition not
    // found at start-up nor opened since has no directory yet.)
    const recorded = this.#known.has(k) ? await this.#readTopicId(dir) : undefined
    if (topicId !== undefined && recorded !== undefined && recorded !== topicId)
      throw inconsistentTopicId(dir, recorded, topicId)
    if (this.#staleEntries.has(k)) await this.writeCheckpoints()
    if (this.#staleCleanerEntries.has(k)) await this.#writeCleanerCheckpoint()
    let loaded: LoadedLog
    try {
      loaded = await loadPartition({
        fs: this.#fs,
        pool: this.#pool,
        dir,
        config,
        now: this.#now(),
        clock: this.#now,
        cleanShutdown: this.#cleanShutdown,
        recoveryPoint: this.#recoveryPoints.get(k),
        logStartOffset: this.#startOffsets.get(k),
      })
    } catch (err) {
      if (err instanceof KafkaError) throw err
      throw new KafkaError('KAFKA_STORAGE_ERROR', `cannot load ${dir}: ${String(err)}`, { cause: err })
    }
    if (loaded.recovered.segments > 0) this.#options.onRecovered?.(tp, loaded.recovered)
    const log = new DiskPartitionLog(
      { topic: tp.topic, partition: tp.partition },
      config,
      {
        fs: this.#fs,
        pool: this.#pool,
        committer: this.committer,
        syncDir: (path) => this.#dirSyncer.sync(path),
        dir,
        now: this.#now,
        ...(this.#options.decompress !== undefined ? { decompress: this.#options.decompress } : {}),
        onLogStartOffsetChange: () => this.writeCheckpoints(),
        writeCheckpoints: () => this.writeCheckpoints(),
        scheduleDelete: (paths, delayMs) => this.#scheduleDelete(paths, delayMs),
      },
      loaded,
    )
    this.#logs.set(k, log)
    this.#known.set(k, { topic: tp.topic, partition: tp.partition })
    const id = recorded ?? topicId
    if (id !== undefined) this.#topicIds.set(k, id)
    if (recorded === undefined && topicId !== undefined) this.#metadataUnwritten.add(k)
    return log
  }

  /** The topic id in the directory's partition.metadata; undefined when missing or unreadable. */
  async #readTopicId(dir: string): Promise<string | undefined> {
    try {
      return decodePartitionMetadata(await this.#fs.readFile(`${dir}/${PARTITION_METADATA_FILE}`))
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || err instanceof PartitionMetadataCorruptError) return undefined
      throw new KafkaError(
        'KAFKA_STORAGE_ERROR',
        `cannot read ${dir}/${PARTITION_METADATA_FILE}: ${String(err)}`,
        {
          cause: err,
        },
      )
    }
  }

  /** Writes the partition.metadata files still missing (no fsync: see the top of the file). */
  async #writePartitionMetadata(): Promise<void> {
    for (const k of [...this.#metadataUnwritten]) {
      const id = this.#topicIds.get(k)
      this.#metadataUnwritten.delete(k)
      if (id === undefined || !this.#logs.has(k)) continue
      try {
        await writeFileAtomic(
          this.#fs,
          `${this.#dir}/${k}/${PARTITION_METADATA_FILE}`,
          encodePartitionMetadata(id),
          {
            sync: false,
          },
        )
      } catch (err) {
        // Deleted meanwhile: nothing to record. Otherwise try again next round.
        if (errorCode(err) !== 'ENOENT') {
          this.#metadataUnwritten.add(k)
          throw err
        }
      }
    }
  }

  get(tp: TopicPartition): PartitionLog | undefined {
    return this.#logs.get(key(tp))
  }

  async delete(tp: TopicPartition): Promise<void> {
    this.#checkOpen()
    const k = key(tp)
    const loading = this.#loading.get(k)
    if (loading !== undefined) await loading.catch(() => undefined)
    const log = this.#logs.get(k)
    this.#logs.delete(k)
    this.#known.delete(k)
    this.#recoveryPoints.delete(k)
    this.#startOffsets.delete(k)
    this.#topicIds.delete(k)
    this.#metadataUnwritten.delete(k)
    if (this.#firstDirty.delete(k)) this.#staleCleanerEntries.add(k)
    this.#staleEntries.add(k)
    this.#uncleanable.delete(k)
    if (log !== undefined) await log.abandon()
    const dir = `${this.#dir}/${k}`
    await this.#pool.closeUnder(dir)
    if ((await this.#fs.stat(dir)) === undefined) return
    // Rename first so a crash mid-removal never leaves a half-deleted partition that loads; the
    // renamed directory is removed in the background (as Kafka does), and init() removes any
    // left over by a crash. Concurrent deletes share the log directory's fsync.
    const doomed = `${this.#dir}/${k}.${randomUUID().replaceAll('-', '')}${DELETE_DIR_SUFFIX}`
    await this.#fs.rename(dir, doomed)
    await this.#dirSyncer.sync(this.#dir)
    const removal = this.#fs.rmdir(doomed).catch(() => undefined)
    this.#removals.add(removal)
    void removal.finally(() => this.#removals.delete(removal))
  }

  partitions(): TopicPartition[] {
    return [...this.#known.values()].map((tp) => ({ topic: tp.topic, partition: tp.partition }))
  }

  async maintain(now: number): Promise<void> {
    this.#checkOpen()
    const idleMs = this.#options.idleMs ?? 60_000
    for (const log of this.#logs.values()) {
      if (log.closed) continue
      await log.maintain(now)
      log.dropIdleIndexes(now, idleMs)
    }
    await this.#pool.closeIdle(idleMs)
    await this.writeCheckpoints()
    // One compaction pass per call, on the dirtiest eligible log (bounded work per maintain()).
    const loaded = [...this.#logs].filter(([, log]) => !log.closed)
    const round = await runCleanerRound(
      loaded,
      this.#firstDirty,
      now,
      this.#uncleanable,
      this.#options.cleaner,
    )
    if (round !== undefined) {
      await this.#writeCleanerCheckpoint()
      this.#options.onCleaned?.(round)
    }
  }

  /** Writes cleaner-offset-checkpoint (Kafka's format): `<topic> <partition> <firstDirty>`. */
  #writeCleanerCheckpoint(): Promise<void> {
    // Serialised: concurrent writers would share the .tmp file.
    const run = this.#cleanerChain.then(() => this.#writeCleanerCheckpointNow())
    this.#cleanerChain = run.catch(() => undefined)
    return run
  }

  async #writeCleanerCheckpointNow(): Promise<void> {
    const cleared = [...this.#staleCleanerEntries]
    const entries: PartitionOffset[] = []
    for (const [k, offset] of this.#firstDirty) {
      const tp = this.#known.get(k)
      if (tp !== undefined) entries.push({ ...tp, offset })
    }
    await writeFileAtomic(
      this.#fs,
      `${this.#dir}/${CLEANER_OFFSET_CHECKPOINT}`,
      encodeOffsetCheckpoint(entries),
    )
    for (const k of cleared) this.#staleCleanerEntries.delete(k)
  }

  async flush(): Promise<void> {
    this.#checkOpen()
    await forEachLimit(this.#logs.values(), PARTITION_CONCURRENCY, (log) => log.flush())
    await this.writeCheckpoints()
  }

  /** Writes the recovery-point and log-start-offset checkpoints (serialised). */
  writeCheckpoints(): Promise<void> {
    // Callers that arrive while a write is waiting to start share it: it will see their state.
    if (this.#nextCheckpoint !== undefined) return this.#nextCheckpoint
    const run = this.#checkpointChain.then(() => {
      this.#nextCheckpoint = undefined
      return this.#writeCheckpoints()
    })
    this.#nextCheckpoint = run
    this.#checkpointChain = run.catch(() => undefined)
    return run
  }

  async #writeCheckpoints(): Promise<void> {
    await this.#writePartitionMetadata()
    const cleared = [...this.#staleEntries]
    const rp: PartitionOffset[] = []
    const lso: PartitionOffset[] = []
    for (const [k, tp] of this.#known) {
      const log = this.#logs.get(k)
      const r = log !== undefined ? log.recoveryPoint() : this.#recoveryPoints.get(k)
      const s = log !== undefined ? log.logStartOffset() : this.#startOffsets.get(k)
      if (r !== undefined) rp.push({ ...tp, offset: r })
      if (s !== undefined) lso.push({ ...tp, offset: s })
    }
    await writeFileAtomic(this.#fs, `${this.#dir}/${RECOVERY_POINT_CHECKPOINT}`, encodeOffsetCheckpoint(rp))
    await writeFileAtomic(
      this.#fs,
      `${this.#dir}/${LOG_START_OFFSET_CHECKPOINT}`,
      encodeOffsetCheckpoint(lso),
    )
    for (const k of cleared) this.#staleEntries.delete(k)
  }

  #scheduleDelete(paths: string[], delayMs: number): void {
    for (const p of paths) this.#pendingDeletes.add(p)
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      void this.#unlinkPending(paths)
    }, delayMs)
    timer.unref()
    this.#timers.add(timer)
  }

  async #unlinkPending(paths: string[]): Promise<void> {
    for (const p of paths) {
      if (!this.#pendingDeletes.delete(p)) continue
      try {
        await this.#fs.unlink(p)
      } catch {
        // Already gone, or the store crashed: the loader removes leftover .deleted files.
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#checkpointTimer !== undefined) clearInterval(this.#checkpointTimer)
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    await Promise.allSettled([...this.#loading.values()])
    let clean = true
    // Each close flushes its log (several fsyncs): in parallel they share journal commits and
    // the directory fsyncs.
    await forEachLimit(this.#logs.values(), PARTITION_CONCURRENCY, async (log) => {
      try {
        await log.close()
      } catch {
        clean = false
      }
      if (log.failed) clean = false
    })
    await this.#unlinkPending([...this.#pendingDeletes])
    await Promise.all(this.#removals)
    await this.#writeCheckpoints()
    // Partitions never loaded this session were not recovered: after an unclean start the next
    // start must still treat them as unclean.
    if (!this.#cleanShutdown && [...this.#known.keys()].some((k) => !this.#logs.has(k))) clean = false
    if (clean) {
      await writeFileAtomic(
        this.#fs,
        `${this.#dir}/${CLEAN_SHUTDOWN_FILE}`,
        Buffer.from(JSON.stringify({ version: 0, brokerEpoch: -1 })),
      )
    }
    await this.#pool.closeAll()
  }

  /** Open segment files right now (for tests and the file-descriptor budget). */
  openFiles(): number {
    return this.#pool.size
  }
}

function inconsistentTopicId(dir: string, recorded: string, wanted: string): KafkaError {
  return new KafkaError(
    'INCONSISTENT_TOPIC_ID',
    `${dir} belongs to topic id ${recorded}, not ${wanted}: left untouched and not served`,
  )
}

export type { DiskLogStore }

/**
 * Opens (creating) a log directory. A missing clean-shutdown marker means the last run crashed:
 * each partition is recovered from its recovery point when it is opened.
 */
export async function openDiskLogStore(
  dir: string,
  options: DiskLogStoreOptions = {},
): Promise<
  LogStore & {
    writeCheckpoints(): Promise<void>
    openFiles(): number
    committer: GroupCommitter
  }
> {
  const fs = options.fs ?? new NodeFileSystem()
  const root = dir.replace(/\/+$/, '') || '/'
  await fs.mkdir(root)
  const marker = `${root}/${CLEAN_SHUTDOWN_FILE}`
  const clean = (await fs.stat(marker)) !== undefined
  if (clean) {
    await fs.unlink(marker)
    await fs.syncDir(root)
  }
  const store = new DiskLogStore(root, options, fs, clean)
  await store.init()
  return store
}
