// Broker start-up time with large logs full of idempotent producers' batches: how long rebuilding
// producer state takes with a full scan of every batch header against loading Kafka-style
// snapshots. Not part of `npm run bench` (it writes ~1 GB); run by hand:
//
//   node bench/producer-state-startup.ts generate DIR [--mb 800] [--partitions 4] [--producers 1000]
//                                                     [--crash]
//   node bench/producer-state-startup.ts start DIR [--drop-snapshots] [--runs 3]
//
// --drop-snapshots deletes every .snapshot file before each run (the full scan every time).
//
// `--src ROOT` runs another checkout's broker (ROOT/src/index.ts), e.g. one from before snapshots
// existed. `generate` appends straight to the partition logs, passing each batch through the
// producer-state hook as Produce does (so roll snapshots describe what was written). With
// --crash it flushes the logs and exits without closing the broker: the next start is an unclean
// one, with only the roll snapshots to start from.
// `start` prints the wall time of startBroker() and, when the broker logs it, the producer-state
// load line; each run closes the broker cleanly (which writes snapshots on checkouts that do).

import { readdirSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'

const argv = process.argv.slice(2)
const [command, dirArg] = argv
const flag = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : fallback
}
const srcAt = argv.indexOf('--src')
const root = resolve(srcAt >= 0 ? argv[srcAt + 1]! : join(import.meta.dirname, '..'))
if ((command !== 'generate' && command !== 'start') || dirArg === undefined) {
  console.error('usage: producer-state-startup.ts generate|start DIR [options]')
  process.exit(2)
}
const dir = resolve(dirArg)
const TOPIC = 'pstate'

interface Guard {
  check(log: unknown, batch: object): { kind: string }
  appended(log: unknown, batch: object, result: unknown): void
}
interface BrokerLike {
  port: number
  close(): Promise<void>
  services: {
    topics: {
      partition(t: string, p: number): { append(b: Buffer, o: { leaderEpoch: number }): Promise<unknown> }
    }
    logs: { flush(): Promise<void> }
    transactions?: { producerState?: Guard; producers?: { snapshotsWritten?: () => Promise<void> } }
  }
}
const { startBroker } = (await import(pathToFileURL(join(root, 'src/index.ts')).href)) as {
  startBroker: (o: object) => Promise<BrokerLike>
}
const { buildRecordBatch } = (await import(
  pathToFileURL(join(root, 'src/protocol/records/batch-builder.ts')).href
)) as { buildRecordBatch: (input: object) => Buffer }
const { createLogger } = (await import(pathToFileURL(join(root, 'src/broker/logger.ts')).href)) as {
  createLogger: (o: object) => unknown
}

function du(path: string): number {
  let n = 0
  for (const e of readdirSync(path, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name.endsWith('.log')) n += statSync(join(e.parentPath, e.name)).size
  return n
}

if (command === 'generate') {
  const partitions = flag('partitions', 4)
  const producers = flag('producers', 1000)
  const targetBytes = flag('mb', 800) * 1024 * 1024
  const broker = await startBroker({
    port: 0,
    memory: false,
    dataDir: dir,
    logger: createLogger({ level: 'silent' }),
  })
  const { Kafka, logLevel } = await import('kafkajs')
  const admin = new Kafka({ brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({
    topics: [
      {
        topic: TOPIC,
        numPartitions: partitions,
        configEntries: [{ name: 'segment.bytes', value: String(128 << 20) }],
      },
    ],
    waitForLeaders: true,
  })
  await admin.disconnect()
  const value = Buffer.alloc(100, 120)
  const guard = broker.services.transactions?.producerState
  const t0 = performance.now()
  let batches = 0
  await Promise.all(
    Array.from({ length: partitions }, async (_, p) => {
      const log = broker.services.topics.partition(TOPIC, p)
      const seq = new Array<number>(producers).fill(0)
      let written = 0
      for (let i = 0; written < targetBytes / partitions; i++) {
        const k = i % producers
        const batch = buildRecordBatch({
          producerId: BigInt(1000 + k),
          producerEpoch: 0,
          baseSequence: seq[k],
          records: Array.from({ length: 10 }, () => ({ value })),
        })
        const hooked = {
          topicPartition: { topic: TOPIC, partition: p },
          transactionalId: null,
          producerId: BigInt(1000 + k),
          producerEpoch: 0,
          baseSequence: seq[k],
          recordsCount: 10,
          transactional: false,
        }
        seq[k]! += 10
        if (guard !== undefined && guard.check(log, hooked).kind !== 'append') throw new Error('not appended')
        const result = await log.append(batch, { leaderEpoch: 0 })
        guard?.appended(log, hooked, result)
        written += batch.length
        batches++
      }
    }),
  )
  const crash = argv.includes('--crash')
  if (crash) {
    await broker.services.transactions?.producers?.snapshotsWritten?.()
    await broker.services.logs.flush()
  } else await broker.close()
  console.log(
    `generated ${batches} batches from ${producers} producers on ${partitions} partitions: ` +
      `${(du(dir) / 1048576).toFixed(0)} MiB of segments in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
      (crash ? ' (then exited without closing the broker)' : ''),
  )
  if (crash) process.exit(0)
} else {
  const runs = flag('runs', 3)
  for (let run = 1; run <= runs; run++) {
    if (argv.includes('--drop-snapshots'))
      for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
        if (e.isFile() && e.name.endsWith('.snapshot')) rmSync(join(e.parentPath, e.name))
    const lines: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((l) => l.includes('producer state loaded')),
        )
        done()
      },
    })
    const t0 = performance.now()
    const broker = await startBroker({
      port: 0,
      memory: false,
      dataDir: dir,
      logger: createLogger({ level: 'info', destination }),
    })
    const ms = performance.now() - t0
    const loaded = lines[0] !== undefined ? (JSON.parse(lines[0]) as Record<string, unknown>) : undefined
    const producersKnown = (
      broker.services as unknown as {
        transactions?: { producers: { describe(log: unknown): unknown[] } }
      }
    ).transactions?.producers.describe(broker.services.topics.partition(TOPIC, 0)).length
    await broker.close()
    console.log(
      `run ${run}: startBroker ${ms.toFixed(0)} ms` +
        (loaded !== undefined
          ? `; producer state ${String(loaded.ms)} ms (${String(loaded.fromSnapshot)}/${String(loaded.partitions)} partitions from a snapshot, ${String(loaded.batchesScanned)} batches scanned)`
          : '') +
        `; producers known on ${TOPIC}-0: ${String(producersKnown)}`,
    )
  }
}
