// PRODUCER_FENCED (KIP-588) exists for a transactional API only from a given request version on;
// older clients know the same condition as INVALID_PRODUCER_EPOCH. InitProducerId (v4+),
// AddPartitionsToTxn, AddOffsetsToTxn and EndTxn (v2+) translate through here.

import { ErrorCode } from '../../protocol/errors.ts'

/** `errorCode` as a client of `apiVersion` knows it, for an API answering PRODUCER_FENCED since `fencedSince`. */
export function fencedErrorFor(errorCode: number, apiVersion: number, fencedSince: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < fencedSince
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : errorCode
}
