// The leader epoch of every partition on this single node, and Kafka's check of the epoch a client
// believes current (KIP-320: Fetch v9+, ListOffsets v4+, OffsetForLeaderEpoch v2+).
//
// A single node is the only leader there has ever been, so the epoch never changes: LEADER_EPOCH
// (topic-manager.ts, 0, the epoch a Kafka partition starts with), which Metadata reports and
// Produce writes into every batch's partitionLeaderEpoch, so OffsetForLeaderEpoch answers
// consistently.

import { ErrorCode } from '../../protocol/errors.ts'
import type { PartitionLog } from '../../storage/log-store.ts'
import { LEADER_EPOCH } from '../metadata/topic-manager.ts'

export { LEADER_EPOCH }

/**
 * Kafka's Partition.localLogWithEpochOrThrow: -1 skips the check, an older epoch is fenced, a newer
 * one is unknown to this leader (the client has seen metadata we have not).
 */
export function leaderEpochError(currentLeaderEpoch: number): number {
  if (currentLeaderEpoch < 0 || currentLeaderEpoch === LEADER_EPOCH) return ErrorCode.NONE
  return currentLeaderEpoch < LEADER_EPOCH ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH
}

/**
 * Kafka's LeaderEpochFileCache.endOffsetFor as the leader answers it: the current epoch ends at the
 * log end offset (the leader's cache always holds its own epoch, even before any append); older
 * epochs come from the log's epoch history; unknown or future epochs are -1/-1.
 */
export function epochEndOffset(log: PartitionLog, epoch: number): { leaderEpoch: number; endOffset: bigint } {
  if (epoch === LEADER_EPOCH) return { leaderEpoch: LEADER_EPOCH, endOffset: log.logEndOffset() }
  if (epoch < 0 || epoch > LEADER_EPOCH) return { leaderEpoch: -1, endOffset: -1n }
  return log.endOffsetForEpoch(epoch)
}
