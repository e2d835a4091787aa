// The transaction work as a broker component: creates __transaction_state, rebuilds every
// partition's producer state from its log, replays and recovers the transaction coordinator, and
// fills services.transactions (the Produce hook `producerState` among it). Settings come from the
// broker config under Kafka's names (transaction.*, transactional.id.*, producer.id.*).

import { ErrorCode, KafkaError } from '../../protocol/errors.ts'
import type { BrokerComponent } from '../components.ts'
import { offsetsPartitionFor } from '../group/records-codec.ts'
import type { RequestContext } from '../request-context.ts'
import type { BrokerServices } from '../services.ts'
import { TransactionCoordinator } from './coordinator.ts'
import { CONSUMER_OFFSETS_TOPIC, LogMarkerWriter, type TxnOffsetParticipant } from './markers.ts'
import { ProducerStateManager } from './producer-state.ts'
import { TopicTxnLog, TRANSACTION_STATE_TOPIC } from './txn-log.ts'

declare module '../services.ts' {
  interface TransactionCoordinatorSlot {
    readonly coordinator: TransactionCoordinator
    readonly producers: ProducerStateManager
  }
}

/** The running coordinator for a handler; COORDINATOR_NOT_AVAILABLE until it has started. */
export function txnCoordinator(ctx: RequestContext): TransactionCoordinator {
  const slot = ctx.services.transactions
  if (slot === undefined) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  return slot.coordinator
}

function offsetsParticipant(services: BrokerServices): TxnOffsetParticipant | undefined {
  return services.groups?.coordinator
}

/** The partition of __consumer_offsets that holds a group (as the group coordinator places it). */
export function groupOffsetsPartition(services: BrokerServices, groupId: string): number {
  const n =
    services.topics.get(CONSUMER_OFFSETS_TOPIC)?.partitions ??
    services.config.number('offsets.topic.num.partitions')
  return offsetsPartitionFor(groupId, n)
}

export const txnComponent: BrokerComponent = {
  name: 'transaction-coordinator',
  async start(services) {
    const c = services.config
    const logger = services.logger.child({ component: 'transaction-coordinator' })
    const clock = services.clock
    const producers = new ProducerStateManager({
      now: () => clock.now(),
      producerIdExpirationMs: c.number('producer.id.expiration.ms'),
      onError: (err, log) =>
        logger.warn(
          { err, topic: log.topicPartition.topic, partition: log.topicPartition.partition },
          'producer state snapshot or reload failed',
        ),
    })

    // Producer state first: the coordinator's recovery writes markers that update it.
    const loadStart = clock.monotonic()
    let fromSnapshot = 0
    let batchesScanned = 0
    let partitions = 0
    for (const tp of services.topics.allPartitions()) {
      const log = services.logs.get(tp)
      if (log === undefined) continue
      const r = await producers.load(log)
      partitions++
      if (r.snapshotOffset !== undefined) fromSnapshot++
      batchesScanned += r.batchesScanned
    }
    logger.info(
      { partitions, fromSnapshot, batchesScanned, ms: Math.round(clock.monotonic() - loadStart) },
      'producer state loaded',
    )

    services.topics.registerInternalTopic(TRANSACTION_STATE_TOPIC, () => ({
      partitions: c.number('transaction.state.log.num.partitions'),
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(c.number('transaction.state.log.segment.bytes')),
        'compression.type': 'uncompressed',
      },
    }))
    const topic = await services.topics.ensure(TRANSACTION_STATE_TOPIC)
    const logs = []
    for (let p = 0; p < topic.partitions; p++) {
      const log = services.topics.partition(TRANSACTION_STATE_TOPIC, p)
      if (log === undefined) throw new Error(`${TRANSACTION_STATE_TOPIC}-${p} is not open`)
      logs.push(log)
    }

    const coordinator = new TransactionCoordinator({
      clock,
      log: new TopicTxnLog(
        logs,
        () => clock.now(),
        () => services.features.transactionVersion,
      ),
      markers: new LogMarkerWriter({
        partition: (t, p) => services.topics.partition(t, p),
        producers,
        offsets: () => offsetsParticipant(services),
        now: () => clock.now(),
      }),
      config: {
        maxTimeoutMs: c.number('transaction.max.timeout.ms'),
        transactionalIdExpirationMs: c.number('transactional.id.expiration.ms'),
        abortTimedOutIntervalMs: c.number('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
        removeExpiredIntervalMs: c.number('transaction.remove.expired.transaction.cleanup.interval.ms'),
      },
      allocateProducerIds: (n) => services.metadata.allocateProducerIds(n),
      offsetsPartitionFor: (groupId) => groupOffsetsPartition(services, groupId),
      onError: (err) => logger.error({ err }, 'transaction coordinator background error'),
    })
    // transaction.partition.verification.enable (dynamic): off, transactions v1 batches are
    // appended unverified, as Kafka does; transactions v2 batches still add their partition.
    producers.verifier = (batch) =>
      c.boolean('transaction.partition.verification.enable') ? coordinator.verifyBatch(batch) : ErrorCode.NONE
    producers.implicitAdd = (batch) =>
      batch.transactionalId === null
        ? undefined
        : coordinator.addPartitionImplicitly(
            batch.transactionalId,
            batch.producerId,
            batch.producerEpoch,
            batch.topicPartition,
          )
    await coordinator.load()

    // producer.id.expiration.ms: idle producers leave every partition's state.
    const checkMs = c.number('producer.id.expiration.check.interval.ms')
    let timer = clock.setTimeout(function expire() {
      for (const tp of services.topics.allPartitions()) {
        const log = services.logs.get(tp)
        if (log !== undefined) producers.expire(log)
      }
      timer = clock.setTimeout(expire, checkMs)
    }, checkMs)

    services.transactions = {
      coordinator,
      producers,
      producerState: producers,
      close: () => coordinator.close(),
    }
    return {
      async close() {
        timer.cancel()
        services.transactions = undefined
        await coordinator.close()
        // Kafka snapshots producer state at the log end when a log closes cleanly, so the next
        // start reads the snapshot instead of scanning.
        const logs = []
        for (const tp of services.topics.allPartitions()) {
          const log = services.logs.get(tp)
          if (log !== undefined) logs.push(log)
        }
        await producers.snapshotAll(logs)
      },
    }
  },
}
