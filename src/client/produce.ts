// Produce: one RecordBatch per partition, grouped by partition leader into one request each.
// Produce v13 addresses topics by id, earlier versions by name; the request carries both and the
// response is matched by whichever it uses.

import type { ProduceRequestInit } from '../protocol/generated/index.ts'
import type { Client, TopicInfo } from './client.ts'
import { BrokerError } from './errors.ts'

export interface ProduceResult {
  partition: number
  baseOffset: bigint
  logAppendTime: bigint
}

/** acks: -1 (all in-sync replicas), 1 (leader) or 0 (no response; offsets come back as -1). */
export async function produceBatches(
  client: Client,
  topic: TopicInfo,
  batches: ReadonlyMap<number, Buffer>,
  acks: -1 | 0 | 1,
  timeoutMs = 30_000,
): Promise<ProduceResult[]> {
  const byLeader = new Map<number, number[]>()
  for (const p of batches.keys()) {
    const leader = topic.partitions.find((x) => x.partition === p)?.leader ?? -1
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), p])
  }
  const results: ProduceResult[] = []
  await Promise.all(
    [...byLeader.values()].map(async (ps) => {
      const conn = await client.leader(topic, ps[0]!)
      const body = (v: number): ProduceRequestInit => ({
        transactionalId: null,
        acks,
        timeoutMs,
        topicData: [
          {
            ...(v >= 13 ? { topicId: topic.topicId } : { name: topic.name }),
            partitionData: ps.map((p) => ({ index: p, records: batches.get(p)! })),
          },
        ],
      })
      if (acks === 0) {
        await conn.sendNoResponse('Produce', body)
        for (const p of ps) results.push({ partition: p, baseOffset: -1n, logAppendTime: -1n })
        return
      }
      const { body: res } = await conn.send('Produce', body)
      for (const t of res.responses)
        for (const pr of t.partitionResponses) {
          if (pr.errorCode !== 0)
            throw new BrokerError(pr.errorCode, `producing to ${topic.name}-${pr.index}`, pr.errorMessage)
          results.push({ partition: pr.index, baseOffset: pr.baseOffset, logAppendTime: pr.logAppendTimeMs })
        }
    }),
  )
  return results.sort((a, b) => a.partition - b.partition)
}
