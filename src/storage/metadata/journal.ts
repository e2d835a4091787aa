// The metadata journal: a snapshot file plus an append-only journal of records since it.
//
// Files in the metadata directory (all integers big-endian; CRCs are CRC-32C):
//
//   metadata.snapshot   the whole image as of the start of journal generation G
//     0   4  magic "SMSN"
//     4   2  format version (1)
//     6   2  reserved (0)
//     8   4  payload length N
//     12  4  crc32c(payload)
//     16  N  payload: MetadataSnapshot (metadata.proto), whose journal_generation is G
//   A missing snapshot is the empty image with G = 0. A damaged one is an error, never skipped:
//   it was fsynced before it was renamed into place, so damage means the disk lost data.
//
//   metadata.journal    the records since that snapshot
//     0   4  magic "SMJL"
//     4   2  format version (1)
//     6   2  reserved (0)
//     8   8  generation
//     16  4  crc32c(bytes 0..15)
//     20  …  frames, each:
//              0  4  payload length N (1 ≤ N ≤ 16 MiB)
//              4  4  crc32c(length bytes ‖ payload)
//              8  N  payload: one MetadataRecord (metadata.proto)
//
//   *.tmp               files being written; removed on open.
//
// Appends: every frame is written at the end of the journal and fsynced before its append
// resolves. Appends that arrive while a write+fsync is in flight (or in the same tick) are written
// and fsynced together, so N concurrent appends cost one fsync, not N.
//
// Recovery (open): load the snapshot; then, by journal generation J against snapshot generation G:
//   J = G  replay frames in order, stopping at the first torn or corrupt frame (short header,
//          length 0 or over the limit, payload past the end, CRC mismatch); the file is truncated
//          there and fsynced, since nothing at or after it was ever acknowledged. A frame whose CRC
//          matches but which does not decode (or contradicts the image) is an error, not a tear.
//   J < G  the crash came after a snapshot was renamed into place but before the journal was
//          reset: every record in it is already in the snapshot, so it is replaced by an empty one.
//   J > G  the snapshot the journal continues is gone: an error.
//   no journal  an empty one of generation G is created.
//
// Snapshotting (when the journal passes the size threshold, between write batches, so the image
// is exactly snapshot + journal):
//   1. write the image with generation G+1 to metadata.snapshot.tmp, fsync, close
//   2. rename it over metadata.snapshot, fsync the directory
//   3. write an empty journal of generation G+1 to metadata.journal.tmp, fsync, close
//   4. rename it over metadata.journal, fsync the directory
// A crash before 2 leaves the old pair (the .tmp is removed on open); a crash between 2 and 4
// leaves the new snapshot with a journal of generation G, which is stale (J < G+1) and replaced;
// after 4 the new pair is in place. Each state loads to the same image.
//
// Failures: a failed write or fsync fails the journal for good (MetadataStoreFailedError): after
// a failed fsync the kernel may have dropped the dirty pages, so a retry could acknowledge data
// that is not on disk. Reopening recovers from the files.

import { dirname, join } from 'node:path'
import { KafkaError } from '../../protocol/errors.ts'
import { crc32c } from '../../protocol/records/crc32c.ts'
import { MetadataImage } from './image.ts'
import { nodeMetadataFs } from './metadata-fs.ts'
import type { MetadataFile, MetadataFs } from './metadata-fs.ts'
import { MetadataCorruptError, MetadataStoreFailedError } from './metadata-errors.ts'
import { decodeRecord, decodeSnapshot, encodeRecord, encodeSnapshot } from './records.ts'
import type { MetadataRecord, MetadataSnapshot } from './records.ts'

export const SNAPSHOT_FILE = 'metadata.snapshot'
export const JOURNAL_FILE = 'metadata.journal'
const TMP = '.tmp'

const SNAPSHOT_MAGIC = 0x534d534e // "SMSN"
const JOURNAL_MAGIC = 0x534d4a4c // "SMJL"
const FORMAT_VERSION = 1
const SNAPSHOT_HEADER_SIZE = 16
export const JOURNAL_HEADER_SIZE = 20
const FRAME_HEADER_SIZE = 8
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024
/** Small enough that replay on start stays in the low milliseconds. */
export const DEFAULT_SNAPSHOT_THRESHOLD_BYTES = 1024 * 1024

export interface JournalOptions {
  /** File-system layer; tests pass a fault-injecting one. Default: node:fs. */
  readonly fs?: MetadataFs
  /** Snapshot once the journal file is larger than this. Default 1 MiB. */
  readonly snapshotThresholdBytes?: number
}

/** What open() found, for logs and tests. */
export interface RecoveryReport {
  readonly snapshotGeneration: bigint
  readonly replayedRecords: number
  /** Bytes of torn or corrupt tail removed from the journal. */
  readonly truncatedBytes: number
  /** The journal predated the snapshot (crash mid-snapshot) and was replaced. */
  readonly staleJournalReplaced: boolean
}

interface Pending {
  readonly record: MetadataRecord
  readonly frame: Buffer
  readonly resolve: () => void
  readonly reject: (err: Error) => void
}

// ---- encoding ----

export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length)
  frame.writeUInt32BE(payload.length, 0)
  payload.copy(frame, FRAME_HEADER_SIZE)
  frame.writeUInt32BE(crc32c(payload, crc32c(frame.subarray(0, 4))), 4)
  return frame
}

export function encodeJournalHeader(generation: bigint): Buffer {
  const h = Buffer.alloc(JOURNAL_HEADER_SIZE)
  h.writeUInt32BE(JOURNAL_MAGIC, 0)
  h.writeUInt16BE(FORMAT_VERSION, 4)
  h.writeBigUInt64BE(generation, 8)
  h.writeUInt32BE(crc32c(h.subarray(0, 16)), 16)
  return h
}

export function encodeSnapshotFile(s: MetadataSnapshot): Buffer {
  const payload = encodeSnapshot(s)
  const h = Buffer.alloc(SNAPSHOT_HEADER_SIZE)
  h.writeUInt32BE(SNAPSHOT_MAGIC, 0)
  h.writeUInt16BE(FORMAT_VERSION, 4)
  h.writeUInt32BE(payload.length, 8)
  h.writeUInt32BE(crc32c(payload), 12)
  return Buffer.concat([h, payload])
}

// ---- decoding ----

export function decodeSnapshotFile(buf: Buffer, path: string): MetadataSnapshot {
  if (buf.length < SNAPSHOT_HEADER_SIZE || buf.readUInt32BE(0) !== SNAPSHOT_MAGIC)
    throw new MetadataCorruptError(`${path}: not a metadata snapshot`)
  const version = buf.readUInt16BE(4)
  if (version !== FORMAT_VERSION)
    throw new MetadataCorruptError(`${path}: unsupported format version ${version}`)
  const length = buf.readUInt32BE(8)
  if (buf.length !== SNAPSHOT_HEADER_SIZE + length)
    throw new MetadataCorruptError(
      `${path}: ${buf.length} bytes, header says ${SNAPSHOT_HEADER_SIZE + length}`,
    )
  const payload = buf.subarray(SNAPSHOT_HEADER_SIZE)
  if (crc32c(payload) !== buf.readUInt32BE(12)) throw new MetadataCorruptError(`${path}: CRC mismatch`)
  return decodeSnapshot(payload)
}

export function decodeJournalHeader(buf: Buffer, path: string): bigint {
  if (buf.length < JOURNAL_HEADER_SIZE || buf.readUInt32BE(0) !== JOURNAL_MAGIC)
    throw new MetadataCorruptError(`${path}: not a metadata journal`)
  if (crc32c(buf.subarray(0, 16)) !== buf.readUInt32BE(16))
    throw new MetadataCorruptError(`${path}: header CRC mismatch`)
  const version = buf.readUInt16BE(4)
  if (version !== FORMAT_VERSION)
    throw new MetadataCorruptError(`${path}: unsupported format version ${version}`)
  return buf.readBigUInt64BE(8)
}

/**
 * Replays the frames of a journal onto `image`; returns the end of the last intact frame and the
 * number of records applied.
 */
export function replayFrames(
  buf: Buffer,
  image: MetadataImage,
  path: string,
): { end: number; records: number } {
  let pos = JOURNAL_HEADER_SIZE
  let records = 0
  while (buf.length - pos >= FRAME_HEADER_SIZE) {
    const length = buf.readUInt32BE(pos)
    if (length === 0 || length > MAX_FRAME_PAYLOAD) break
    const payloadStart = pos + FRAME_HEADER_SIZE
    if (payloadStart + length > buf.length) break
    const payload = buf.subarray(payloadStart, payloadStart + length)
    if (crc32c(payload, crc32c(buf.subarray(pos, pos + 4))) !== buf.readUInt32BE(pos + 4)) break
    let record: MetadataRecord
    try {
      record = decodeRecord(payload)
      image.apply(record)
    } catch (err) {
      throw new MetadataCorruptError(`${path}: intact frame at byte ${pos} is invalid: ${String(err)}`, {
        cause: err,
      })
    }
    records++
    pos = payloadStart + length
  }
  return { end: pos, records }
}

async function writeFileDurably(fs: MetadataFs, path: string, data: Buffer): Promise<void> {
  const f = await fs.open(path, 'create')
  try {
    await f.write(data, 0)
    await f.sync()
  } finally {
    await f.close()
  }
}

/** Writes `data` to path.tmp, fsyncs it and renames it over `path`, then fsyncs the directory. */
async function replaceFile(fs: MetadataFs, dir: string, name: string, data: Buffer): Promise<void> {
  const path = join(dir, name)
  await writeFileDurably(fs, path + TMP, data)
  await fs.rename(path + TMP, path)
  await fs.syncDir(dir)
}

export class Journal {
  /** The committed image: snapshot plus every record whose append has resolved. */
  readonly image: MetadataImage
  readonly recovery: RecoveryReport
  private readonly fs: MetadataFs
  private readonly dir: string
  private readonly threshold: number
  private file: MetadataFile
  private generation: bigint
  private size: number
  private queue: Pending[] = []
  private running = false
  private idleWaiters: (() => void)[] = []
  private failure: MetadataStoreFailedError | undefined
  private closed = false
  private snapshotRequested = false

  private constructor(
    fs: MetadataFs,
    dir: string,
    threshold: number,
    image: MetadataImage,
    file: MetadataFile,
    generation: bigint,
    size: number,
    recovery: RecoveryReport,
  ) {
    this.fs = fs
    this.dir = dir
    this.threshold = threshold
    this.image = image
    this.file = file
    this.generation = generation
    this.size = size
    this.recovery = recovery
  }

  static async open(dir: string, options: JournalOptions = {}): Promise<Journal> {
    const fs = options.fs ?? nodeMetadataFs
    const threshold = options.snapshotThresholdBytes ?? DEFAULT_SNAPSHOT_THRESHOLD_BYTES
    const snapshotPath = join(dir, SNAPSHOT_FILE)
    const journalPath = join(dir, JOURNAL_FILE)
    await fs.mkdir(dir)
    await fs.unlink(snapshotPath + TMP)
    await fs.unlink(journalPath + TMP)

    const snapshotBytes = await fs.readFile(snapshotPath)
    let image = new MetadataImage()
    let generation = 0n
    if (snapshotBytes !== undefined) {
      const snapshot = decodeSnapshotFile(snapshotBytes, snapshotPath)
      image = MetadataImage.fromSnapshot(snapshot)
      generation = snapshot.journalGeneration
    }

    const journalBytes = await fs.readFile(journalPath)
    let size = JOURNAL_HEADER_SIZE
    let records = 0
    let truncatedBytes = 0
    let stale = false
    let file: MetadataFile
    const journalGeneration =
      journalBytes === undefined ? undefined : decodeJournalHeader(journalBytes, journalPath)
    if (journalBytes === undefined || journalGeneration === undefined || journalGeneration < generation) {
      stale = journalBytes !== undefined
      await replaceFile(fs, dir, JOURNAL_FILE, encodeJournalHeader(generation))
      // A first start may have just created `dir`: make its entry in the parent durable too.
      if (journalBytes === undefined && snapshotBytes === undefined) await fs.syncDir(dirname(dir))
      file = await fs.open(journalPath, 'existing')
    } else if (journalGeneration > generation) {
      throw new MetadataCorruptError(
        `${journalPath}: generation ${journalGeneration} continues a snapshot of generation ${journalGeneration}, ` +
          `but ${snapshotPath} has generation ${generation}`,
      )
    } else {
      const replay = replayFrames(journalBytes, image, journalPath)
      size = replay.end
      records = replay.records
      truncatedBytes = journalBytes.length - replay.end
      file = await fs.open(journalPath, 'existing')
      if (truncatedBytes > 0) {
        try {
          await file.truncate(size)
          await file.sync()
        } catch (err) {
          await file.close().catch(() => {})
          throw err
        }
      }
    }
    return new Journal(fs, dir, threshold, image, file, generation, size, {
      snapshotGeneration: generation,
      replayedRecords: records,
      truncatedBytes,
      staleJournalReplaced: stale,
    })
  }

  /** Bytes in the journal file (header included). */
  get sizeBytes(): number {
    return this.size
  }

  get journalGeneration(): bigint {
    return this.generation
  }

  /** Resolves once `record` is fsynced and applied to `image`. */
  append(record: MetadataRecord): Promise<void> {
    const refused = this.refusal()
    if (refused !== undefined) return Promise.reject(refused)
    const payload = encodeRecord(record)
    if (payload.length > MAX_FRAME_PAYLOAD)
      return Promise.reject(
        new KafkaError('INVALID_REQUEST', `metadata record of ${payload.length} bytes is too large`),
      )
    const frame = encodeFrame(payload)
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, frame, resolve, reject })
      this.kick()
    })
  }

  /** Writes a snapshot and resets the journal now (after any queued appends). */
  snapshot(): Promise<void> {
    const refused = this.refusal()
    if (refused !== undefined) return Promise.reject(refused)
    this.snapshotRequested = true
    this.kick()
    return this.idle().then(() => {
      if (this.failure !== undefined) throw this.failure
    })
  }

  /** Waits for queued appends, then closes the file. Later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.idle()
    try {
      await this.file.close()
    } catch (err) {
      // A failed journal already reported its error; closing is best effort then.
      if (this.failure === undefined) throw err
    }
  }

  private refusal(): Error | undefined {
    if (this.failure !== undefined) return this.failure
    if (this.closed) return new MetadataStoreFailedError('metadata store is closed')
    return undefined
  }

  private idle(): Promise<void> {
    if (!this.running) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private kick(): void {
    if (this.running) return
    this.running = true
    // A microtask, so appends issued in the same tick share the first write and fsync too.
    queueMicrotask(() => void this.run())
  }

  private async run(): Promise<void> {
    try {
      while (this.failure === undefined && (this.queue.length > 0 || this.snapshotRequested)) {
        if (this.queue.length > 0) await this.writeBatch(this.queue.splice(0))
        if (this.failure === undefined && (this.snapshotRequested || this.size > this.threshold)) {
          this.snapshotRequested = false
          try {
            await this.writeSnapshot()
          } catch (err) {
            this.fail(err)
          }
        }
      }
    } finally {
      this.running = false
      for (const resolve of this.idleWaiters.splice(0)) resolve()
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const data = batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((p) => p.frame))
    try {
      await this.file.write(data, this.size)
      await this.file.sync()
    } catch (err) {
      this.fail(err, batch)
      return
    }
    this.size += data.length
    for (const p of batch) {
      try {
        this.image.apply(p.record)
      } catch (err) {
        // The store validated the record against its own image; reaching this is a bug.
        this.fail(err, [p])
        continue
      }
      p.resolve()
    }
  }

  private async writeSnapshot(): Promise<void> {
    const next = this.generation + 1n
    await replaceFile(this.fs, this.dir, SNAPSHOT_FILE, encodeSnapshotFile(this.image.toSnapshot(next)))
    // From here the snapshot on disk is authoritative: the old journal is stale.
    this.generation = next
    await replaceFile(this.fs, this.dir, JOURNAL_FILE, encodeJournalHeader(next))
    const old = this.file
    this.file = await this.fs.open(join(this.dir, JOURNAL_FILE), 'existing')
    this.size = JOURNAL_HEADER_SIZE
    await old.close()
  }

  private fail(err: unknown, batch: readonly Pending[] = []): void {
    this.failure ??= new MetadataStoreFailedError(`metadata journal in ${this.dir} failed: ${String(err)}`, {
      cause: err,
    })
    for (const p of batch) p.reject(this.failure)
    for (const p of this.queue.splice(0)) p.reject(this.failure)
  }
}
