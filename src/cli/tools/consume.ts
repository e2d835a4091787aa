// `samsa consume TOPIC` — kafka-console-consumer / kcat -C.
//
// Start position (per partition): --from-beginning (earliest), --offset N, --timestamp T (the
// first offset at or after T; partitions with nothing that late start at the end), else the end.
// With --group the member joins the group (range assignor), starts from the group's committed
// offsets (falling back to the rule above), commits what it printed every 5 s and on exit, and
// leaves the group. Runs until Ctrl-C, or until --max-messages are printed, or with --exit until
// every partition is read up to the high watermark seen when the tool reached it.
// Formats: value (default), kv (key<TAB>value, --separator to change), json (one object a line:
// topic, partition, offset, timestamp, key, value, headers; bytes as UTF-8).

import type { TopicInfo } from '../../client/client.ts'
import { fetchPartitions, type FetchedRecord } from '../../client/fetch.ts'
import { GroupMember } from '../../client/group-member.ts'
import { EARLIEST, LATEST, listOffsets } from '../../client/offsets.ts'
import { COMMON_OPTIONS, COMMON_USAGE, bigintArg, clientFor, intArg, parse, timestampArg } from './common.ts'
import { EXIT } from './exit-codes.ts'
import { err, out, Progress, toJson, UsageError, type ToolIO } from './io.ts'

const USAGE = `Usage: samsa consume TOPIC [options]

Prints records as they arrive, until Ctrl-C.

Options:
      --from-beginning      start at the earliest offset (default: the end)
  -o, --offset N            start at offset N
      --timestamp T         start at the first record at/after T (epoch ms or ISO-8601)
  -p, --partition N         read only partition N (default: all)
  -g, --group GROUP         consume as a member of GROUP, committing offsets
  -n, --max-messages N      exit after N records
  -e, --exit                exit at the end of the partitions
  -f, --format FORMAT       value (default), kv or json
      --separator SEP       key/value separator for --format kv (default TAB)
      --isolation LEVEL     read_uncommitted (default) or read_committed

${COMMON_USAGE}
`

const FORMATS = ['value', 'kv', 'json'] as const
type Format = (typeof FORMATS)[number]

function render(r: FetchedRecord, format: Format, sep: string): string {
  const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'))
  switch (format) {
    case 'value':
      return text(r.value) ?? 'null'
    case 'kv':
      return `${text(r.key) ?? 'null'}${sep}${text(r.value) ?? 'null'}`
    case 'json':
      return toJson({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: text(r.key),
        value: text(r.value),
        headers: Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])),
      })
  }
}

export async function consumeCommand(args: readonly string[], io: ToolIO): Promise<number> {
  const { values, positionals } = parse({
    args: [...args],
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      'from-beginning': { type: 'boolean' },
      offset: { type: 'string', short: 'o' },
      timestamp: { type: 'string' },
      partition: { type: 'string', short: 'p' },
      group: { type: 'string', short: 'g' },
      'max-messages': { type: 'string', short: 'n' },
      exit: { type: 'boolean', short: 'e' },
      format: { type: 'string', short: 'f' },
      separator: { type: 'string' },
      isolation: { type: 'string' },
    },
  })
  if (values.help === true) {
    out(io, USAGE)
    return EXIT.OK
  }
  if (positionals.length !== 1) throw new UsageError(`consume takes exactly one TOPIC\n\n${USAGE}`)
  const topicName = positionals[0]!
  const starts = [
    values['from-beginning'] === true,
    values.offset !== undefined,
    values.timestamp !== undefined,
  ]
  if (starts.filter(Boolean).length > 1)
    throw new UsageError('use only one of --from-beginning, --offset, --timestamp')
  const offset = bigintArg(values.offset, '--offset')
  if (offset !== undefined && offset < 0n) throw new UsageError('--offset must be >= 0')
  const timestamp = values.timestamp === undefined ? undefined : timestampArg(values.timestamp, '--timestamp')
  const partition = intArg(values.partition, '--partition', 0)
  const group = values.group
  if (group !== undefined && (partition !== undefined || offset !== undefined || timestamp !== undefined))
    throw new UsageError(
      '--group assigns partitions and positions itself: drop --partition/--offset/--timestamp',
    )
  const max = intArg(values['max-messages'], '--max-messages', 1)
  const format = (values.json === true ? 'json' : (values.format ?? 'value')) as Format
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`)
  const sep = values.separator ?? '\t'
  const isolationText = values.isolation ?? 'read_uncommitted'
  if (isolationText !== 'read_uncommitted' && isolationText !== 'read_committed')
    throw new UsageError('--isolation must be read_uncommitted or read_committed')
  const isolationLevel = isolationText === 'read_committed' ? 1 : 0
  const exitAtEnd = values.exit === true

  const client = clientFor(values, io)
  let stopped = false
  void io.interrupted.then(() => {
    stopped = true
  })
  let count = 0
  let member: GroupMember | undefined
  const progress = new Progress(io)
  try {
    let topic = await client.topic(topicName)
    if (partition !== undefined && !topic.partitions.some((p) => p.partition === partition))
      throw new UsageError(`topic '${topicName}' has no partition ${partition}`)
    const initial = async (
      t: TopicInfo,
      ps: readonly number[],
      committed: ReadonlyMap<number, bigint>,
    ): Promise<Map<number, bigint>> => {
      const rest = ps.filter((p) => !committed.has(p))
      const pos = new Map(committed)
      if (rest.length === 0) return pos
      if (offset !== undefined) for (const p of rest) pos.set(p, offset)
      else {
        const at = values['from-beginning'] === true ? EARLIEST : (timestamp ?? LATEST)
        const found = await listOffsets(client, t, rest, at)
        const ends = at === LATEST || at === EARLIEST ? found : await listOffsets(client, t, rest, LATEST)
        for (const p of rest) pos.set(p, found.get(p)! >= 0n ? found.get(p)! : ends.get(p)!)
      }
      return pos
    }

    let positions: Map<number, bigint>
    const assign = async (): Promise<void> => {
      if (member === undefined) {
        const ps = partition !== undefined ? [partition] : topic.partitions.map((p) => p.partition)
        positions = await initial(topic, ps, new Map())
        return
      }
      const assigned = (await member.join()).get(topicName) ?? []
      topic = await client.topic(topicName)
      positions = await initial(topic, assigned, await member.committed(topicName, assigned))
    }
    if (group !== undefined) member = new GroupMember(client, group, [topicName])
    await assign()
    const done = new Set<number>()
    let lastCommit = Date.now()
    const committedUpTo = new Map<number, bigint>()
    const commit = async (): Promise<void> => {
      if (member === undefined) return
      const changed = new Map([...positions!].filter(([p, o]) => committedUpTo.get(p) !== o))
      await member.commit(topicName, changed)
      for (const [p, o] of changed) committedUpTo.set(p, o)
      lastCommit = Date.now()
    }

    while (!stopped && (max === undefined || count < max)) {
      if (member?.rejoinNeeded === true) {
        await commit()
        await assign()
        done.clear()
      }
      const hbErr = member?.takeHeartbeatError()
      if (hbErr !== undefined) throw hbErr
      const active = new Map([...positions!].filter(([p]) => !done.has(p)))
      if (active.size === 0) {
        if (exitAtEnd) break
        // Only a group member with no partitions gets here: it waits for a rebalance.
        await new Promise((r) => setTimeout(r, 200))
        continue
      }
      const fetched = await fetchPartitions(client, topic, active, {
        maxWaitMs: exitAtEnd ? 100 : 500,
        isolationLevel,
      })
      for (const f of fetched) {
        for (const r of f.records) {
          if (max !== undefined && count >= max) break
          out(io, render(r, format, sep))
          count++
          positions!.set(f.partition, r.offset + 1n)
        }
        if (max === undefined || count < max)
          positions!.set(
            f.partition,
            f.nextOffset > positions!.get(f.partition)! ? f.nextOffset : positions!.get(f.partition)!,
          )
        if (exitAtEnd && positions!.get(f.partition)! >= f.highWatermark) done.add(f.partition)
      }
      progress.update(`consumed ${count} records`)
      if (member !== undefined && Date.now() - lastCommit > 5000) await commit()
    }
    await commit()
    progress.done()
    err(io, `Processed a total of ${count} message${count === 1 ? '' : 's'}`)
    return EXIT.OK
  } finally {
    try {
      await member?.leave()
    } catch {
      // Leaving is a courtesy: the session timeout removes the member anyway.
    }
    await client.close()
  }
}
