// ListOffsets by partition leader: the offset at a timestamp, or the earliest/latest offsets.

import type { Client, TopicInfo } from './client.ts'
import { BrokerError } from './errors.ts'

/** Special ListOffsets timestamps (Kafka's ListOffsetsRequest constants). */
export const LATEST = -1n
export const EARLIEST = -2n

/**
 * Offsets for `partitions` of `topic` at `timestamp` (LATEST, EARLIEST or epoch ms; for a
 * timestamp past the last record the answer is -1, which callers usually map to the end).
 */
export async function listOffsets(
  client: Client,
  topic: TopicInfo,
  partitions: readonly number[],
  timestamp: bigint,
): Promise<Map<number, bigint>> {
  const byLeader = new Map<number, number[]>()
  for (const p of partitions) {
    const info = topic.partitions.find((x) => x.partition === p)
    const leader = info?.leader ?? -1
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), p])
  }
  const out = new Map<number, bigint>()
  await Promise.all(
    [...byLeader].map(async ([, ps]) => {
      const conn = await client.leader(topic, ps[0]!)
      const { body } = await conn.send('ListOffsets', {
        replicaId: -1,
        isolationLevel: 0,
        topics: [
          {
            name: topic.name,
            partitions: ps.map((p) => ({
              partitionIndex: p,
              timestamp,
              currentLeaderEpoch: -1,
              maxNumOffsets: 1,
            })),
          },
        ],
      })
      for (const t of body.topics)
        for (const p of t.partitions) {
          if (p.errorCode !== 0)
            throw new BrokerError(p.errorCode, `listing offsets of ${topic.name}-${p.partitionIndex}`)
          out.set(p.partitionIndex, p.oldStyleOffsets[0] ?? p.offset)
        }
    }),
  )
  return out
}
