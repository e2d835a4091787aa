// A small Kafka client over our codec, for the CLI tools and tests: bootstrap, one Connection per
// broker node, cached metadata with leader routing, and group-coordinator lookup. It is not a
// producer/consumer library (no batching, no retries beyond one metadata refresh on a stale
// leader); the tools drive the protocol directly through `send`.

import { ERRORS } from '../protocol/errors.ts'
import type { MetadataResponse } from '../protocol/generated/index.ts'
import type { ApiName, ApiTypes } from './apis.ts'
import { Connection, type RequestBody } from './connection.ts'
import { BrokerError, ConnectionError } from './errors.ts'

export interface ClientOptions {
  /** `host:port` list, comma-separated or as an array. */
  bootstrap: string | readonly string[]
  clientId?: string
  connectTimeoutMs?: number
  requestTimeoutMs?: number
}

export interface BrokerAddress {
  host: string
  port: number
}

export interface PartitionInfo {
  partition: number
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  errorCode: number
}

export interface TopicInfo {
  name: string
  topicId: string
  internal: boolean
  errorCode: number
  partitions: PartitionInfo[]
}

/** Parses `host:port` (IPv6 as `[::1]:9092`). Throws on a malformed address. */
export function parseAddress(s: string): BrokerAddress {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s.trim()) ?? /^([^:[\]]+):(\d+)$/.exec(s.trim())
  if (m === null) throw new TypeError(`'${s}' is not host:port`)
  const port = Number(m[2])
  if (port < 1 || port > 65535) throw new TypeError(`'${s}': port out of range`)
  return { host: m[1]!, port }
}

export const COORDINATOR_GROUP = 0

export class Client {
  private readonly bootstrap: BrokerAddress[]
  private readonly options: ClientOptions
  private readonly byAddress = new Map<string, Promise<Connection>>()
  private readonly nodes = new Map<number, BrokerAddress>()
  private bootstrapConn: Connection | undefined
  private metadataCache: MetadataResponse | undefined

  constructor(options: ClientOptions) {
    const list = typeof options.bootstrap === 'string' ? options.bootstrap.split(',') : options.bootstrap
    this.bootstrap = list.filter((s) => s.trim() !== '').map(parseAddress)
    if (this.bootstrap.length === 0) throw new TypeError('no bootstrap server given')
    this.options = options
  }

  /** Any live connection: the first bootstrap server that answers ApiVersions. */
  async any(): Promise<Connection> {
    if (this.bootstrapConn !== undefined && !this.bootstrapConn.closed) return this.bootstrapConn
    const failures: string[] = []
    for (const addr of this.bootstrap) {
      try {
        this.bootstrapConn = await this.connectTo(addr)
        return this.bootstrapConn
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err
        failures.push(err.message)
      }
    }
    throw new ConnectionError(
      failures.length === 1 ? failures[0]! : `no broker reachable:\n  ${failures.join('\n  ')}`,
    )
  }

  private connectTo(addr: BrokerAddress): Promise<Connection> {
    const key = `${addr.host}:${addr.port}`
    const existing = this.byAddress.get(key)
    if (existing !== undefined) {
      return existing.then((c) => (c.closed ? this.reconnect(key, addr) : c))
    }
    return this.reconnect(key, addr)
  }

  private reconnect(key: string, addr: BrokerAddress): Promise<Connection> {
    const p = Connection.open({
      host: addr.host,
      port: addr.port,
      clientId: this.options.clientId,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
    })
    this.byAddress.set(key, p)
    p.catch(() => this.byAddress.delete(key))
    return p
  }

  /** Connection to a node id from metadata. */
  async node(nodeId: number): Promise<Connection> {
    let addr = this.nodes.get(nodeId)
    if (addr === undefined) {
      await this.metadata(null)
      addr = this.nodes.get(nodeId)
    }
    if (addr === undefined) throw new ConnectionError(`broker node ${nodeId} is not in the cluster metadata`)
    return this.connectTo(addr)
  }

  /** Sends to any broker (admin requests that any node answers). */
  async send<K extends ApiName>(name: K, body: RequestBody<K>): Promise<ApiTypes[K]['res']> {
    return (await (await this.any()).send(name, body)).body
  }

  /** Metadata for the given topics (null = all) without creating any. */
  async metadata(topics: readonly string[] | null, autoCreate = false): Promise<MetadataResponse> {
    const res = await this.send('Metadata', {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: autoCreate,
    })
    for (const b of res.brokers) this.nodes.set(b.nodeId, { host: b.host, port: b.port })
    if (topics === null) this.metadataCache = res
    return res
  }

  /** Topics as plain objects; errors per topic are kept (UNKNOWN_TOPIC_OR_PARTITION etc.). */
  async topics(names: readonly string[] | null, autoCreate = false): Promise<TopicInfo[]> {
    const res = await this.metadata(names, autoCreate)
    return res.topics.map((t) => ({
      name: t.name ?? '',
      topicId: t.topicId,
      internal: t.isInternal,
      errorCode: t.errorCode,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition),
    }))
  }

  /**
   * One topic; throws BrokerError (UNKNOWN_TOPIC_OR_PARTITION) when it does not exist. With
   * `autoCreate` the broker may create it (auto.create.topics.enable, as producers do); the
   * LEADER_NOT_AVAILABLE a fresh topic can answer with is retried for up to ~2 s.
   */
  async topic(name: string, autoCreate = false): Promise<TopicInfo> {
    for (let attempt = 0; ; attempt++) {
      const [t] = await this.topics([name], autoCreate)
      if (t === undefined) throw new BrokerError(ERRORS.UNKNOWN_TOPIC_OR_PARTITION.code, `topic '${name}'`)
      const leaderless =
        t.errorCode === ERRORS.LEADER_NOT_AVAILABLE.code || t.partitions.some((p) => p.leader < 0)
      if (leaderless && attempt < 20) {
        await new Promise((r) => setTimeout(r, 100))
        continue
      }
      if (t.errorCode !== 0) throw new BrokerError(t.errorCode, `topic '${name}'`)
      return t
    }
  }

  /** Connection to the leader of a partition (from fresh metadata). */
  async leader(topic: TopicInfo, partition: number): Promise<Connection> {
    const p = topic.partitions.find((x) => x.partition === partition)
    if (p === undefined)
      throw new BrokerError(
        ERRORS.UNKNOWN_TOPIC_OR_PARTITION.code,
        `topic '${topic.name}' partition ${partition}`,
      )
    if (p.leader < 0)
      throw new BrokerError(ERRORS.LEADER_NOT_AVAILABLE.code, `topic '${topic.name}' partition ${partition}`)
    return this.node(p.leader)
  }

  /** Connection to the coordinator of a consumer group. */
  async coordinator(groupId: string): Promise<Connection> {
    const conn = await this.any()
    const { version, body } = await conn.send('FindCoordinator', (v) =>
      v >= 4
        ? { keyType: COORDINATOR_GROUP, coordinatorKeys: [groupId] }
        : { key: groupId, keyType: COORDINATOR_GROUP },
    )
    let nodeId: number, host: string, port: number, code: number, message: string | null
    if (version >= 4) {
      const c = body.coordinators[0]
      if (c === undefined) throw new BrokerError(ERRORS.COORDINATOR_NOT_AVAILABLE.code, `group '${groupId}'`)
      ;({ nodeId, host, port, errorCode: code, errorMessage: message } = c)
    } else {
      ;({ nodeId, host, port, errorCode: code, errorMessage: message } = body)
    }
    if (code !== 0) throw new BrokerError(code, `finding the coordinator of group '${groupId}'`, message)
    this.nodes.set(nodeId, { host, port })
    return this.connectTo({ host, port })
  }

  /** Known broker nodes (after any metadata call). */
  get brokers(): ReadonlyMap<number, BrokerAddress> {
    return this.nodes
  }

  get cachedMetadata(): MetadataResponse | undefined {
    return this.metadataCache
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.byAddress.values()])
    for (const r of all) if (r.status === 'fulfilled') r.value.close()
    this.byAddress.clear()
  }
}
