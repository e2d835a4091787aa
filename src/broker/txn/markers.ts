// Writing transaction markers (Kafka's TransactionMarkerChannelManager + WriteTxnMarkers, folded
// into one process): a COMMIT or ABORT control batch is appended to every partition of the
// transaction, the partition's producer state closes the transaction (moving its last stable
// offset), an ABORT is recorded in the partition's aborted-transactions index for read_committed
// fetches, and pending transactional offsets of the producer are committed or dropped by the group
// coordinator.

import { buildTxnMarkerBatch } from '../../protocol/records/control-record.ts'
import type { PartitionLog, TopicPartition } from '../../storage/log-store.ts'
import { signalAppend } from '../fetch/append-signal.ts'
import { LEADER_EPOCH } from '../metadata/topic-manager.ts'
import type { MarkerFlight, ProducerStateManager } from './producer-state.ts'

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets'

export interface MarkerRequest {
  producerId: bigint
  producerEpoch: number
  commit: boolean
  coordinatorEpoch: number
  partitions: readonly TopicPartition[]
}

export interface MarkerWriter {
  /** Resolves once every marker is appended and every side effect applied. */
  write(req: MarkerRequest): Promise<void>
}

/** The group coordinator's part in a transaction: its pending TxnOffsetCommit offsets. */
export interface TxnOffsetParticipant {
  completeTransaction(producerId: bigint, commit: boolean): Promise<void>
}

export interface LogMarkerWriterDeps {
  /** The log of a partition, or undefined when it no longer exists (deleted topic: skipped). */
  partition(topic: string, partition: number): PartitionLog | undefined
  producers: ProducerStateManager
  offsets: () => TxnOffsetParticipant | undefined
  now: () => number
}

export class LogMarkerWriter implements MarkerWriter {
  private readonly deps: LogMarkerWriterDeps

  constructor(deps: LogMarkerWriterDeps) {
    this.deps = deps
  }

  async write(req: MarkerRequest): Promise<void> {
    const { producers } = this.deps
    let offsetsInvolved = false
    await Promise.all(
      req.partitions.map(async (tp) => {
        if (tp.topic === CONSUMER_OFFSETS_TOPIC) offsetsInvolved = true
        const log = this.deps.partition(tp.topic, tp.partition)
        if (log === undefined) return
        const batch = buildTxnMarkerBatch({
          commit: req.commit,
          producerId: req.producerId,
          producerEpoch: req.producerEpoch,
          coordinatorEpoch: req.coordinatorEpoch,
          timestamp: BigInt(this.deps.now()),
        })
        const flight = producers.markerStarted(log)
        try {
          await this.append(log, req, batch, flight)
        } catch (err) {
          producers.markerFailed(log, flight)
          throw err
        }
      }),
    )
    if (offsetsInvolved) await this.deps.offsets()?.completeTransaction(req.producerId, req.commit)
  }

  private async append(
    log: PartitionLog,
    req: MarkerRequest,
    batch: Buffer,
    flight: MarkerFlight,
  ): Promise<void> {
    const { producers } = this.deps
    const r = await log.append(batch, { leaderEpoch: LEADER_EPOCH })
    // Read after the marker is in: a data batch of this transaction still being appended when
    // the marker was queued precedes it in the log and has been reported by now.
    const firstOffset = producers.openTxnFirstOffset(log, req.producerId)
    // The aborted range is indexed before the producer state releases the LSO, so no
    // read_committed fetch sees the LSO pass an abort it does not know about.
    // lastStableOffset is Kafka's AbortedTxn.lastStableOffset: the LSO once this one is closed.
    if (!req.commit && firstOffset !== undefined)
      await log.addAbortedTransaction({
        producerId: req.producerId,
        firstOffset,
        lastOffset: r.lastOffset,
        lastStableOffset: producers.stableOffsetWithout(log, req.producerId),
      })
    producers.markerAppended(log, req.producerId, req.producerEpoch, req.coordinatorEpoch, {
      flight,
      offset: r.baseOffset,
    })
    signalAppend(log)
  }
}
