// FindCoordinator: v0-6
// Version notes: v1 KeyType (0 group, 1 transaction), throttleTimeMs, errorMessage · v3 flexible ·
// v4 batched CoordinatorKeys answered in Coordinators (the single-key fields are unused) ·
// v6 KeyType 2 (share groups, KIP-932: not served here → INVALID_REQUEST).
// This node coordinates every group and transactional id once the matching coordinator has
// started (services.groups / services.transactions); until then the answer is
// COORDINATOR_NOT_AVAILABLE, which clients retry.

import { ErrorCode, errorInfo } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/index.ts'
import { defineHandler } from '../registry.ts'
import type { RequestContext } from '../request-context.ts'

const KEY_TYPE_GROUP = 0
const KEY_TYPE_TRANSACTION = 1

interface Answer {
  nodeId: number
  host: string
  port: number
  errorCode: number
  errorMessage: string | null
}

function answer(ctx: RequestContext, keyType: number): Answer {
  const none = (errorCode: number, errorMessage: string | null): Answer => ({
    nodeId: -1,
    host: '',
    port: -1,
    errorCode,
    errorMessage,
  })
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION)
    return none(ErrorCode.INVALID_REQUEST, `Unsupported key type ${keyType}.`)
  const ready = keyType === KEY_TYPE_GROUP ? ctx.services.groups : ctx.services.transactions
  if (ready === undefined)
    return none(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorInfo(ErrorCode.COORDINATOR_NOT_AVAILABLE)?.message ?? null,
    )
  const l = ctx.connection.listener
  return {
    nodeId: ctx.services.nodeId,
    host: l.advertisedHost,
    port: l.advertisedPort,
    errorCode: 0,
    errorMessage: null,
  }
}

export default defineHandler(ApiKey.FindCoordinator, {
  versions: [0, 6],
  handle(ctx, req) {
    const keyType = ctx.apiVersion >= 1 ? req.keyType : KEY_TYPE_GROUP
    if (ctx.apiVersion >= 4) {
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        nodeId: 0,
        host: '',
        port: 0,
        coordinators: req.coordinatorKeys.map((key) => ({ key, ...answer(ctx, keyType) })),
      }
    }
    const a = answer(ctx, keyType)
    return {
      throttleTimeMs: 0,
      errorCode: a.errorCode,
      // Kafka sends Errors.message() here, which reads "NONE" on success.
      errorMessage: ctx.apiVersion >= 1 ? (a.errorMessage ?? (a.errorCode === 0 ? 'NONE' : null)) : null,
      nodeId: a.nodeId,
      host: a.host,
      port: a.port,
      coordinators: [],
    }
  },
})
