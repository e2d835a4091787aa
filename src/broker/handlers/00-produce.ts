// Produce: implemented v3-13 (v0-2 carry message formats v0/v1, gone in Kafka 4 — the advertise
// policy still lists 0 for librdkafka 2.0.2, KAFKA-18659, and the connection refuses them).
// Version notes: v3 transactionalId, record batch v2 only, one batch per partition · v7 zstd ·
// v8 recordErrors + errorMessage · v10 currentLeader/nodeEndpoints (only for NOT_LEADER, never
// here) · v11 TRANSACTION_ABORTABLE · v12 no wire change: a transactional batch adds its partition
// to the transaction (KIP-890 part 2, transactions v2) · v13 topics by topic id.
// The work is in src/broker/produce/produce.ts.

import { ApiKey } from '../../protocol/generated/index.ts'
import { handleProduce } from '../produce/produce.ts'
import { defineHandler } from '../registry.ts'

export default defineHandler(ApiKey.Produce, {
  versions: [3, 13],
  handle: handleProduce,
})
