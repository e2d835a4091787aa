// `samsa topics list|create|describe|alter|delete` — the kafka-topics.sh verbs.
//
//   list      NAME, PARTITIONS (internal topics with --internal)
//   create    CreateTopics; --if-not-exists turns TOPIC_ALREADY_EXISTS into success
//   describe  Metadata + ListOffsets (earliest/latest per partition) + non-default configs
//   alter     CreatePartitions (--partitions) and IncrementalAlterConfigs (--config / --delete-config)
//   delete    DeleteTopics; --if-exists turns UNKNOWN_TOPIC_OR_PARTITION into success

import type { Client, TopicInfo } from '../../client/client.ts'
import { BrokerError, check } from '../../client/errors.ts'
import { EARLIEST, LATEST, listOffsets } from '../../client/offsets.ts'
import { ERRORS, errorName } from '../../protocol/errors.ts'
import { COMMON_OPTIONS, COMMON_USAGE, clientFor, intArg, keyValues, parse } from './common.ts'
import { alterConfigs, describeConfigs } from './configs.ts'
import { EXIT } from './exit-codes.ts'
import { err, out, toJson, UsageError, type ToolIO } from './io.ts'
import { table } from './table.ts'

const USAGE = `Usage:
  samsa topics list [--internal]
  samsa topics create TOPIC [--partitions N] [--replication-factor N] [--config KEY=VALUE]... [--if-not-exists]
  samsa topics describe [TOPIC...]
  samsa topics alter TOPIC [--partitions N] [--config KEY=VALUE]... [--delete-config KEY]...
  samsa topics delete TOPIC... [--if-exists]

--partitions and --replication-factor default to the broker's num.partitions and
default.replication.factor.

${COMMON_USAGE}
`

export async function topicsCommand(args: readonly string[], io: ToolIO): Promise<number> {
  const { values, positionals } = parse({
    args: [...args],
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      internal: { type: 'boolean' },
      partitions: { type: 'string', short: 'p' },
      'replication-factor': { type: 'string', short: 'r' },
      config: { type: 'string', short: 'c', multiple: true },
      'delete-config': { type: 'string', multiple: true },
      'if-not-exists': { type: 'boolean' },
      'if-exists': { type: 'boolean' },
    },
  })
  if (values.help === true) {
    out(io, USAGE)
    return EXIT.OK
  }
  const [sub, ...names] = positionals
  const json = values.json === true
  const need = (n: 'one' | 'some'): void => {
    if (n === 'one' && names.length !== 1)
      throw new UsageError(`topics ${sub} takes exactly one TOPIC\n\n${USAGE}`)
    if (n === 'some' && names.length === 0)
      throw new UsageError(`topics ${sub} needs at least one TOPIC\n\n${USAGE}`)
  }
  switch (sub) {
    case 'list':
    case 'create':
    case 'describe':
    case 'alter':
    case 'delete':
      break
    default:
      throw new UsageError(
        `${sub === undefined ? 'missing' : `unknown`} subcommand${sub === undefined ? '' : ` '${sub}'`}\n\n${USAGE}`,
      )
  }
  if (sub === 'list' && names.length > 0) throw new UsageError('topics list takes no TOPIC')
  if (sub === 'create' || sub === 'alter') need('one')
  if (sub === 'delete') need('some')
  const partitions = intArg(values.partitions, '--partitions', 1)
  const replication = intArg(values['replication-factor'], '--replication-factor', 1)
  const configs = keyValues(values.config, '--config')

  const client = clientFor(values, io)
  try {
    switch (sub) {
      case 'list': {
        const topics = (await client.topics(null))
          .filter((t) => values.internal === true || !t.internal)
          .sort((a, b) => a.name.localeCompare(b.name))
        if (json)
          out(
            io,
            toJson(
              topics.map((t) => ({
                name: t.name,
                topicId: t.topicId,
                partitions: t.partitions.length,
                internal: t.internal,
              })),
            ),
          )
        else if (topics.length === 0) err(io, 'no topics')
        else
          io.stdout.write(
            table(
              ['NAME', 'PARTITIONS'],
              topics.map((t) => [t.name, t.partitions.length]),
            ),
          )
        return EXIT.OK
      }
      case 'create': {
        const name = names[0]!
        const res = await client.send('CreateTopics', {
          topics: [
            {
              name,
              numPartitions: partitions ?? -1,
              replicationFactor: replication ?? -1,
              assignments: [],
              configs: configs.map(([k, v]) => ({ name: k, value: v })),
            },
          ],
          timeoutMs: 30_000,
          validateOnly: false,
        })
        const r = res.topics[0]
        if (r === undefined) throw new Error('CreateTopics returned no result')
        if (r.errorCode === ERRORS.TOPIC_ALREADY_EXISTS.code && values['if-not-exists'] === true) {
          if (json) out(io, toJson({ name, created: false }))
          else err(io, `Topic '${name}' already exists`)
          return EXIT.OK
        }
        check(r.errorCode, `creating topic '${name}'`, r.errorMessage)
        if (json)
          out(
            io,
            toJson({
              name,
              created: true,
              topicId: r.topicId,
              partitions: r.numPartitions,
              replicationFactor: r.replicationFactor,
            }),
          )
        else
          out(io, `Created topic '${name}' (${r.numPartitions} partition${r.numPartitions === 1 ? '' : 's'})`)
        return EXIT.OK
      }
      case 'describe':
        return await describe(client, names, json, io)
      case 'alter': {
        const name = names[0]!
        const removed = values['delete-config'] ?? []
        if (partitions === undefined && configs.length === 0 && removed.length === 0)
          throw new UsageError('topics alter needs --partitions, --config or --delete-config')
        if (partitions !== undefined) {
          const res = await client.send('CreatePartitions', {
            topics: [{ name, count: partitions, assignments: null }],
            timeoutMs: 30_000,
            validateOnly: false,
          })
          for (const r of res.results)
            check(r.errorCode, `increasing the partitions of '${name}'`, r.errorMessage)
        }
        if (configs.length > 0 || removed.length > 0)
          await alterConfigs(client, 'topic', name, configs, removed)
        if (json)
          out(
            io,
            toJson({
              name,
              partitions: partitions ?? null,
              set: Object.fromEntries(configs),
              deleted: removed,
            }),
          )
        else out(io, `Altered topic '${name}'`)
        return EXIT.OK
      }
      case 'delete': {
        const res = await client.send('DeleteTopics', (v) =>
          v >= 6
            ? { topics: names.map((name) => ({ name })), timeoutMs: 30_000 }
            : { topicNames: names, timeoutMs: 30_000 },
        )
        let failed: BrokerError | undefined
        const results = res.responses.map((r) => {
          const missing =
            r.errorCode === ERRORS.UNKNOWN_TOPIC_OR_PARTITION.code && values['if-exists'] === true
          if (r.errorCode !== 0 && !missing)
            failed ??= new BrokerError(r.errorCode, `deleting topic '${r.name ?? r.topicId}'`, r.errorMessage)
          return {
            name: r.name,
            deleted: r.errorCode === 0,
            error: r.errorCode === 0 ? null : errorName(r.errorCode),
          }
        })
        if (json) out(io, toJson(results))
        else for (const r of results) if (r.deleted) out(io, `Deleted topic '${r.name}'`)
        if (failed !== undefined) throw failed
        return EXIT.OK
      }
    }
  } finally {
    await client.close()
  }
}

async function describe(
  client: Client,
  names: readonly string[],
  json: boolean,
  io: ToolIO,
): Promise<number> {
  const topics = (await client.topics(names.length === 0 ? null : names)).sort((a, b) =>
    a.name.localeCompare(b.name),
  )
  for (const t of topics) if (t.errorCode !== 0) throw new BrokerError(t.errorCode, `topic '${t.name}'`)
  const described = await Promise.all(
    topics.map(async (t: TopicInfo) => {
      const ps = t.partitions.map((p) => p.partition)
      const [low, high, configs] = await Promise.all([
        listOffsets(client, t, ps, EARLIEST),
        listOffsets(client, t, ps, LATEST),
        describeConfigs(client, 'topic', t.name),
      ])
      return {
        name: t.name,
        topicId: t.topicId,
        internal: t.internal,
        configs: Object.fromEntries(configs.filter((c) => !c.isDefault).map((c) => [c.name, c.value])),
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.isr,
          logStartOffset: low.get(p.partition) ?? null,
          highWatermark: high.get(p.partition) ?? null,
        })),
      }
    }),
  )
  if (json) {
    out(io, toJson(described))
    return EXIT.OK
  }
  for (const [i, t] of described.entries()) {
    if (i > 0) out(io, '')
    const cfg = Object.entries(t.configs)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    out(
      io,
      `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tConfigs: ${cfg}`,
    )
    io.stdout.write(
      table(
        ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'LOG-START-OFFSET', 'HIGH-WATERMARK'],
        t.partitions.map((p) => [
          p.partition,
          p.leader,
          p.replicas.join(','),
          p.isr.join(','),
          p.logStartOffset,
          p.highWatermark,
        ]),
      ),
    )
  }
  return EXIT.OK
}
