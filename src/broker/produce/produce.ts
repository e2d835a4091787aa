// Produce (v3-13): validate each partition's single batch on its header (validate.ts), queue the
// appends synchronously in arrival order, then answer per partition once every append resolved.
//
// Per partition, in Kafka's order: unknown topic/partition → internal topic → record validation →
// min.insync.replicas (acks=all) → producer-state hook → append. The hook's optional `prepare`
// (transactional batches of v12+ whose partition the coordinator must first add to the
// transaction, KIP-890) is the one step that may defer the check and append of a partition; the
// hook keeps such partitions in arrival order. One partition's error never fails another.
// acks=1 and acks=-1 answer when the log resolves the append (on one node, acks=all is satisfied
// by the leader's own append, fsynced first in durable mode). acks=0 answers nothing
// (NO_RESPONSE) once the appends resolved; when any partition failed, or the whole request did,
// the connection is closed after the earlier responses instead (Kafka's KafkaApis: the producer
// learns of the failure by the disconnect and refreshes its metadata). Kafka 4 does not
// auto-create topics on Produce (only Metadata does), so neither do we.
//
// The request frame's receive buffer (ctx.frameLease) is part of the append contract: each append
// of a view of it carries the lease (AppendOptions.frame), and a log that keeps the view takes a
// reference of its own (the memory log adopting a large batch). Produce releases the request's
// reference once the outcome is settled; the buffer is reused when the last reference goes. A
// view that may survive untracked pins the lease (never reused): a log that keeps appended
// buffers (retainsAppended) was given one uncopied, or an append failed (a failed write's state is
// not worth reasoning about). Validation failures, duplicates, acks=0 and transactional waits keep
// nothing.

import { ATTR_TRANSACTIONAL, OFF_ATTRIBUTES } from '../../protocol/records/batch-header.ts'
import { DEFAULT_MAX_DECOMPRESSED } from '../../protocol/records/records.ts'
import { ErrorCode, KafkaError, toErrorCode } from '../../protocol/errors.ts'
import type {
  ProduceRequest,
  ProduceResponseInit,
  ProduceResponseNodeEndpoint,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import type { AppendOptions, AppendResult, PartitionLog } from '../../storage/log-store.ts'
import type { TopicRecord } from '../../storage/metadata-store.ts'
import { CloseConnection, NO_RESPONSE, type NoResponse } from '../registry.ts'
import type { RequestContext } from '../request-context.ts'
import { signalAppend } from '../fetch/append-signal.ts'
import { LEADER_EPOCH } from './leader-epoch.ts'
import type { ProducerBatch, ProducerStateGuard } from './producer-state-hook.ts'
import { producePolicy, type ProducePolicy } from './topic-policy.ts'
import { RecordsRejected, validateProduceRecords, type RecordErrorEntry } from './validate.ts'

/** Kafka's AdminUtils.ADMIN_CLIENT_ID: the only client allowed to append to internal topics. */
const ADMIN_CLIENT_ID = '__admin_client'
const KAFKA_INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state'])
const NO_RECORD_ERRORS: RecordErrorEntry[] = []

/**
 * One partition's answer. currentLeader (v10+, tagged) is left out: it is only for NOT_LEADER
 * answers, never given here, and an absent field encodes as its default without the encoder
 * comparing a struct with its default field by field (which it does at every version, once per
 * partition).
 */
type PartitionAnswer = Omit<ProduceResponsePartitionProduceResponse, 'currentLeader'>
type Slot = PartitionAnswer | Promise<PartitionAnswer>
/** A topic's answer while appends may still be pending, and once they all settled. */
type Pending = Omit<ProduceResponseTopicProduceResponse, 'partitionResponses'> & {
  partitionResponses: Slot[]
}
type Settled = Omit<ProduceResponseTopicProduceResponse, 'partitionResponses'> & {
  partitionResponses: PartitionAnswer[]
}
/** Shared by every response: nodeEndpoints is only for NOT_LEADER answers, never given here. */
const NO_NODE_ENDPOINTS: ProduceResponseNodeEndpoint[] = []

function failed(index: number, err: unknown, logStartOffset = -1n): PartitionAnswer {
  return {
    index,
    errorCode: toErrorCode(err),
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset,
    recordErrors: err instanceof RecordsRejected ? err.recordErrors : NO_RECORD_ERRORS,
    errorMessage: err instanceof KafkaError ? err.errorMessage : null,
  }
}

function errorCodeOnly(index: number, code: number): PartitionAnswer {
  return failed(index, new KafkaError(code))
}

function succeeded(index: number, r: { baseOffset: bigint; logAppendTime: bigint; logStartOffset: bigint }) {
  return {
    index,
    errorCode: ErrorCode.NONE,
    baseOffset: r.baseOffset,
    logAppendTimeMs: r.logAppendTime,
    logStartOffset: r.logStartOffset,
    recordErrors: NO_RECORD_ERRORS,
    errorMessage: null,
  }
}

/**
 * A frame's records are views of the socket chunk they arrived in. A log that keeps the Buffers
 * (the in-memory log) pins that whole chunk. When the request's records fill at least half of it
 * (a large request assembled in a buffer of its own, or many partitions' batches) keeping the views
 * is cheap; otherwise (a small request inside a large chunk) each batch is copied out. Decided per
 * request, so a multi-partition request is never copied just because each share is small.
 */
export function shouldCopyRecords(req: ProduceRequest): boolean {
  let chunk: ArrayBufferLike | undefined
  let bytes = 0
  for (const t of req.topicData)
    for (const p of t.partitionData) {
      if (p.records === null) continue
      chunk ??= p.records.buffer
      if (p.records.buffer === chunk) bytes += p.records.length
    }
  return chunk !== undefined && bytes * 2 < chunk.byteLength
}

function ownedCopy(records: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(records.length)
  records.copy(copy)
  return copy
}

type ProduceOutcome = ProduceResponseInit | NoResponse | CloseConnection

export function handleProduce(
  ctx: RequestContext,
  req: ProduceRequest,
): ProduceOutcome | Promise<ProduceOutcome> {
  if (req.acks !== 0) return produceRequest(ctx, req)
  // acks=0: a whole-request error gets no error response (ProduceRequest.getErrorResponse is null
  // for acks=0), so Kafka closes the connection instead (sendErrorOrCloseConnection).
  try {
    return produceRequest(ctx, req)
  } catch (err) {
    return new CloseConnection(`acks=0 produce failed: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** acks=0: nothing is answered, unless a partition failed, which closes the connection. */
function acksZeroOutcome(topics: readonly Settled[], ctx: RequestContext): NoResponse | CloseConnection {
  const failures: Array<{ partition: number; errorCode: number }> = []
  for (const t of topics)
    for (const r of t.partitionResponses)
      if (r.errorCode !== ErrorCode.NONE) failures.push({ partition: r.index, errorCode: r.errorCode })
  if (failures.length === 0) return NO_RESPONSE
  ctx.logger.info({ failures }, 'acks=0 produce failed; closing the connection')
  return new CloseConnection(
    `error during acks=0 produce: ${failures.map((f) => `partition ${f.partition}: ${f.errorCode}`).join(', ')}`,
  )
}

function produceRequest(ctx: RequestContext, req: ProduceRequest): ProduceOutcome | Promise<ProduceOutcome> {
  const s = ctx.services
  const v = ctx.apiVersion
  const acks = req.acks
  const validAcks = acks === -1 || acks === 0 || acks === 1
  const now = s.clock.now()
  const guard: ProducerStateGuard | undefined = s.transactions?.producerState
  const byId = v >= 13

  // Kafka checks this before anything else: transactional batches need a transactional id.
  if (req.transactionalId === null && validAcks)
    for (const t of req.topicData)
      for (const p of t.partitionData)
        if (
          p.records !== null &&
          p.records.length >= OFF_ATTRIBUTES + 2 &&
          (p.records.readInt16BE(OFF_ATTRIBUTES) & ATTR_TRANSACTIONAL) !== 0
        )
          throw new KafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')

  // Built in the response's own shape: when every append answered at once (the memory log, or
  // every partition failed before its append), this is the response as it stands. Its arrays are
  // made at their final length and filled in order: no push-grown backing stores per request.
  const topicData = req.topicData
  const topics = new Array<Pending>(topicData.length)
  let pending = false
  const copy = shouldCopyRecords(req)
  for (let ti = 0; ti < topicData.length; ti++) {
    const t = topicData[ti]!
    const record: TopicRecord | undefined = byId ? s.topics.getById(t.topicId) : s.topics.get(t.name)
    const partitionData = t.partitionData
    const slots = new Array<Slot>(partitionData.length)
    topics[ti] = {
      name: byId ? '' : t.name,
      topicId: byId ? t.topicId : ZERO_UUID,
      partitionResponses: slots,
    }
    const unknown = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    let policy: ProducePolicy | undefined
    for (let pi = 0; pi < partitionData.length; pi++) {
      const p = partitionData[pi]!
      if (!validAcks) {
        slots[pi] = errorCodeOnly(p.index, ErrorCode.INVALID_REQUIRED_ACKS)
        continue
      }
      const log = record === undefined ? undefined : s.topics.partition(record.name, p.index)
      if (record === undefined || log === undefined) {
        slots[pi] = errorCodeOnly(
          p.index,
          record === undefined ? unknown : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        )
        continue
      }
      if (
        (KAFKA_INTERNAL_TOPICS.has(record.name) || s.topics.isInternal(record.name)) &&
        ctx.clientId !== ADMIN_CLIENT_ID
      ) {
        slots[pi] = failed(
          p.index,
          new KafkaError('INVALID_TOPIC_EXCEPTION', `Cannot append to internal topic ${record.name}`),
        )
        continue
      }
      policy ??= producePolicy(record, s.config, ctx.receivedAt)
      const slot = appendPartition(ctx, req, log, record.name, p.index, p.records, policy, now, guard, copy)
      if (slot instanceof Promise) pending = true
      slots[pi] = slot
    }
  }

  if (!pending) return finish(ctx, acks, topics as Settled[])
  return Promise.all(
    topics.map(async (t) => ({
      name: t.name,
      topicId: t.topicId,
      partitionResponses: await Promise.all(t.partitionResponses.map((slot) => Promise.resolve(slot))),
    })),
  ).then((settled) => finish(ctx, acks, settled))
}

/** Every append has settled: the outcome. */
function finish(ctx: RequestContext, acks: number, topics: Settled[]): ProduceOutcome {
  // What a log kept of the frame it holds its own reference on.
  ctx.frameLease?.release()
  if (acks === 0) return acksZeroOutcome(topics, ctx)
  return { responses: topics, throttleTimeMs: 0, nodeEndpoints: NO_NODE_ENDPOINTS }
}

function appendPartition(
  ctx: RequestContext,
  req: ProduceRequest,
  log: PartitionLog,
  topic: string,
  index: number,
  records: Buffer | null,
  policy: ProducePolicy,
  now: number,
  guard: ProducerStateGuard | undefined,
  copy: boolean,
): Slot {
  let batch
  try {
    batch = validateProduceRecords(records, {
      apiVersion: ctx.apiVersion,
      policy,
      now,
      topic,
      partition: index,
      maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED,
    })
  } catch (err) {
    return failed(index, err, log.logStartOffset())
  }
  if (req.acks === -1 && policy.minInsyncReplicas > 1)
    return failed(
      index,
      new KafkaError(
        'NOT_ENOUGH_REPLICAS',
        `The size of the current ISR Set(${ctx.services.nodeId}) is insufficient to satisfy the min.isr requirement of ${policy.minInsyncReplicas} for partition ${topic}-${index}`,
      ),
      log.logStartOffset(),
    )

  // A batch re-encoded in the topic's codec is a buffer of its own: never copied.
  const stored = batch.records
  const owned = stored !== records || !copy

  let producer: ProducerBatch | undefined
  if (guard !== undefined && batch.producerId >= 0n) {
    producer = {
      topicPartition: log.topicPartition,
      transactionalId: req.transactionalId,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      recordsCount: batch.recordsCount,
      transactional: batch.transactional,
      apiVersion: ctx.apiVersion,
    }
    // KIP-890 part 2: the coordinator may first have to add the partition to the transaction.
    const ready = guard.prepare?.(log, producer)
    if (ready !== undefined) {
      const p = producer
      return ready.then(
        () => checkAndAppend(ctx, log, topic, index, stored, policy, now, guard, p, owned),
        (err: unknown) => failed(index, err, log.logStartOffset()),
      )
    }
  }
  return checkAndAppend(ctx, log, topic, index, stored, policy, now, guard, producer, owned)
}

/** The producer-state check (when the batch has a producer id), then the append. */
function checkAndAppend(
  ctx: RequestContext,
  log: PartitionLog,
  topic: string,
  index: number,
  records: Buffer,
  policy: ProducePolicy,
  now: number,
  guard: ProducerStateGuard | undefined,
  producer: ProducerBatch | undefined,
  owned: boolean,
): Slot {
  if (guard !== undefined && producer !== undefined) {
    try {
      const check = guard.check(log, producer)
      if (check.kind === 'duplicate')
        return succeeded(index, { ...check, logStartOffset: log.logStartOffset() })
    } catch (err) {
      return failed(index, err, log.logStartOffset())
    }
  }

  // A log that keeps no view of what it appends needs no copy; one that does keeps the frame
  // unless the records are copied (or re-encoded, which may still be a view: kept, to be safe).
  const lease = ctx.frameLease
  const retains = log.retainsAppended !== false
  const toStore = owned || !retains ? records : ownedCopy(records)
  if (retains && toStore === records) lease?.pin()
  const frame = lease?.holds(toStore) === true ? lease : undefined
  const options: AppendOptions = policy.logAppendTime
    ? { leaderEpoch: LEADER_EPOCH, logAppendTime: BigInt(now), frame }
    : { leaderEpoch: LEADER_EPOCH, frame }
  // A log that appends synchronously (memory, or disk when it can: tryAppendNow) answers at once:
  // no promise, no closures.
  let result: AppendResult | undefined
  try {
    result =
      log.appendNow !== undefined ? log.appendNow(toStore, options) : log.tryAppendNow?.(toStore, options)
  } catch (err) {
    return appendFailed(ctx, log, topic, index, guard, producer, err)
  }
  if (result === undefined)
    return log.append(toStore, options).then(
      (r) => appended(log, index, guard, producer, r),
      (err: unknown) => appendFailed(ctx, log, topic, index, guard, producer, err),
    )
  return appended(log, index, guard, producer, result)
}

function appended(
  log: PartitionLog,
  index: number,
  guard: ProducerStateGuard | undefined,
  producer: ProducerBatch | undefined,
  r: AppendResult,
): PartitionAnswer {
  if (producer !== undefined) guard!.appended(log, producer, r)
  signalAppend(log)
  return succeeded(index, r)
}

function appendFailed(
  ctx: RequestContext,
  log: PartitionLog,
  topic: string,
  index: number,
  guard: ProducerStateGuard | undefined,
  producer: ProducerBatch | undefined,
  err: unknown,
): PartitionAnswer {
  ctx.frameLease?.pin()
  if (producer !== undefined) guard!.appendFailed(log, producer, err)
  if (!(err instanceof KafkaError)) ctx.logger.error({ err, topic, partition: index }, 'append failed')
  return failed(index, err, log.logStartOffset())
}
