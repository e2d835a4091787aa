// Test harness for the data-path handlers: real services over the in-memory LogStore and
// MetadataStore, a ManualClock for long polls, and a `call` that goes through the generated codec
// both ways (request encoded and decoded at the version, response encoded and decoded back), so a
// handler answer that cannot be encoded at its version fails the test.

import { ManualClock } from '../../../src/broker/clock.ts'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { FeatureLevels } from '../../../src/broker/features.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { TopicManager } from '../../../src/broker/metadata/topic-manager.ts'
import {
  CloseConnection,
  NO_RESPONSE,
  type ApiKeyNumber,
  type Handler,
  type RequestOf,
  type ResponseOf,
} from '../../../src/broker/registry.ts'
import type { ConnectionInfo, RequestContext } from '../../../src/broker/request-context.ts'
import type { BrokerServices } from '../../../src/broker/services.ts'
import { CODEC_BY_KEY } from '../../../src/protocol/generated/index.ts'
import { Reader } from '../../../src/protocol/primitives/reader.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { buildRecordBatch, type BatchInput } from '../../../src/protocol/records/batch-builder.ts'
import { createMemoryMetadataStore } from '../../../src/storage/metadata/index.ts'
import { createMemoryLogStore } from '../../../src/storage/memory/index.ts'

/** The connection a request handled outside a server appears to come from. */
export const TEST_CONNECTION: ConnectionInfo = {
  id: 1,
  remoteAddress: '127.0.0.1',
  remotePort: 1,
  listener: undefined as never,
  principal: 'User:ANONYMOUS',
  auth: { kind: 'none' },
}

export interface Harness {
  services: BrokerServices
  clock: ManualClock
  createTopic(name: string, partitions?: number, configs?: Record<string, string>): Promise<string>
  call<K extends ApiKeyNumber>(
    handler: Handler<K>,
    version: number,
    req: object,
    clientId?: string,
  ): Promise<ResponseOf<K> | typeof NO_RESPONSE>
  /** Starts a call without awaiting it (long polls). */
  start<K extends ApiKeyNumber>(
    handler: Handler<K>,
    version: number,
    req: object,
  ): Promise<ResponseOf<K> | typeof NO_RESPONSE>
}

/** What `call` rejects with when the handler closed the connection (CloseConnection). */
export class ConnectionClosed extends Error {
  override name = 'ConnectionClosed'
}

export async function harness(brokerConfig: Record<string, string> = {}): Promise<Harness> {
  const clock = new ManualClock(Date.now())
  const config = new BrokerConfig(new Map(Object.entries(brokerConfig)))
  const logger = silentLogger()
  const metadata = createMemoryMetadataStore()
  const logs = createMemoryLogStore({ now: () => clock.now() })
  const topics = new TopicManager({ metadata, logs, config, logger })
  await topics.start()
  const services: BrokerServices = {
    config,
    nodeId: 1,
    clusterId: metadata.clusterId,
    metadata,
    logs,
    topics,
    clock,
    logger,
    listeners: [],
    apiVersions: [],
    features: FeatureLevels.fromConfig(config, clock.now()),
    groups: undefined,
    transactions: undefined,
  }
  let correlationId = 0
  const invoke = <K extends ApiKeyNumber>(
    handler: Handler<K>,
    version: number,
    req: object,
    clientId = 'test-client',
  ): Promise<ResponseOf<K> | typeof NO_RESPONSE> => {
    const codec = CODEC_BY_KEY[handler.apiKey]!
    const w = new Writer()
    codec.encodeRequest(w, version, req)
    const decoded = codec.decodeRequest(new Reader(w.toBuffer()), version) as RequestOf<K>
    const ctx: RequestContext = {
      services,
      connection: TEST_CONNECTION,
      apiKey: handler.apiKey,
      apiVersion: version,
      correlationId: ++correlationId,
      clientId,
      frameBytes: w.length,
      receivedAt: clock.monotonic(),
      clock,
      logger,
    }
    // Called synchronously, as the dispatcher does (arrival order is append order).
    let result
    try {
      result = handler.handle(ctx, decoded)
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
    // A handler that closes the connection answers nothing: the call rejects with ConnectionClosed.
    return Promise.resolve(result).then((res): ResponseOf<K> | typeof NO_RESPONSE => {
      if (res instanceof CloseConnection) throw new ConnectionClosed(res.reason)
      if (res === NO_RESPONSE) return NO_RESPONSE
      const out = new Writer()
      codec.encodeResponse(out, version, res)
      return codec.decodeResponse(new Reader(out.toBuffer()), version) as ResponseOf<K>
    })
  }
  return {
    services,
    clock,
    async createTopic(name, partitions = 1, configs = {}) {
      const t = await topics.create(name, { partitions, replicationFactor: 1, configs })
      return t.topicId
    },
    call: invoke,
    start: invoke,
  }
}

/** A producer's batch as a client would send it (baseOffset 0, CreateTime, now). */
export function batch(
  values: Array<string | { key?: string | null; value: string | null; timestamp?: bigint }>,
  extra: Partial<BatchInput> = {},
): Buffer {
  return buildRecordBatch({
    records: values.map((v) =>
      typeof v === 'string'
        ? { key: null, value: Buffer.from(v) }
        : {
            key: v.key == null ? null : Buffer.from(v.key),
            value: v.value === null ? null : Buffer.from(v.value),
            ...(v.timestamp !== undefined ? { timestamp: v.timestamp } : {}),
          },
    ),
    ...extra,
  })
}

/** Lets promise continuations run (no time passes on the ManualClock). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r))
}
