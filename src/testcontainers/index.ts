// `samsa/testcontainers`: a Testcontainers module for the Samsa image (the Dockerfile at the root).
//
//   import { SamsaContainer } from 'samsa/testcontainers'
//   const samsa = await new SamsaContainer('samsa:latest').withTopics(['orders']).start()
//   const kafka = new Kafka({ brokers: [samsa.getBootstrapServers()] })
//   …
//   await samsa.stop()
//
// Advertised listeners. A Kafka client bootstraps, then connects to the address the broker
// advertises, so the broker must advertise the host's *mapped* port, known only after the
// container starts. The container's entrypoint therefore waits for /tmp/samsa-listeners.env;
// the wait strategy writes it (through `exec`, once the mapped port is known) with
//   PLAINTEXT → <testcontainers host>:<mapped port of 9092>   (clients in the test process)
//   INTERNAL  → <first network alias, else the container hostname>:9093 (other containers)
// and the broker starts. No log line or bare port decides readiness: the wait strategy retries a
// real ApiVersions round trip through the mapped port, then checks that Metadata advertises that
// same address, then creates the requested topics.
//
// Needs the `testcontainers` package (an optional peer dependency of samsa).

import {
  AbstractStartedContainer,
  GenericContainer,
  getContainerRuntimeClient,
  type BoundPorts,
  type StartedTestContainer,
  type WaitStrategy,
} from 'testcontainers'
import { Client } from '../client/client.ts'
import { Connection } from '../client/connection.ts'
import { check } from '../client/errors.ts'

export const SAMSA_DEFAULT_IMAGE = 'samsa:latest'
/** Port for clients outside the container network (mapped to a random host port). */
export const SAMSA_PORT = 9092
/** Port for other containers on the same network. */
export const SAMSA_INTERNAL_PORT = 9093

const LISTENERS_FILE = '/tmp/samsa-listeners.env'
/** Shell (busybox in the image) entrypoint: wait for the listeners file, then run the broker. */
const ENTRYPOINT_SCRIPT = `while [ ! -f ${LISTENERS_FILE} ]; do sleep 0.05; done; . ${LISTENERS_FILE}; exec node /app/bin/samsa.js "$@"`

export interface TopicSpec {
  name: string
  partitions?: number
  configs?: Record<string, string>
}

/** Kafka property name → the apache/kafka image's environment variable (KafkaDockerWrapper). */
export function propertyToEnv(name: string): string {
  return `KAFKA_${name.replace(/_/g, '__').replace(/-/g, '___').replace(/\./g, '_').toUpperCase()}`
}

export class SamsaContainer extends GenericContainer {
  private topics: TopicSpec[] = []
  private memory = true
  private loopbackOnly = false

  constructor(image: string = SAMSA_DEFAULT_IMAGE) {
    super(image)
    this.withExposedPorts(SAMSA_PORT, SAMSA_INTERNAL_PORT)
      .withEntrypoint(['sh', '-c', ENTRYPOINT_SCRIPT, 'samsa'])
      .withStartupTimeout(60_000)
  }

  /** Topics to create once the broker answers (name, or name with partitions and configs). */
  withTopics(topics: ReadonlyArray<string | TopicSpec>): this {
    this.topics.push(...topics.map((t) => (typeof t === 'string' ? { name: t } : t)))
    return this
  }

  /** Broker properties under Kafka's names, e.g. `{ 'auto.create.topics.enable': false }`. */
  withConfig(properties: Readonly<Record<string, string | number | boolean>>): this {
    return this.withEnvironment(
      Object.fromEntries(Object.entries(properties).map(([k, v]) => [propertyToEnv(k), String(v)])),
    )
  }

  /** Keep data on the /data volume instead of in memory (the default here: tests start clean). */
  withDiskStorage(): this {
    this.memory = false
    return this
  }

  /** Publish the ports on 127.0.0.1 only (by default Docker publishes on every interface). */
  withLoopbackPorts(): this {
    this.loopbackOnly = true
    return this
  }

  protected override beforeContainerCreated(): Promise<void> {
    this.withCommand(this.memory ? ['start', '--memory'] : ['start'])
    if (this.loopbackOnly) publishOnLoopback(this.hostConfig.PortBindings)
    this.withWaitStrategy(new SamsaReadiness(this.networkAliases[0] ?? null, this.topics))
    return Promise.resolve()
  }

  override async start(): Promise<StartedSamsaContainer> {
    return new StartedSamsaContainer(await super.start(), this.networkAliases[0] ?? null)
  }
}

/** Sets HostIp 127.0.0.1 on every port binding (Docker's PortBindings: port → [{HostIp, HostPort}]). */
export function publishOnLoopback(portBindings: unknown): void {
  if (portBindings === null || typeof portBindings !== 'object') return
  for (const list of Object.values(portBindings as Record<string, unknown>))
    if (Array.isArray(list)) for (const b of list as Array<{ HostIp?: string }>) b.HostIp = '127.0.0.1'
}

export class StartedSamsaContainer extends AbstractStartedContainer {
  private readonly alias: string | null

  constructor(started: StartedTestContainer, alias: string | null) {
    super(started)
    this.alias = alias
  }

  /** `host:port` for clients in the test process (the mapped port of 9092). */
  getBootstrapServers(): string {
    return `${this.getHost()}:${this.getMappedPort(SAMSA_PORT)}`
  }

  /** `alias:9093` for clients in other containers on the same network (needs a network alias). */
  getInternalBootstrapServers(): string {
    return `${this.alias ?? this.getHostname()}:${SAMSA_INTERNAL_PORT}`
  }
}

/** Writes the advertised listeners into the container, then waits for a real protocol answer. */
class SamsaReadiness implements WaitStrategy {
  private timeoutMs = 60_000
  private timeoutSet = false
  private readonly alias: string | null
  private readonly topics: readonly TopicSpec[]

  constructor(alias: string | null, topics: readonly TopicSpec[]) {
    this.alias = alias
    this.topics = topics
  }

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms
    this.timeoutSet = true
    return this
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet
  }

  getStartupTimeout(): number {
    return this.timeoutMs
  }

  async waitUntilReady(
    container: Parameters<WaitStrategy['waitUntilReady']>[0],
    boundPorts: BoundPorts,
  ): Promise<void> {
    const deadline = Date.now() + this.timeoutMs
    const client = await getContainerRuntimeClient()
    const host = client.info.containerRuntime.host
    const port = boundPorts.getBinding(SAMSA_PORT)
    const internal = this.alias === null ? '' : `,INTERNAL://${this.alias}:${SAMSA_INTERNAL_PORT}`
    const env = `export KAFKA_ADVERTISED_LISTENERS='PLAINTEXT://${host}:${port}${internal}'\n`
    const written = await client.container.exec(container, [
      'sh',
      '-c',
      `printf '%s' "$1" > ${LISTENERS_FILE}.tmp && mv ${LISTENERS_FILE}.tmp ${LISTENERS_FILE}`,
      'sh',
      env,
    ])
    if (written.exitCode !== 0)
      throw new Error(`could not write the advertised listeners into the container: ${written.output}`)

    let last: string
    for (;;) {
      try {
        const conn = await Connection.open({
          host,
          port,
          connectTimeoutMs: 1000,
          requestTimeoutMs: 2000,
          clientId: 'testcontainers-samsa',
        })
        conn.close()
        break
      } catch (err) {
        last = (err as Error).message
      }
      if (Date.now() > deadline)
        throw new Error(
          `Samsa did not answer ApiVersions on ${host}:${port} within ${this.timeoutMs} ms (${last})`,
        )
      await new Promise((r) => setTimeout(r, 100))
    }

    const kafka = new Client({ bootstrap: `${host}:${port}`, clientId: 'testcontainers-samsa' })
    try {
      const md = await kafka.metadata([])
      const advertised = md.brokers.map((b) => `${b.host}:${b.port}`)
      if (!advertised.includes(`${host}:${port}`))
        throw new Error(`Samsa advertises ${advertised.join(', ')} instead of ${host}:${port}`)
      if (this.topics.length > 0) {
        const res = await kafka.send('CreateTopics', {
          topics: this.topics.map((t) => ({
            name: t.name,
            numPartitions: t.partitions ?? -1,
            replicationFactor: -1,
            configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
          timeoutMs: 30_000,
          validateOnly: false,
        })
        for (const t of res.topics) check(t.errorCode, `creating topic '${t.name}'`, t.errorMessage)
      }
    } finally {
      await kafka.close()
    }
  }
}
