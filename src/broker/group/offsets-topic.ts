// The group coordinator's log on the internal, compacted topic __consumer_offsets, as Kafka keeps it.
//
// Layout: offsets.topic.num.partitions partitions (default 1 here, Kafka 50: one node has nothing
// to spread, and every partition is a log directory opened at start); a group's records all go to
// partition abs(javaHashCode(groupId)) % partitions, so they stay in order. Each append is one
// uncompressed RecordBatch v2 per partition, built with the record batch builder, keys and values
// in Kafka's formats (records-codec.ts), tombstones as null values. cleanup.policy=compact keeps
// the latest value per key. Kafka tools that read this topic (kafka-console-consumer with the
// offsets formatter) see what they would on Kafka.
//
// Transactional offset commits (TxnOffsetCommit) go in a transactional batch of their producer
// (producer id/epoch, transactional bit, sequence -1), as in Kafka; the transaction coordinator
// later writes a COMMIT or ABORT control batch of the same producer into the partition.
//
// Replay reads every partition from its log start offset to its end. Records of transactional
// batches are replayed with their producer id (pending); a control batch reports the end of its
// producer's transaction through onTxnEnd.

import { buildRecordBatch } from '../../protocol/records/batch-builder.ts'
import {
  isControl,
  isTransactional,
  readBatchHeader,
  scanBatches,
} from '../../protocol/records/batch-header.ts'
import { ControlType, decodeControlKey } from '../../protocol/records/control-record.ts'
import { readRecords } from '../../protocol/records/records.ts'
import type { PartitionLog } from '../../storage/log-store.ts'
import type { Clock } from '../clock.ts'
import { LEADER_EPOCH, type TopicManager } from '../metadata/topic-manager.ts'
import type { GroupLog } from './group-log.ts'
import { decodeGroupRecord, encodeGroupRecord, offsetsPartitionFor } from './records-codec.ts'
import type { GroupRecord } from './records.ts'

export const OFFSETS_TOPIC = '__consumer_offsets'
const READ_CHUNK_BYTES = 1024 * 1024

export class OffsetsTopicLog implements GroupLog {
  private readonly topics: TopicManager
  private readonly clock: Clock
  private partitions = 0
  private readonly onSkip: (err: unknown) => void

  constructor(topics: TopicManager, clock: Clock, onSkip: (err: unknown) => void = () => {}) {
    this.topics = topics
    this.clock = clock
    this.onSkip = onSkip
  }

  /** Creates the topic if needed; an existing topic keeps its partition count (as in Kafka). */
  async init(numPartitions: number, segmentBytes: number): Promise<void> {
    this.topics.registerInternalTopic(OFFSETS_TOPIC, () => ({
      partitions: numPartitions,
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(segmentBytes),
        'compression.type': 'producer',
      },
    }))
    const t = await this.topics.ensure(OFFSETS_TOPIC)
    this.partitions = t.partitions
  }

  private log(partition: number): PartitionLog {
    const log = this.topics.partition(OFFSETS_TOPIC, partition)
    if (log === undefined) throw new Error(`${OFFSETS_TOPIC}-${partition} is not open`)
    return log
  }

  async append(records: readonly GroupRecord[]): Promise<void> {
    const byPartition = new Map<number, GroupRecord[]>()
    for (const r of records) {
      const p = offsetsPartitionFor(r.groupId, this.partitions)
      const list = byPartition.get(p)
      if (list === undefined) byPartition.set(p, [r])
      else list.push(r)
    }
    const now = BigInt(this.clock.now())
    await Promise.all(
      [...byPartition].map(([p, list]) => {
        // Consecutive records of one producer (or of none) share a batch; order is kept.
        const batches: Buffer[] = []
        let run: GroupRecord[] = []
        const producerOf = (r: GroupRecord): bigint | undefined =>
          r.type === 'offset' ? r.producerId : undefined
        const close = (): void => {
          if (run.length === 0) return
          const first = run[0]!
          const producerId = producerOf(first)
          batches.push(
            buildRecordBatch({
              records: run.map((r) => ({ ...encodeGroupRecord(r), timestamp: now })),
              partitionLeaderEpoch: LEADER_EPOCH,
              ...(producerId === undefined || first.type !== 'offset'
                ? {}
                : {
                    transactional: true,
                    producerId,
                    producerEpoch: first.producerEpoch ?? 0,
                    baseSequence: -1,
                  }),
            }),
          )
          run = []
        }
        for (const r of list) {
          if (run.length > 0 && producerOf(run[0]!) !== producerOf(r)) close()
          run.push(r)
        }
        close()
        return this.log(p).append(batches.length === 1 ? batches[0]! : Buffer.concat(batches), {
          leaderEpoch: LEADER_EPOCH,
        })
      }),
    )
  }

  async replay(
    apply: (record: GroupRecord) => void,
    onTxnEnd?: (producerId: bigint, commit: boolean) => void,
  ): Promise<void> {
    for (let p = 0; p < this.partitions; p++) {
      const log = this.log(p)
      let offset = log.logStartOffset()
      const end = log.logEndOffset()
      while (offset < end) {
        const res = await log.read(offset, READ_CHUNK_BYTES, { maxOffset: end })
        if (res.records.length === 0) break
        for (const chunk of res.records) {
          scanBatches(chunk, 0, chunk.length, false, (pos) => {
            const h = readBatchHeader(chunk, pos)
            const last = h.baseOffset + BigInt(h.lastOffsetDelta)
            if (last >= offset) offset = last + 1n
            if (isControl(h.attributes)) {
              if (h.producerId < 0n || onTxnEnd === undefined) return
              try {
                const type = decodeControlKey(readRecords(chunk, pos)[0]?.key ?? null).type
                if (type === ControlType.Commit || type === ControlType.Abort)
                  onTxnEnd(h.producerId, type === ControlType.Commit)
              } catch (err) {
                this.onSkip(err)
              }
              return
            }
            const txn = isTransactional(h.attributes) && h.producerId >= 0n
            for (const rec of readRecords(chunk, pos)) {
              if (rec.key === null) continue
              try {
                const r = decodeGroupRecord(rec.key, rec.value)
                if (r !== undefined && txn && r.type === 'offset')
                  apply({ ...r, producerId: h.producerId, producerEpoch: h.producerEpoch })
                else if (r !== undefined) apply(r)
              } catch (err) {
                // One undecodable record must not keep every other group from loading.
                this.onSkip(err)
              }
            }
          })
        }
      }
    }
  }
}
