// Fetch for tools: one request per partition leader, records decoded into plain objects.
//
// A fetch answer may end in a partial batch (cut at the byte limit): it is ignored and fetched
// again from its start next time. Control batches (transaction markers) are skipped, and records
// below the requested offset are dropped (a compressed batch is returned whole even when the
// position is in its middle). Fetch v13+ names topics by id: the request carries name and id.
// read_committed drops the records of aborted transactions as Kafka's consumer does: the broker
// stops at the last stable offset and lists the aborted transactions (producer id, first offset);
// a transactional batch of such a producer at or after that first offset is skipped until the
// producer's ABORT marker.

import {
  isControl,
  isTransactional,
  LOG_OVERHEAD,
  OFF_BATCH_LENGTH,
} from '../protocol/records/batch-header.ts'
import { ControlType, decodeControlKey } from '../protocol/records/control-record.ts'
import { openBatch, recordTimestamp } from '../protocol/records/records.ts'
import type { Client, TopicInfo } from './client.ts'
import { BrokerError } from './errors.ts'

export interface FetchedRecord {
  topic: string
  partition: number
  offset: bigint
  timestamp: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Array<{ key: string; value: Buffer | null }>
}

export interface PartitionFetch {
  partition: number
  records: FetchedRecord[]
  highWatermark: bigint
  /** Where to fetch next. */
  nextOffset: bigint
}

export interface FetchOptions {
  maxWaitMs: number
  minBytes?: number
  maxBytes?: number
  partitionMaxBytes?: number
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel?: 0 | 1
}

export async function fetchPartitions(
  client: Client,
  topic: TopicInfo,
  positions: ReadonlyMap<number, bigint>,
  options: FetchOptions,
): Promise<PartitionFetch[]> {
  const byLeader = new Map<number, number[]>()
  for (const p of positions.keys()) {
    const leader = topic.partitions.find((x) => x.partition === p)?.leader ?? -1
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), p])
  }
  const out: PartitionFetch[] = []
  await Promise.all(
    [...byLeader.values()].map(async (ps) => {
      const conn = await client.leader(topic, ps[0]!)
      const { body } = await conn.send('Fetch', (v) => ({
        replicaId: -1,
        maxWaitMs: options.maxWaitMs,
        minBytes: options.minBytes ?? 1,
        maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
        isolationLevel: options.isolationLevel ?? 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            ...(v >= 13 ? { topicId: topic.topicId } : { topic: topic.name }),
            partitions: ps.map((p) => ({
              partition: p,
              fetchOffset: positions.get(p)!,
              currentLeaderEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      }))
      if (body.errorCode !== 0) throw new BrokerError(body.errorCode, `fetching from ${topic.name}`)
      for (const t of body.responses)
        for (const pd of t.partitions) {
          if (pd.errorCode !== 0)
            throw new BrokerError(pd.errorCode, `fetching from ${topic.name}-${pd.partitionIndex}`)
          const from = positions.get(pd.partitionIndex) ?? 0n
          const aborted = options.isolationLevel === 1 ? (pd.abortedTransactions ?? []) : []
          const { records, next } = decodeRecordSet(topic.name, pd.partitionIndex, pd.records, from, aborted)
          out.push({
            partition: pd.partitionIndex,
            records,
            highWatermark: pd.highWatermark,
            nextOffset: next,
          })
        }
    }),
  )
  return out.sort((a, b) => a.partition - b.partition)
}

/** Decodes the complete batches of a fetched record set. */
export function decodeRecordSet(
  topic: string,
  partition: number,
  buf: Buffer | null,
  from: bigint,
  abortedTransactions: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }> = [],
): { records: FetchedRecord[]; next: bigint } {
  const records: FetchedRecord[] = []
  let next = from
  if (buf === null) return { records, next }
  const pendingAborts = [...abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1))
  const abortedProducers = new Set<bigint>()
  let pos = 0
  while (buf.length - pos >= LOG_OVERHEAD) {
    const size = LOG_OVERHEAD + buf.readInt32BE(pos + OFF_BATCH_LENGTH)
    if (size <= LOG_OVERHEAD || pos + size > buf.length) break
    const { header, cursor } = openBatch(buf, pos)
    pos += size
    const last = header.baseOffset + BigInt(header.lastOffsetDelta)
    if (last >= next) next = last + 1n
    while (pendingAborts.length > 0 && pendingAborts[0]!.firstOffset <= last)
      abortedProducers.add(pendingAborts.shift()!.producerId)
    if (isControl(header.attributes)) {
      if (cursor.next() && decodeControlKey(cursor.key()).type === ControlType.Abort)
        abortedProducers.delete(header.producerId)
      continue
    }
    if (isTransactional(header.attributes) && abortedProducers.has(header.producerId)) continue
    while (cursor.next()) {
      const offset = header.baseOffset + BigInt(cursor.offsetDelta)
      if (offset < from) continue
      records.push({
        topic,
        partition,
        offset,
        timestamp: recordTimestamp(header, cursor.timestampDelta),
        key: cursor.key(),
        value: cursor.value(),
        headers: cursor.headers(),
      })
    }
  }
  return { records, next }
}
