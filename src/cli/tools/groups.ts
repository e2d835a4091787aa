// `samsa groups list|describe|delete|reset-offsets` — kafka-consumer-groups.sh.
//
//   list           ListGroups: GROUP, STATE, PROTOCOL-TYPE
//   describe       DescribeGroups + OffsetFetch + ListOffsets(latest), Kafka's columns:
//                  GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
//                  (rows for committed partitions and for assigned ones without commits)
//   delete         DeleteGroups (the group must have no members: NON_EMPTY_GROUP otherwise)
//   reset-offsets  plans new offsets (--to-earliest|--to-latest|--to-offset N|--to-datetime T|
//                  --shift-by N, clamped to [log start, log end] as Kafka does) and prints
//                  GROUP TOPIC PARTITION NEW-OFFSET; commits them only with --execute, which the
//                  broker allows only while the group has no members.

import type { Client } from '../../client/client.ts'
import { BrokerError, check } from '../../client/errors.ts'
import { decodeAssignment, fetchCommittedOffsets } from '../../client/group-member.ts'
import { EARLIEST, LATEST, listOffsets } from '../../client/offsets.ts'
import { errorName } from '../../protocol/errors.ts'
import { COMMON_OPTIONS, COMMON_USAGE, bigintArg, clientFor, parse, timestampArg } from './common.ts'
import { EXIT } from './exit-codes.ts'
import { err, out, toJson, UsageError, type ToolIO } from './io.ts'
import { table } from './table.ts'

const USAGE = `Usage:
  samsa groups list
  samsa groups describe GROUP...
  samsa groups delete GROUP...
  samsa groups reset-offsets GROUP (--topic TOPIC[:P,P...] | --all-topics)
        (--to-earliest | --to-latest | --to-offset N | --to-datetime T | --shift-by=N) [--execute]

reset-offsets prints the plan and changes nothing unless --execute is given. Write negative
shifts with "=": --shift-by=-5.

${COMMON_USAGE}
`

export async function groupsCommand(args: readonly string[], io: ToolIO): Promise<number> {
  const { values, positionals } = parse({
    args: [...args],
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      topic: { type: 'string', short: 't', multiple: true },
      'all-topics': { type: 'boolean' },
      'to-earliest': { type: 'boolean' },
      'to-latest': { type: 'boolean' },
      'to-offset': { type: 'string' },
      'to-datetime': { type: 'string' },
      'shift-by': { type: 'string' },
      execute: { type: 'boolean' },
    },
  })
  if (values.help === true) {
    out(io, USAGE)
    return EXIT.OK
  }
  const [sub, ...groups] = positionals
  const json = values.json === true
  if (sub !== 'list' && sub !== 'describe' && sub !== 'delete' && sub !== 'reset-offsets')
    throw new UsageError(
      `${sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`}\n\n${USAGE}`,
    )
  if (sub === 'list' && groups.length > 0) throw new UsageError('groups list takes no GROUP')
  if ((sub === 'describe' || sub === 'delete') && groups.length === 0)
    throw new UsageError(`groups ${sub} needs a GROUP`)
  if (sub === 'reset-offsets' && groups.length !== 1)
    throw new UsageError('groups reset-offsets takes exactly one GROUP')

  let strategy: Strategy | undefined
  if (sub === 'reset-offsets') {
    const given: Strategy[] = []
    if (values['to-earliest'] === true) given.push({ kind: 'earliest' })
    if (values['to-latest'] === true) given.push({ kind: 'latest' })
    if (values['to-offset'] !== undefined)
      given.push({ kind: 'offset', value: bigintArg(values['to-offset'], '--to-offset')! })
    if (values['to-datetime'] !== undefined)
      given.push({ kind: 'datetime', value: timestampArg(values['to-datetime'], '--to-datetime') })
    if (values['shift-by'] !== undefined)
      given.push({ kind: 'shift', value: bigintArg(values['shift-by'], '--shift-by')! })
    if (given.length !== 1)
      throw new UsageError(
        'reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by',
      )
    if ((values.topic === undefined) === (values['all-topics'] !== true))
      throw new UsageError('reset-offsets needs --topic TOPIC[:PARTITIONS] or --all-topics')
    strategy = given[0]
  }

  const client = clientFor(values, io)
  try {
    switch (sub) {
      case 'list': {
        const res = await client.send('ListGroups', { statesFilter: [], typesFilter: [] })
        check(res.errorCode, 'listing groups')
        const gs = res.groups
          .map((g) => ({
            group: g.groupId,
            state: g.groupState,
            protocolType: g.protocolType,
            type: g.groupType,
          }))
          .sort((a, b) => a.group.localeCompare(b.group))
        if (json) out(io, toJson(gs))
        else if (gs.length === 0) err(io, 'no groups')
        else
          io.stdout.write(
            table(
              ['GROUP', 'STATE', 'PROTOCOL-TYPE'],
              gs.map((g) => [g.group, g.state || '-', g.protocolType || '-']),
            ),
          )
        return EXIT.OK
      }
      case 'describe': {
        const described = []
        for (const g of groups) described.push(await describeGroup(client, g))
        if (json) {
          out(io, toJson(described))
          return EXIT.OK
        }
        for (const [i, d] of described.entries()) {
          if (i > 0) out(io, '')
          if (d.members === 0) err(io, `Consumer group '${d.group}' has no active members.`)
          if (d.partitions.length === 0) {
            out(
              io,
              `Consumer group '${d.group}' (${d.state}) has no committed offsets and no assigned partitions.`,
            )
            continue
          }
          io.stdout.write(
            table(
              [
                'GROUP',
                'TOPIC',
                'PARTITION',
                'CURRENT-OFFSET',
                'LOG-END-OFFSET',
                'LAG',
                'CONSUMER-ID',
                'HOST',
                'CLIENT-ID',
              ],
              d.partitions.map((p) => [
                d.group,
                p.topic,
                p.partition,
                p.currentOffset,
                p.logEndOffset,
                p.lag,
                p.consumerId,
                p.host,
                p.clientId,
              ]),
            ),
          )
        }
        return EXIT.OK
      }
      case 'delete': {
        const conn = await client.coordinator(groups[0]!)
        const { body } = await conn.send('DeleteGroups', { groupsNames: groups })
        let failed: BrokerError | undefined
        const results = body.results.map((r) => {
          if (r.errorCode !== 0) failed ??= new BrokerError(r.errorCode, `deleting group '${r.groupId}'`)
          return {
            group: r.groupId,
            deleted: r.errorCode === 0,
            error: r.errorCode === 0 ? null : errorName(r.errorCode),
          }
        })
        if (json) out(io, toJson(results))
        else for (const r of results) if (r.deleted) out(io, `Deleted group '${r.group}'`)
        if (failed !== undefined) throw failed
        return EXIT.OK
      }
      case 'reset-offsets':
        return await resetOffsets(
          client,
          groups[0]!,
          values.topic ?? null,
          strategy!,
          values.execute === true,
          json,
          io,
        )
    }
  } finally {
    await client.close()
  }
  return EXIT.OK
}

interface GroupPartitionRow {
  topic: string
  partition: number
  currentOffset: bigint | null
  logEndOffset: bigint | null
  lag: bigint | null
  consumerId: string | null
  host: string | null
  clientId: string | null
}

async function describeGroup(
  client: Client,
  groupId: string,
): Promise<{
  group: string
  state: string
  protocol: string
  members: number
  partitions: GroupPartitionRow[]
}> {
  const conn = await client.coordinator(groupId)
  const { body } = await conn.send('DescribeGroups', {
    groups: [groupId],
    includeAuthorizedOperations: false,
  })
  const g = body.groups[0]
  if (g === undefined) throw new Error('DescribeGroups returned no group')
  check(g.errorCode, `describing group '${groupId}'`, g.errorMessage)
  const owner = new Map<string, { consumerId: string; host: string; clientId: string }>()
  if (g.protocolType === 'consumer' || g.protocolType === '')
    for (const m of g.members) {
      let a: Map<string, number[]>
      try {
        a = decodeAssignment(m.memberAssignment)
      } catch {
        continue // not a consumer-protocol assignment (e.g. Connect): no partitions to show
      }
      for (const [t, ps] of a)
        for (const p of ps)
          owner.set(`${t}\0${p}`, { consumerId: m.memberId, host: m.clientHost, clientId: m.clientId })
    }
  const committed = await fetchCommittedOffsets(client, groupId, null)
  const keys = new Set<string>([...owner.keys()])
  for (const [t, ps] of committed) for (const p of ps.keys()) keys.add(`${t}\0${p}`)
  const byTopic = new Map<string, number[]>()
  for (const k of keys) {
    const [t, p] = k.split('\0') as [string, string]
    byTopic.set(t, [...(byTopic.get(t) ?? []), Number(p)])
  }
  const rows: GroupPartitionRow[] = []
  for (const [t, ps] of [...byTopic].sort((a, b) => a[0].localeCompare(b[0]))) {
    let ends = new Map<number, bigint>()
    const [info] = await client.topics([t])
    if (info !== undefined && info.errorCode === 0) ends = await listOffsets(client, info, ps, LATEST)
    for (const p of ps.sort((a, b) => a - b)) {
      const cur = committed.get(t)?.get(p) ?? null
      const end = ends.get(p) ?? null
      const o = owner.get(`${t}\0${p}`)
      rows.push({
        topic: t,
        partition: p,
        currentOffset: cur,
        logEndOffset: end,
        lag: cur !== null && end !== null ? (end > cur ? end - cur : 0n) : null,
        consumerId: o?.consumerId ?? null,
        host: o?.host ?? null,
        clientId: o?.clientId ?? null,
      })
    }
  }
  return {
    group: groupId,
    state: g.groupState,
    protocol: g.protocolData,
    members: g.members.length,
    partitions: rows,
  }
}

type Strategy =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; value: bigint }
  | { kind: 'datetime'; value: bigint }
  | { kind: 'shift'; value: bigint }

async function resetOffsets(
  client: Client,
  groupId: string,
  topicArgs: readonly string[] | null,
  strategy: Strategy,
  execute: boolean,
  json: boolean,
  io: ToolIO,
): Promise<number> {
  const committed = await fetchCommittedOffsets(client, groupId, null)
  // Which partitions: --topic T (all partitions), --topic T:0,2, or --all-topics (those with commits).
  const targets = new Map<string, number[] | null>()
  if (topicArgs === null) for (const t of committed.keys()) targets.set(t, null)
  else
    for (const arg of topicArgs) {
      const [t, ps] = arg.split(':') as [string, string | undefined]
      if (t === '') throw new UsageError(`--topic '${arg}' has no topic name`)
      const list =
        ps === undefined
          ? null
          : ps.split(',').map((x) => {
              if (!/^\d+$/.test(x)) throw new UsageError(`--topic '${arg}': '${x}' is not a partition number`)
              return Number(x)
            })
      targets.set(t, list)
    }
  const plan: Array<{ topic: string; partition: number; newOffset: bigint }> = []
  for (const [t, ps] of targets) {
    const info = await client.topic(t)
    const parts = ps ?? info.partitions.map((p) => p.partition)
    for (const p of parts)
      if (!info.partitions.some((x) => x.partition === p))
        throw new UsageError(`topic '${t}' has no partition ${p}`)
    const [low, high] = await Promise.all([
      listOffsets(client, info, parts, EARLIEST),
      listOffsets(client, info, parts, LATEST),
    ])
    const at =
      strategy.kind === 'datetime' ? await listOffsets(client, info, parts, strategy.value) : undefined
    for (const p of parts) {
      const lo = low.get(p)!
      const hi = high.get(p)!
      let target: bigint
      switch (strategy.kind) {
        case 'earliest':
          target = lo
          break
        case 'latest':
          target = hi
          break
        case 'offset':
          target = strategy.value
          break
        case 'datetime': {
          const o = at!.get(p)!
          target = o < 0n ? hi : o
          break
        }
        case 'shift':
          target = (committed.get(t)?.get(p) ?? hi) + strategy.value
          break
      }
      plan.push({ topic: t, partition: p, newOffset: target < lo ? lo : target > hi ? hi : target })
    }
  }
  if (execute && plan.length > 0) {
    const conn = await client.coordinator(groupId)
    const byTopic = new Map<string, typeof plan>()
    for (const e of plan) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e])
    const { body } = await conn.send('OffsetCommit', {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [...byTopic].map(([name, es]) => ({
        name,
        partitions: es.map((e) => ({
          partitionIndex: e.partition,
          committedOffset: e.newOffset,
          committedLeaderEpoch: -1,
          committedMetadata: null,
        })),
      })),
    })
    for (const t of body.topics)
      for (const p of t.partitions)
        check(p.errorCode, `resetting ${t.name}-${p.partitionIndex} for group '${groupId}'`)
  }
  if (json) out(io, toJson({ group: groupId, executed: execute, offsets: plan }))
  else {
    if (plan.length === 0) err(io, `group '${groupId}' has nothing to reset`)
    else
      io.stdout.write(
        table(
          ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
          plan.map((e) => [groupId, e.topic, e.partition, e.newOffset]),
        ),
      )
    if (!execute) err(io, 'Dry run: nothing changed. Add --execute to commit these offsets.')
  }
  return EXIT.OK
}
