// DescribeLogDirs: v1-4
// Version notes: v1 throttleTimeMs (v0 removed in Kafka 4, KIP-896) · v2 flexible · v3 top-level
// errorCode · v4 TotalBytes/UsableBytes of the directory's file system.
// One log dir: the data directory (or "memory" in memory mode, whose sizes are unknown: -1).
// Null topics = every partition; unknown topics and partitions are left out, as Kafka does.

import { statfs } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey, type DescribeLogDirsResponseDescribeLogDirsTopic } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.DescribeLogDirs, {
  versions: [1, 4],
  async handle(ctx, req) {
    const { topics } = ctx.services
    const wanted = new Map<string, number[]>()
    if (req.topics === null) {
      for (const tp of topics.allPartitions())
        wanted.set(tp.topic, [...(wanted.get(tp.topic) ?? []), tp.partition])
    } else {
      for (const t of req.topics) wanted.set(t.topic, [...(wanted.get(t.topic) ?? []), ...t.partitions])
    }
    const out: DescribeLogDirsResponseDescribeLogDirsTopic[] = []
    for (const [name, partitions] of wanted) {
      const rows = []
      for (const p of [...new Set(partitions)].sort((a, b) => a - b)) {
        const log = topics.partition(name, p)
        if (log === undefined) continue
        rows.push({
          partitionIndex: p,
          partitionSize: BigInt(log.sizeInBytes()),
          offsetLag: 0n,
          isFutureKey: false,
        })
      }
      if (rows.length > 0) out.push({ name, partitions: rows })
    }
    const dataDir = ctx.services.dataDir
    const dir = dataDir === undefined ? 'memory' : resolve(dataDir)
    let totalBytes = -1n
    let usableBytes = -1n
    if (dir !== 'memory') {
      try {
        const s = await statfs(dir, { bigint: true })
        totalBytes = s.blocks * s.bsize
        usableBytes = s.bavail * s.bsize
      } catch {
        // Sizes stay unknown (-1) if the file system cannot be asked.
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode: ErrorCode.NONE, logDir: dir, topics: out, totalBytes, usableBytes }],
    }
  },
})
