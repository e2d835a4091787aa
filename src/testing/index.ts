// `samsa/testing`: helpers for test suites that run against a Samsa broker — one in-process broker
// for the whole run (see ./vitest.ts for the Vitest globalSetup), topic isolation per test, and a
// reset between tests.
//
//   const broker = await startTestBroker()          // in memory, 127.0.0.1, ephemeral port
//   const topics = new TopicScope(broker.bootstrap)
//   const name = await topics.create('orders', { partitions: 3 })   // 'orders-<unique suffix>'
//   …
//   await topics.cleanup()                           // deletes what this scope created
//   await resetBroker(broker.bootstrap)              // or: delete every topic and group
//   await broker.close()
//
// Everything talks to the broker over the Kafka protocol (our own client), so the helpers work
// the same against a broker in another process or container.

import { randomBytes } from 'node:crypto'
import { Client } from '../client/client.ts'
import { BrokerError, check } from '../client/errors.ts'
import { startBroker, type BrokerOptions, type RunningBroker } from '../broker/server.ts'
import { ERRORS } from '../protocol/errors.ts'

/** Starts an in-memory broker on 127.0.0.1 at an ephemeral port with logging off. */
export function startTestBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, memory: true, log: { level: 'silent' }, ...options })
}

let counter = 0
const runId = randomBytes(3).toString('hex')

/**
 * A topic name no other test (in this process or another worker) uses: `<prefix>-<run>-<pid>-<n>`.
 * Only characters Kafka allows ([a-zA-Z0-9._-]), at most 249 of them.
 */
export function uniqueTopicName(prefix = 'test'): string {
  const clean = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 200)
  return `${clean}-${runId}-${process.pid}-${++counter}`
}

export interface TopicOptions {
  partitions?: number
  configs?: Record<string, string>
}

export async function createTopics(
  bootstrap: string,
  topics: ReadonlyArray<{ name: string } & TopicOptions>,
): Promise<void> {
  await withClient(bootstrap, async (client) => {
    const res = await client.send('CreateTopics', {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions ?? -1,
        replicationFactor: -1,
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: 30_000,
      validateOnly: false,
    })
    for (const t of res.topics) check(t.errorCode, `creating topic '${t.name}'`, t.errorMessage)
  })
}

/** Deletes topics; ones that do not exist are ignored. */
export async function deleteTopics(bootstrap: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return
  await withClient(bootstrap, async (client) => {
    const res = await client.send('DeleteTopics', (v) =>
      v >= 6
        ? { topics: names.map((name) => ({ name })), timeoutMs: 30_000 }
        : { topicNames: [...names], timeoutMs: 30_000 },
    )
    for (const r of res.responses)
      if (r.errorCode !== ERRORS.UNKNOWN_TOPIC_OR_PARTITION.code)
        check(r.errorCode, `deleting topic '${r.name ?? r.topicId}'`, r.errorMessage)
  })
}

/** Topics created for one test (or one file); `cleanup()` deletes exactly those. */
export class TopicScope {
  readonly bootstrap: string
  private readonly created: string[] = []

  constructor(bootstrap: string) {
    this.bootstrap = bootstrap
  }

  /** Creates a topic with a unique name derived from `prefix` and returns the name. */
  async create(prefix = 'test', options: TopicOptions = {}): Promise<string> {
    const name = uniqueTopicName(prefix)
    await createTopics(this.bootstrap, [{ name, ...options }])
    this.created.push(name)
    return name
  }

  get names(): readonly string[] {
    return this.created
  }

  async cleanup(): Promise<void> {
    const names = this.created.splice(0)
    await deleteTopics(this.bootstrap, names)
  }
}

/**
 * Brings the broker back to empty: deletes every non-internal topic and every consumer group.
 * Groups with live members cannot be deleted (NON_EMPTY_GROUP): stop consumers first.
 */
export async function resetBroker(bootstrap: string): Promise<void> {
  await withClient(bootstrap, async (client) => {
    const topics = (await client.topics(null)).filter((t) => !t.internal).map((t) => t.name)
    const groups = await client.send('ListGroups', { statesFilter: [], typesFilter: [] })
    check(groups.errorCode, 'listing groups')
    for (const g of groups.groups) {
      const conn = await client.coordinator(g.groupId)
      const { body } = await conn.send('DeleteGroups', { groupsNames: [g.groupId] })
      for (const r of body.results)
        if (r.errorCode !== ERRORS.GROUP_ID_NOT_FOUND.code) {
          if (r.errorCode !== 0)
            throw new BrokerError(r.errorCode, `deleting group '${r.groupId}' (stop its consumers first)`)
        }
    }
    if (topics.length > 0) await deleteTopics(bootstrap, topics)
  })
}

async function withClient<T>(bootstrap: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ bootstrap, clientId: 'samsa-testing' })
  try {
    return await fn(client)
  } finally {
    await client.close()
  }
}

export type { RunningBroker }
