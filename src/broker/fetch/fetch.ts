// Fetch (v4-18): session context (session-cache.ts), a first read of every partition (read.ts),
// then either an immediate answer or a long poll.
//
// Long poll, as Kafka's DelayedFetch: answer at once when maxWaitMs <= 0, nothing is fetched, a
// partition errored or diverged, or the bytes read reach minBytes. Otherwise wait on the partitions'
// logs (append-signal.ts; no polling): each signalled append adds the log's growth (capped at the
// partition's maxBytes) to the bytes available, and once they reach minBytes — or maxWaitMs after
// the request arrived, or when a fetched topic is deleted — every partition is read again and that
// read is the answer.

import { ErrorCode } from '../../protocol/errors.ts'
import type {
  FetchRequest,
  FetchResponseInit,
  FetchResponseFetchableTopicResponseInit,
} from '../../protocol/generated/index.ts'
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts'
import type { PartitionLog } from '../../storage/log-store.ts'
import { fetchReadBuffers, ReadLease } from '../../storage/read-buffer-pool.ts'
import type { RequestContext } from '../request-context.ts'
import type { BrokerServices } from '../services.ts'
import { onAppend } from './append-signal.ts'
import { readAll, type FetchItem, type ReadAll, type ReadSettings, type PartitionDataOut } from './read.ts'
import {
  FetchSessionCache,
  FINAL_EPOCH,
  INITIAL_EPOCH,
  INVALID_SESSION_ID,
  mustRespond,
  partitionKey,
  type FetchSession,
  type SessionPartition,
} from './session-cache.ts'

const caches = new WeakMap<BrokerServices, FetchSessionCache>()

/** The broker's fetch session cache (one per BrokerServices, created on first use). */
export function sessionCache(s: BrokerServices): FetchSessionCache {
  let c = caches.get(s)
  if (c === undefined) {
    c = new FetchSessionCache(() => s.config.number('max.incremental.fetch.session.cache.slots'))
    caches.set(s, c)
  }
  return c
}

type Context =
  | { kind: 'error'; errorCode: number }
  | { kind: 'full'; items: FetchItem[]; session: FetchSession | undefined }
  | { kind: 'incremental'; items: FetchItem[]; session: FetchSession }

function requestItems(req: FetchRequest, byId: boolean): FetchItem[] {
  const items: FetchItem[] = []
  for (const t of req.topics) {
    const topicKey = byId ? t.topicId : t.topic
    for (const p of t.partitions)
      items.push({
        topicKey,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastFetchedEpoch: p.lastFetchedEpoch,
      })
  }
  return items
}

function sessionItems(session: FetchSession): FetchItem[] {
  const items: FetchItem[] = []
  for (const [key, p] of session.partitions)
    items.push({
      topicKey: p.topicKey,
      partition: p.partition,
      fetchOffset: p.fetchOffset,
      maxBytes: p.maxBytes,
      currentLeaderEpoch: p.currentLeaderEpoch,
      lastFetchedEpoch: p.lastFetchedEpoch,
      sessionKey: key,
    })
  return items
}

function remember(session: FetchSession, item: FetchItem): string {
  const key = partitionKey(item.topicKey, item.partition)
  const known = session.partitions.get(key)
  if (known !== undefined) {
    known.fetchOffset = item.fetchOffset
    known.maxBytes = item.maxBytes
    known.currentLeaderEpoch = item.currentLeaderEpoch
    known.lastFetchedEpoch = item.lastFetchedEpoch
  } else {
    const p: SessionPartition = {
      topicKey: item.topicKey,
      partition: item.partition,
      fetchOffset: item.fetchOffset,
      maxBytes: item.maxBytes,
      currentLeaderEpoch: item.currentLeaderEpoch,
      lastFetchedEpoch: item.lastFetchedEpoch,
      highWatermark: -1n,
      lastStableOffset: -1n,
      logStartOffset: -1n,
    }
    session.partitions.set(key, p)
  }
  return key
}

/** Kafka's FetchManager.newContext (transitions in session-cache.ts). */
function newContext(cache: FetchSessionCache, req: FetchRequest, version: number, now: number): Context {
  const byId = version >= 13
  const { sessionId, sessionEpoch } = req
  if (sessionEpoch === INITIAL_EPOCH || sessionEpoch === FINAL_EPOCH) {
    if (sessionId !== INVALID_SESSION_ID) cache.remove(sessionId)
    const items = requestItems(req, byId)
    if (sessionEpoch === FINAL_EPOCH || version < 7 || items.length === 0)
      return { kind: 'full', items, session: undefined }
    const session = cache.create(byId, items.length, now)
    if (session === undefined) return { kind: 'full', items, session: undefined }
    const keyed = items.map((item) => ({ ...item, sessionKey: remember(session, item) }))
    return { kind: 'full', items: keyed, session }
  }
  const session = cache.get(sessionId)
  if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND }
  if (session.epoch !== sessionEpoch)
    return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH }
  if (session.usesTopicIds !== byId)
    return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR }
  for (const item of requestItems(req, byId)) remember(session, item)
  for (const f of req.forgottenTopicsData) {
    const topicKey = byId ? f.topicId : f.topic
    for (const p of f.partitions) session.partitions.delete(partitionKey(topicKey, p))
  }
  if (session.partitions.size === 0) {
    cache.remove(session.id)
    return { kind: 'full', items: [], session: undefined }
  }
  session.advanceEpoch()
  cache.touch(session, now)
  return { kind: 'incremental', items: sessionItems(session), session }
}

function buildResponse(
  ctx: Context & { kind: 'full' | 'incremental' },
  read: ReadAll,
  byId: boolean,
): FetchResponseInit {
  type TopicOut = FetchResponseFetchableTopicResponseInit & { partitions: PartitionDataOut[] }
  const responses: TopicOut[] = []
  const byTopic = new Map<string, TopicOut>()
  const session = ctx.session
  for (const r of read.partitions) {
    const key = r.item.sessionKey
    if (session !== undefined && key !== undefined) {
      const cached = session.partitions.get(key)
      const include =
        cached === undefined ||
        mustRespond(cached, {
          errorCode: r.data.errorCode,
          highWatermark: r.data.highWatermark,
          lastStableOffset: r.data.lastStableOffset,
          logStartOffset: r.data.logStartOffset,
          hasRecords: r.bytes > 0,
          diverging: r.diverging,
        })
      if (r.bytes > 0) session.moveToEnd(key)
      if (ctx.kind === 'incremental' && !include) continue
    }
    let topic = byTopic.get(r.item.topicKey)
    if (topic === undefined) {
      topic = {
        topic: byId ? '' : r.item.topicKey,
        topicId: byId ? r.item.topicKey : ZERO_UUID,
        partitions: [],
      }
      byTopic.set(r.item.topicKey, topic)
      responses.push(topic)
    }
    topic.partitions.push(r.data)
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: session?.id ?? INVALID_SESSION_ID,
    responses,
    nodeEndpoints: [],
  }
}

export function handleFetch(
  ctx: RequestContext,
  req: FetchRequest,
): Promise<FetchResponseInit> | FetchResponseInit {
  const s = ctx.services
  const v = ctx.apiVersion
  const byId = v >= 13
  const fc = newContext(sessionCache(s), req, v, ctx.clock.monotonic())
  if (fc.kind === 'error')
    return {
      throttleTimeMs: 0,
      errorCode: fc.errorCode,
      sessionId: INVALID_SESSION_ID,
      responses: [],
      nodeEndpoints: [],
    }

  // Disk reads go into pooled buffers, and memory reads hold their log blocks from reuse, until
  // the response is written (or never will be). Every view of them is in the response: the session cache keeps offsets, aborted transactions
  // come from the log's index, and a long poll's first read is dropped before the second.
  let lease: ReadLease | undefined
  if (ctx.afterResponseWritten !== undefined) {
    const l = (lease = new ReadLease(fetchReadBuffers))
    ctx.afterResponseWritten(() => l.release())
  }
  const settings: ReadSettings = {
    apiVersion: v,
    config: s.config,
    topics: s.topics,
    byTopicId: byId,
    isolationLevel: req.isolationLevel,
    maxBytes: Math.max(0, Math.min(req.maxBytes, s.config.number('fetch.max.bytes'))),
    logger: ctx.logger,
    lease,
  }
  const items = fc.items
  return readAll(items, settings).then((first) => {
    const waitMs = req.maxWaitMs - (ctx.clock.monotonic() - ctx.receivedAt)
    if (
      waitMs <= 0 ||
      items.length === 0 ||
      first.bytes >= req.minBytes ||
      first.anyError ||
      first.anyDiverging
    )
      return buildResponse(fc, first, byId)
    // Nothing of the first read is answered: its buffers can serve the second.
    lease?.release()
    return waitForData(ctx, first, req.minBytes, waitMs).then(() =>
      readAll(items, settings).then((again) => buildResponse(fc, again, byId)),
    )
  })
}

/** Resolves when appends to the fetched logs make minBytes available, or after `waitMs`. */
function waitForData(ctx: RequestContext, first: ReadAll, minBytes: number, waitMs: number): Promise<void> {
  // Appends that landed between the first read and now were neither read nor will be signalled:
  // answer at once rather than miss them.
  for (const p of first.partitions)
    if (
      p.log !== undefined &&
      p.data.errorCode === 0 &&
      (p.log.highWatermark() !== p.data.highWatermark || p.log.lastStableOffset() !== p.data.lastStableOffset)
    )
      return Promise.resolve()
  return new Promise<void>((resolve) => {
    const watched = new Map<PartitionLog, { size: number; added: number; cap: number }>()
    for (const p of first.partitions) {
      if (p.log === undefined) continue
      const w = watched.get(p.log)
      const cap = Math.max(0, p.item.maxBytes - p.bytes)
      if (w !== undefined) w.cap += cap
      else watched.set(p.log, { size: p.log.sizeInBytes(), added: 0, cap })
    }
    let available = first.bytes
    let done = false
    const unsubscribe: Array<() => void> = []
    const finish = (): void => {
      if (done) return
      done = true
      timer.cancel()
      for (const u of unsubscribe) u()
      resolve()
    }
    const wake = (log: PartitionLog): void => {
      const w = watched.get(log)
      if (w === undefined || done) return
      const size = log.sizeInBytes()
      const grown = Math.max(0, size - w.size)
      w.size = size
      const counted = Math.min(grown, w.cap - w.added)
      w.added += counted
      available += counted
      if (available >= minBytes) finish()
    }
    for (const log of watched.keys()) unsubscribe.push(onAppend(log, wake))
    // A fetched topic deleted meanwhile will never grow: answer now (Kafka's DelayedFetch does too).
    const names = new Set(first.partitions.map((p) => p.topicName))
    unsubscribe.push(
      ctx.services.topics.onChange((change) => {
        if (change.kind === 'deleted' && names.has(change.topic.name)) finish()
      }),
    )
    const timer = ctx.clock.setTimeout(finish, waitMs)
  })
}
