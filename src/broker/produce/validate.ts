// Produce validation of one partition's records, as Kafka's ProduceRequest.validateRecords,
// UnifiedLog.analyzeAndValidateRecords and LogValidator do it for RecordBatch v2 from a client:
//
//   framing     whole batches, magic 2, sane length          CORRUPT_MESSAGE / INVALID_RECORD
//   count       exactly one batch (Produce v3+)               INVALID_RECORD
//   codec       known id; zstd needs Produce v7+              CORRUPT_MESSAGE / UNSUPPORTED_COMPRESSION_TYPE
//   header      baseOffset 0, count = lastOffsetDelta+1 > 0, no control batch, producer id with a
//               sequence                                      INVALID_RECORD
//   size        batch size <= max.message.bytes               MESSAGE_TOO_LARGE
//   CRC         CRC-32C of the batch                          CORRUPT_MESSAGE
//   records     structure of every record (DefaultRecord.readFrom: varints, lengths, headers adding
//               up to each record's length; exactly `count` records, nothing after them)
//                                                             INVALID_RECORD (no record errors)
//   keys        compacted topics need a key on every record   INVALID_RECORD with record errors
//   timestamps  CreateTime within [now-before, now+after] (-1 exempt); a LogAppendTime batch from a
//               producer is refused on LogAppendTime topics or when its maxTimestamp is -1 or out
//               of range, else stored as CreateTime            INVALID_TIMESTAMP with record errors
//               (one error per record, the key first; any timestamp error makes it INVALID_TIMESTAMP)
//   maxTimestp  rewritten to the true maximum of the records' timestamps (and the CRC with it), as
//               LogValidator's setMaxTimestamp does
//   codec       a topic compression.type other than `producer` and the batch's codec: the records
//               are re-encoded in the topic's codec (LogValidator's validateMessagesAndAssign-
//               OffsetsCompressed), keeping every header field; the new batch's size is checked
//               against max.message.bytes again                     MESSAGE_TOO_LARGE
//
// Every record of every batch is checked, by a walk over the batch bytes that allocates nothing
// (record-walk.ts): uncompressed batches in place (Kafka's assignOffsetsNonCompressed), compressed
// ones after decompressing them (validateMessagesAndAssignOffsetsCompressed iterates every record
// too, so a broken inner record or a codec stream that does not decode is refused, not stored for
// consumers to trip on). A compressed batch whose inner offset deltas are not 0, 1, 2, … is
// rebuilt in its own codec with sequential offsets, as Kafka rebuilds it rather than assign in
// place. Per-record error lists are built only when a rule fails.

import { CODEC_NAMES, decompress } from '../../protocol/compression/codecs.ts'
import { CompressionError } from '../../protocol/compression/compression-error.ts'
import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import {
  ATTR_LOG_APPEND_TIME,
  batchCompression,
  BATCH_OVERHEAD,
  Compression,
  CRC_START,
  isControl,
  isTransactional,
  LOG_OVERHEAD,
  MAGIC_V2,
  OFF_ATTRIBUTES,
  OFF_BASE_OFFSET,
  OFF_BASE_SEQUENCE,
  OFF_BASE_TIMESTAMP,
  OFF_BATCH_LENGTH,
  OFF_CRC,
  OFF_LAST_OFFSET_DELTA,
  OFF_MAGIC,
  OFF_MAX_TIMESTAMP,
  OFF_PRODUCER_EPOCH,
  OFF_PRODUCER_ID,
  OFF_RECORDS_COUNT,
  rewriteCrc,
} from '../../protocol/records/batch-header.ts'
import { crc32cRange } from '../../protocol/records/crc32c.ts'
import { encodeRecords, recompressBatch, type RecordInput } from '../../protocol/records/batch-builder.ts'
import { RecordCursor } from '../../protocol/records/records.ts'
import { newRecordWalk, walkRecords } from '../../protocol/records/record-walk.ts'
import type { ProducePolicy } from './topic-policy.ts'

export interface RecordErrorEntry {
  batchIndex: number
  batchIndexErrorMessage: string | null
}

/** A rejection carrying Kafka's per-record errors (Produce v8+ returns them). */
export class RecordsRejected extends KafkaError {
  readonly recordErrors: RecordErrorEntry[]
  constructor(
    code: 'INVALID_TIMESTAMP' | 'INVALID_RECORD',
    message: string,
    recordErrors: RecordErrorEntry[],
  ) {
    super(code, message)
    this.recordErrors = recordErrors
  }
}

/** What the rest of the produce path needs from the (single) validated batch header. */
export interface ValidatedBatch {
  /** The batch to store: the input, or a new buffer when it was re-encoded in the topic's codec. */
  records: Buffer
  size: number
  recordsCount: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  transactional: boolean
}

export interface ValidateOptions {
  apiVersion: number
  policy: ProducePolicy
  /** Broker wall-clock ms. */
  now: number
  /** The partition, named in messages as `topic-partition` (built only when a message needs it). */
  topic: string
  partition: number
  /** Cap on decompressed bytes when records must be decoded. */
  maxDecompressedBytes: number
}

const MAX_CODEC = Compression.Zstd

/** Validates `records`; returns its batch's header facts or throws KafkaError (RecordsRejected). */
export function validateProduceRecords(records: Buffer | null, o: ValidateOptions): ValidatedBatch {
  if (records === null || records.length === 0)
    throw new KafkaError(
      'INVALID_RECORD',
      `Produce requests with version ${o.apiVersion} must have at least one record batch per partition`,
    )
  if (records.length < LOG_OVERHEAD + 5)
    throw new KafkaError(
      'CORRUPT_MESSAGE',
      `Record batch of ${records.length} bytes is truncated in ${partitionName(o)}`,
    )
  const magic = records.readInt8(OFF_MAGIC)
  if (magic !== MAGIC_V2)
    throw new KafkaError(
      'INVALID_RECORD',
      `Produce requests with version ${o.apiVersion} are only allowed to contain record batches with magic version 2`,
    )
  const batchLength = records.readInt32BE(OFF_BATCH_LENGTH)
  const size = LOG_OVERHEAD + batchLength
  if (batchLength < BATCH_OVERHEAD - LOG_OVERHEAD || records.length < BATCH_OVERHEAD)
    throw new KafkaError(
      'CORRUPT_MESSAGE',
      `Record batch length ${batchLength} is invalid in ${partitionName(o)}`,
    )
  if (size > records.length)
    throw new KafkaError(
      'CORRUPT_MESSAGE',
      `Record batch of ${size} bytes is truncated to ${records.length} bytes in ${partitionName(o)}`,
    )
  if (size < records.length)
    throw new KafkaError(
      'INVALID_RECORD',
      `Produce requests with version ${o.apiVersion} are only allowed to contain exactly one record batch per partition`,
    )

  const attributes = records.readInt16BE(OFF_ATTRIBUTES)
  const codec = batchCompression(attributes)
  if (codec > MAX_CODEC) throw new KafkaError('CORRUPT_MESSAGE', `Unknown compression type id: ${codec}`)
  if (codec === Compression.Zstd && o.apiVersion < 7)
    throw new KafkaError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      `Produce requests with version ${o.apiVersion} are not allowed to use ZStandard compression`,
    )

  // 64-bit fields as two int32 halves: no BigInt on the path every produce takes (a BigInt read
  // allocates, and this code runs cold, once per request).
  if (records.readInt32BE(OFF_BASE_OFFSET) !== 0 || records.readInt32BE(OFF_BASE_OFFSET + 4) !== 0)
    throw new KafkaError(
      'INVALID_RECORD',
      `The baseOffset of the record batch in the append to ${partitionName(o)} should be 0, but it is ${records.readBigInt64BE(OFF_BASE_OFFSET)}`,
    )
  const lastOffsetDelta = records.readInt32BE(OFF_LAST_OFFSET_DELTA)
  const count = records.readInt32BE(OFF_RECORDS_COUNT)
  if (lastOffsetDelta < 0)
    throw new KafkaError(
      'INVALID_RECORD',
      `Batch has an invalid offset range: [0, ${lastOffsetDelta}] in topic partition ${partitionName(o)}`,
    )
  if (count <= 0)
    throw new KafkaError(
      'INVALID_RECORD',
      `Invalid reported count for record batch: ${count} in topic partition ${partitionName(o)}`,
    )
  if (lastOffsetDelta + 1 !== count)
    throw new KafkaError(
      'INVALID_RECORD',
      `Inconsistent batch offset range [0, ${lastOffsetDelta}] and count of records ${count} in topic partition ${partitionName(o)}`,
    )
  if (isControl(attributes))
    throw new KafkaError(
      'INVALID_RECORD',
      `Clients are not allowed to write control records in topic partition ${partitionName(o)}`,
    )
  const producerId = readProducerId(records)
  const baseSequence = records.readInt32BE(OFF_BASE_SEQUENCE)
  if (producerId >= 0n && baseSequence < 0)
    throw new KafkaError(
      'INVALID_RECORD',
      `Invalid sequence number ${baseSequence} in record batch with producerId ${producerId} in topic partition ${partitionName(o)}`,
    )

  if (size > o.policy.maxMessageBytes)
    throw new KafkaError(
      'MESSAGE_TOO_LARGE',
      `The record batch size in the append to ${partitionName(o)} is ${size} bytes which exceeds the maximum configured value of ${o.policy.maxMessageBytes}.`,
    )
  const storedCrc = records.readUInt32BE(OFF_CRC)
  if (crc32cRange(records, CRC_START, size) !== storedCrc)
    throw new KafkaError(
      'CORRUPT_MESSAGE',
      `Record is corrupt (stored crc = ${storedCrc}) in topic partition ${partitionName(o)}.`,
    )

  const target = o.policy.targetCodec
  const plain = checkRecords(records, attributes, count, size, o, target !== undefined && target !== codec)
  let stored = records
  if (plain !== undefined) {
    const recodec = (target ?? codec) as Compression
    try {
      stored = recompressBatch(
        records,
        plain,
        recodec,
        target === undefined ? undefined : o.policy.compressionLevel,
      )
    } catch (err) {
      // Only a codec this Node.js build lacks can fail here (UNSUPPORTED_COMPRESSION_TYPE).
      const code = err instanceof CompressionError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR
      throw new KafkaError(
        code,
        `Cannot compress ${partitionName(o)} as ${CODEC_NAMES[recodec]}: ${(err as Error).message}`,
      )
    }
    if (stored.length > o.policy.maxMessageBytes)
      throw new KafkaError(
        'MESSAGE_TOO_LARGE',
        `Message batch size is ${stored.length} bytes in append to partition ${partitionName(o)} which exceeds the maximum configured size of ${o.policy.maxMessageBytes}.`,
      )
  }

  return {
    records: stored,
    size: stored.length,
    recordsCount: count,
    producerId,
    producerEpoch: records.readInt16BE(OFF_PRODUCER_EPOCH),
    baseSequence,
    transactional: isTransactional(attributes),
  }
}

function partitionName(o: ValidateOptions): string {
  return `${o.topic}-${o.partition}`
}

const NO_PRODUCER_ID = -1n

/** The header's producer id; the usual -1 (not idempotent) without reading a BigInt. */
function readProducerId(records: Buffer): bigint {
  return records.readInt32BE(OFF_PRODUCER_ID) === -1 && records.readInt32BE(OFF_PRODUCER_ID + 4) === -1
    ? NO_PRODUCER_ID
    : records.readBigInt64BE(OFF_PRODUCER_ID)
}

/** An int64 field as a number, rounded as Number(bigint) rounds (exact below 2^53). */
function readInt64AsNumber(records: Buffer, offset: number): number {
  return records.readInt32BE(offset) * 4294967296 + records.readUInt32BE(offset + 4)
}

const walk = newRecordWalk()

// Decompressed records are read only while their batch is validated (and re-encoded), all
// synchronously, so lz4 (decoded by our own code) decodes into one reused buffer: a fresh
// multi-MiB buffer per batch cost as much in first-touch page faults as the decoding itself
// (300k × 1 KiB lz4 in memory: 19 of 38 broker ticks were sys).
let scratch: Buffer | undefined
const SCRATCH_MIN = 1 << 20
const SCRATCH_MAX = 16 << 20

function decompressToWalk(codec: number, region: Buffer, maxOutputLength: number): Buffer {
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_MIN)
  const out = decompress(codec, region, maxOutputLength, scratch)
  // Outgrown: the next batch starts in a buffer this size (up to a bound kept for good).
  if (out.buffer !== scratch.buffer && out.length > scratch.length && out.length <= SCRATCH_MAX)
    scratch = Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(out.length)))
  return out
}

/**
 * Record-level rules (Kafka's LogValidator: validateRecord per record, then the batch's true
 * maxTimestamp). Uncompressed batches are walked in place (record-walk.ts: structure, then the few
 * facts the rules need), compressed ones after decompressing. Per-record error lists are built by a
 * second, allocating pass, only when a rule fails. Returns the records region to re-encode,
 * uncompressed (the batch's own region when its records are already in canonical form), when
 * `reencode` asks for it or a compressed batch's inner offsets are not sequential; else undefined.
 */
function checkRecords(
  records: Buffer,
  attributes: number,
  count: number,
  size: number,
  o: ValidateOptions,
  reencode: boolean,
): Buffer | undefined {
  const p = o.policy
  const codec = batchCompression(attributes)
  const checkTimestamps = !p.logAppendTime
  const logAppendBatch = (attributes & ATTR_LOG_APPEND_TIME) !== 0
  const lowest = o.now - p.timestampBeforeMaxMs
  const highest = o.now + p.timestampAfterMaxMs
  const headerMax = readInt64AsNumber(records, OFF_MAX_TIMESTAMP)
  const baseTs = readInt64AsNumber(records, OFF_BASE_TIMESTAMP)
  // A LogAppendTime batch from a producer: Kafka reads every record's timestamp as the header's
  // maxTimestamp, refuses it on a LogAppendTime topic or when it is -1 or out of range, and else
  // accepts it as CreateTime. The header alone decides.
  const logAppendFails =
    logAppendBatch && (!checkTimestamps || headerMax === -1 || headerMax < lowest || headerMax > highest)

  let buf = records
  let start = BATCH_OVERHEAD
  let end = size
  if (codec !== Compression.None) {
    try {
      buf = decompressToWalk(codec, records.subarray(BATCH_OVERHEAD, size), o.maxDecompressedBytes)
    } catch (err) {
      throw new KafkaError(
        'CORRUPT_MESSAGE',
        `Record batch in ${partitionName(o)} cannot be read: ${(err as Error).message}`,
      )
    }
    start = 0
    end = buf.length
  }

  if (!walkRecords(buf, start, end, count, walk))
    throw new KafkaError('INVALID_RECORD', `${walk.problem} in topic partition ${partitionName(o)}`)
  let suspect = logAppendFails || (p.compacted && walk.nullKeys > 0)
  let trueMax = headerMax
  if (checkTimestamps && !logAppendBatch) {
    const min = baseTs + walk.minTimestampDelta
    const max = baseTs + walk.maxTimestampDelta
    // Records at -1 (no timestamp) are exempt, so this may be a false alarm: the error pass decides.
    if (min < lowest || max > highest) suspect = true
    trueMax = max > -1 ? max : -1
  }
  if (suspect) throwRecordErrors(buf, start, end, count, o, logAppendBatch, headerMax, baseTs)

  if (checkTimestamps && (logAppendBatch || trueMax !== headerMax)) {
    // As LogValidator's setMaxTimestamp(CREATE_TIME, max): the stored batch carries the true max
    // timestamp and the CreateTime type (the CRC covers both).
    records.writeInt16BE(attributes & ~ATTR_LOG_APPEND_TIME, OFF_ATTRIBUTES)
    records.writeBigInt64BE(BigInt(trueMax), OFF_MAX_TIMESTAMP)
    rewriteCrc(records, 0)
  }

  if (!reencode && (codec === Compression.None || walk.sequentialOffsets)) return undefined
  if (walk.sequentialOffsets && walk.zeroAttributes) return buf.subarray(start, end)
  // Rebuilt record by record (the walk validated every record above, so this cannot fail).
  const inputs: RecordInput[] = []
  const cursor = new RecordCursor(buf, start, end, count)
  const base = BigInt(baseTs)
  while (cursor.next())
    inputs.push({
      key: cursor.key(),
      value: cursor.value(),
      headers: cursor.headers(),
      timestamp: base + BigInt(cursor.timestampDelta),
    })
  return encodeRecords(inputs, base)
}

/**
 * Kafka's validateRecord for every record (a missing key on a compacted topic first, then the
 * timestamp) and processRecordErrors: throws RecordsRejected when any record fails.
 */
function throwRecordErrors(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  o: ValidateOptions,
  logAppendBatch: boolean,
  headerMax: number,
  baseTs: number,
): void {
  const p = o.policy
  const lowest = o.now - p.timestampBeforeMaxMs
  const highest = o.now + p.timestampAfterMaxMs
  const errors: RecordErrorEntry[] = []
  let timestampErrors = 0
  const cursor = new RecordCursor(buf, start, end, count)
  for (let i = 0; cursor.next(); i++) {
    if (p.compacted && cursor.keyLength < 0) {
      errors.push({
        batchIndex: i,
        batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${partitionName(o)}.`,
      })
      continue
    }
    const ts = logAppendBatch ? headerMax : baseTs + cursor.timestampDelta
    let message: string | undefined
    if (!p.logAppendTime && ts !== -1) {
      if (ts < lowest || ts > highest)
        message = `Timestamp ${ts} of message with offset ${cursor.offsetDelta} is out of range. The timestamp should be within [${lowest}, ${highest}]`
    } else if (logAppendBatch)
      message = `Invalid timestamp type in message at index ${i}. Producer should not set timestamp type to LogAppendTime.`
    if (message === undefined) continue
    errors.push({ batchIndex: i, batchIndexErrorMessage: message })
    timestampErrors++
  }
  if (timestampErrors > 0)
    throw new RecordsRejected(
      'INVALID_TIMESTAMP',
      'One or more records have been rejected due to invalid timestamp',
      errors,
    )
  if (errors.length > 0)
    throw new RecordsRejected(
      'INVALID_RECORD',
      `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${errors
        .slice(0, 3)
        .map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`)
        .join(', ')}]`,
      errors,
    )
}
