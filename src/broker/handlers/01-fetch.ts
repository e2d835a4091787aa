// Fetch: v4-18 (v0-3 are message formats v0/v1, gone in Kafka 4).
// Version notes: v4 isolationLevel, lastStableOffset, abortedTransactions · v5 logStartOffset ·
// v7 fetch sessions (KIP-227) · v9 currentLeaderEpoch · v10 zstd readable · v11 rackId (one node:
// no preferred replica) · v12 flexible, lastFetchedEpoch → divergingEpoch · v13 topic ids ·
// v15 replicaState · v17 replicaDirectoryId · v18 follower high watermark (tagged; consumers
// never send it). The work is in src/broker/fetch/.

import { ApiKey } from '../../protocol/generated/index.ts'
import { handleFetch } from '../fetch/fetch.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.Fetch, {
  versions: [4, 18],
  handle: handleFetch,
})
