// The broker process: configuration, stores, topic manager, handler registry, components and TCP
// listeners, started in that order and stopped in reverse.
//
// Start: load config → open the metadata store (cluster id) and the log store → apply persisted
// dynamic broker configs → topic manager opens every partition log → registry (fails on bad
// handlers) → components (coordinators) → bind listeners → schedule log maintenance.
// Stop (close(), SIGINT/SIGTERM in the CLI): stop accepting → every connection stops reading and
// finishes its in-flight requests (bounded by shutdownTimeoutMs, then dropped) → components close
// → logs flushed and closed → metadata store closed.

import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { decompress } from '../protocol/compression/codecs.ts'
import type { LogStore } from '../storage/log-store.ts'
import type { BrokerConfig } from './config/broker-config.ts'
import { openDiskLogStore } from '../storage/log/disk-log-store.ts'
import { createMemoryLogStore } from '../storage/memory/index.ts'
import type { MetadataStore } from '../storage/metadata-store.ts'
import { createMemoryMetadataStore, openMetadataStore } from '../storage/metadata/index.ts'
import { systemClock, type Clock } from './clock.ts'
import { COMPONENTS, type BrokerComponent, type RunningComponent } from './components.ts'
import { listenerSettingsOf, resolveListeners, type Listener } from './config/listeners.ts'
import { loadConfig } from './config/load.ts'
import { Connection, DEFAULT_PENDING_BYTES_LIMIT } from './connection.ts'
import { Dispatcher } from './dispatch.ts'
import { HANDLERS } from './handlers/index.ts'
import { FeatureLevels } from './features.ts'
import { IdleSweeper } from './idle-sweeper.ts'
import { createLogger, type Logger, type LoggerOptions } from './logger.ts'
import { MemoryBudget } from './memory-budget.ts'
import { TopicManager } from './metadata/topic-manager.ts'
import { Registry, type AnyHandler } from './registry.ts'
import type { BrokerServices } from './services.ts'

/** queued.max.request.bytes = -1 (Kafka: unbounded) becomes this budget. */
export const DEFAULT_GLOBAL_REQUEST_BYTES = 256 * 1024 * 1024
/** Largest compressed batch expansion accepted when the log decompresses for timestamp lookups. */
const MAX_DECOMPRESSED_BATCH_BYTES = 256 * 1024 * 1024
/** Subdirectory of the log dir holding the metadata journal (not a partition directory name). */
export const METADATA_DIR_NAME = '__samsa_metadata'

export interface BrokerOptions {
  /** Broker properties under Kafka's names, e.g. `{ 'num.partitions': 3 }`. */
  config?: Readonly<Record<string, string | number | boolean>>
  /** A server.properties file. */
  configFile?: string
  /** `key=value` overrides, applied last. */
  overrides?: readonly string[]
  /** Environment to read KAFKA_* and KAFKA_CFG_* variables from (the CLI passes process.env). */
  env?: Readonly<Record<string, string | undefined>>
  /** Listen on 127.0.0.1 (or `host`) at this port, 0 = ephemeral; ignored when `listeners` is set. */
  port?: number
  host?: string
  /** Keep logs and metadata in memory. Default: true unless `dataDir`, log.dirs or log.dir is set. */
  memory?: boolean
  /** Data directory (log.dirs) for the disk store. */
  dataDir?: string
  /** Data directory when neither `dataDir` nor log.dirs/log.dir is set (the CLI: ./data). */
  defaultDataDir?: string
  logger?: Logger
  /** Used when no `logger` is given. */
  log?: LoggerOptions
  clock?: Clock
  /** Test hooks: replace the handler list, the component list or the stores. */
  handlers?: readonly AnyHandler[]
  components?: readonly BrokerComponent[]
  logStore?: LogStore
  metadataStore?: MetadataStore
  /** Bytes held for one client before reading from it pauses (default 16 MiB). */
  pendingBytesLimit?: number
  /** How long close() waits for in-flight requests before dropping connections (default 5 s). */
  shutdownTimeoutMs?: number
}

export interface RunningBroker {
  /** `host:port` of the first listener's advertised endpoint. */
  readonly bootstrap: string
  readonly host: string
  readonly port: number
  readonly listeners: readonly Listener[]
  readonly clusterId: string
  readonly nodeId: number
  readonly services: BrokerServices
  /** Configuration warnings found at start (accepted-but-ignored and unknown env properties). */
  readonly warnings: readonly string[]
  /** 'memory', or the data directory. */
  readonly storage: string
  /** Open connections and the request bytes charged to the queued.max.request.bytes budget. */
  stats(): { connections: number; requestBytes: number }
  close(): Promise<void>
}

function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen({ host, port }, () => {
      server.off('error', onError)
      const addr = server.address()
      resolve(typeof addr === 'object' && addr !== null ? addr.port : port)
    })
  })
}

async function openStores(
  options: BrokerOptions,
  config: BrokerConfig,
  dir: string | undefined,
  logger: Logger,
): Promise<{ logs: LogStore; metadata: MetadataStore }> {
  const decompressor = (codec: number, data: Buffer): Buffer =>
    decompress(codec, data, MAX_DECOMPRESSED_BATCH_BYTES)
  // Compaction (cleanup.policy=compact) runs from the store's maintain(), one log per round.
  const cleaner = {
    enabled: config.boolean('log.cleaner.enable'),
    dedupeBufferBytes: config.number('log.cleaner.dedupe.buffer.size'),
  }
  if (dir === undefined) {
    return {
      logs: options.logStore ?? createMemoryLogStore({ decompress: decompressor, cleaner }),
      metadata: options.metadataStore ?? createMemoryMetadataStore(),
    }
  }
  const metadata = options.metadataStore ?? (await openMetadataStore(join(dir, METADATA_DIR_NAME)))
  if (options.logStore !== undefined) return { logs: options.logStore, metadata }
  try {
    const logs = await openDiskLogStore(dir, {
      decompress: decompressor,
      cleaner,
      onCleaned: (round) =>
        logger.info(
          {
            partition: round.key,
            cleanedTo: round.result.cleanedTo,
            segments: round.result.segmentsRewritten,
            recordsRemoved: round.result.recordsRemoved,
          },
          'log compacted',
        ),
      onRecovered: (tp, recovered) =>
        logger.info({ topic: tp.topic, partition: tp.partition, recovered }, 'log recovered'),
    })
    return { logs, metadata }
  } catch (err) {
    await metadata.close().catch(() => undefined)
    throw err
  }
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const properties: Record<string, string | number | boolean> = {}
  if (options.port !== undefined || options.host !== undefined)
    properties.listeners = `PLAINTEXT://${options.host ?? '127.0.0.1'}:${options.port ?? 9092}`
  if (options.dataDir !== undefined) properties['log.dirs'] = options.dataDir
  Object.assign(properties, options.config ?? {})
  const { config, warnings } = loadConfig({
    file: options.configFile,
    env: options.env,
    properties,
    overrides: options.overrides,
  })
  const logger = options.logger ?? createLogger(options.log)
  for (const w of warnings) logger.warn(w)
  const clock = options.clock ?? systemClock
  const dirConfigured = config.isSet('log.dirs') || config.isSet('log.dir')
  const memory = options.memory ?? (!dirConfigured && options.defaultDataDir === undefined)
  const dir = memory ? undefined : dirConfigured ? config.logDir : (options.defaultDataDir ?? config.logDir)

  const listenerSpecs = resolveListeners(listenerSettingsOf(config))

  const { logs, metadata } = await openStores(options, config, dir, logger)
  const cleanups: Array<() => Promise<void>> = [() => metadata.close(), () => logs.close()]
  const servers: Server[] = []
  const connections = new Set<Connection>()
  let maintenanceTimer: NodeJS.Timeout | undefined
  let closing: Promise<void> | undefined

  const shutdown = async (): Promise<void> => {
    if (maintenanceTimer !== undefined) clearInterval(maintenanceTimer)
    // Stop accepting now; close() reports only once every connection is gone, awaited below.
    const stopped = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    const timeoutMs = options.shutdownTimeoutMs ?? 5000
    const graceful = Promise.all([...connections].map((c) => c.close('broker shutting down')))
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    if ((await Promise.race([graceful, timedOut])) === 'timeout') {
      logger.warn(
        { connections: connections.size },
        'in-flight requests did not finish in time; dropping connections',
      )
      for (const c of connections) c.destroy('shutdown timeout')
    }
    clearTimeout(timer)
    await stopped
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (err) {
        logger.error({ err }, 'error during shutdown')
      }
    }
    logger.info('broker stopped')
  }

  try {
    config.setDynamic(metadata.brokerConfigs())
    const topics = new TopicManager({ metadata, logs, config, logger: logger.child({ component: 'topics' }) })
    await topics.start()
    cleanups.push(() => logs.flush())

    const registry = new Registry(options.handlers ?? HANDLERS)
    const listeners: Listener[] = []
    const services: BrokerServices = {
      config,
      nodeId: config.nodeId,
      clusterId: metadata.clusterId,
      metadata,
      logs,
      dataDir: dir,
      topics,
      clock,
      logger,
      listeners,
      apiVersions: registry.apiVersions(),
      features: FeatureLevels.load(config, metadata.featureLevels(), clock.now()),
      groups: undefined,
      transactions: undefined,
    }

    for (const component of options.components ?? COMPONENTS) {
      const running: RunningComponent = await component.start(services)
      cleanups.push(() => running.close())
      logger.debug({ component: component.name }, 'component started')
    }

    const dispatcher = new Dispatcher(registry, services)
    const queued = config.number('queued.max.request.bytes')
    const memoryBudget = new MemoryBudget(queued > 0 ? queued : DEFAULT_GLOBAL_REQUEST_BYTES)
    const limits = {
      maxFrameBytes: config.number('socket.request.max.bytes'),
      idleMs: config.number('connections.max.idle.ms'),
      pendingBytesLimit: options.pendingBytesLimit ?? DEFAULT_PENDING_BYTES_LIMIT,
    }
    let nextConnectionId = 1
    const idleSweeper = new IdleSweeper(limits.idleMs, clock)
    cleanups.push(() => Promise.resolve(idleSweeper.close()))

    for (const spec of listenerSpecs) {
      const server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true })
      const listenerRef: { current: Listener | undefined } = { current: undefined }
      server.on('connection', (socket: Socket) => {
        const listener = listenerRef.current
        if (listener === undefined || closing !== undefined) {
          socket.destroy()
          return
        }
        const id = nextConnectionId++
        const connLogger = logger.child({ conn: id })
        connLogger.info(
          { remote: `${socket.remoteAddress}:${socket.remotePort}`, listener: listener.name },
          'connection accepted',
        )
        const conn = new Connection(
          socket,
          {
            id,
            remoteAddress: socket.remoteAddress ?? '',
            remotePort: socket.remotePort ?? 0,
            listener,
            principal: 'User:ANONYMOUS',
            auth: { kind: 'none' },
          },
          dispatcher,
          limits,
          memoryBudget,
          connLogger,
          clock,
        )
        connections.add(conn)
        idleSweeper.add(conn)
        socket.once('close', () => {
          connections.delete(conn)
          idleSweeper.delete(conn)
        })
      })
      server.on('error', (err) => logger.error({ err, listener: spec.name }, 'listener error'))
      servers.push(server)
      const port = await listenOn(server, spec.bindHost, spec.port)
      const listener: Listener = {
        name: spec.name,
        securityProtocol: spec.securityProtocol,
        host: spec.bindHost,
        port,
        advertisedHost: spec.advertisedHost,
        advertisedPort: spec.advertisedPort === -1 ? port : spec.advertisedPort,
      }
      listenerRef.current = listener
      listeners.push(listener)
    }

    const checkMs = config.number('log.retention.check.interval.ms')
    let maintaining = false
    maintenanceTimer = setInterval(
      () => {
        if (maintaining) return
        maintaining = true
        logs
          .maintain(clock.now())
          .catch((err: unknown) => logger.error({ err }, 'log maintenance failed'))
          .finally(() => {
            maintaining = false
          })
      },
      Math.min(checkMs, 0x7fffffff),
    )
    maintenanceTimer.unref()

    const first = listeners[0]!
    logger.info(
      {
        nodeId: services.nodeId,
        clusterId: services.clusterId,
        listeners: listeners.map((l) => `${l.name}://${l.host}:${l.port}`),
        storage: dir ?? 'memory',
      },
      'broker started',
    )
    return {
      bootstrap: `${first.advertisedHost}:${first.advertisedPort}`,
      host: first.advertisedHost,
      port: first.port,
      listeners,
      clusterId: services.clusterId,
      nodeId: services.nodeId,
      services,
      warnings,
      storage: dir ?? 'memory',
      stats: () => ({ connections: connections.size, requestBytes: memoryBudget.usedBytes }),
      close: () => (closing ??= shutdown()),
    }
  } catch (err) {
    closing = shutdown()
    await closing
    throw err
  }
}
