// UpdateFeatures end to end with @platformatic/kafka's own UpdateFeatures v0/v1 and ApiVersions v4
// codecs (an independent encoder and decoder): Kafka's controller rules (all or nothing, downgrade
// types, validate-only), the finalized level and epoch clients read, and the level surviving a
// restart on disk — where an explicitly set `transaction.version` property wins over it.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  apiVersionsV4,
  Connection,
  ResponseError,
  updateFeaturesV0,
  updateFeaturesV1,
} from '@platformatic/kafka'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBroker } from '../../src/index.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { testBroker } from './helpers.ts'

const TV = 'transaction.version'
const UPGRADE = 1
const SAFE_DOWNGRADE = 2
const UNSAFE_DOWNGRADE = 3

interface Finalized {
  epoch: bigint
  levels: Record<string, number>
}

async function connect(broker: RunningBroker): Promise<Connection> {
  const c = new Connection('samsa-features-e2e')
  await c.connect(broker.host, broker.port)
  return c
}

async function finalized(c: Connection): Promise<Finalized> {
  const r = await apiVersionsV4.api.async(c, 'samsa-e2e', '1.0.0')
  const levels: Record<string, number> = {}
  for (const f of r.finalizedFeatures ?? []) {
    expect(f.minVersionLevel).toBe(f.maxVersionLevel)
    levels[f.name] = f.maxVersionLevel
  }
  return { epoch: r.finalizedFeaturesEpoch ?? -1n, levels }
}

type Update = { feature: string; maxVersionLevel: number; upgradeType: number }

/** The response, or the error code and message the broker answered with. */
async function update(
  c: Connection,
  updates: Update[],
  opts: { validateOnly?: boolean; v0?: boolean } = {},
): Promise<{ code: number; message: string | null; results: { feature: string; errorCode: number }[] }> {
  try {
    const api = opts.v0 === true ? updateFeaturesV0.api : updateFeaturesV1.api
    // Upgrade types outside 1-3 are sent on purpose (the broker must refuse them).
    const r = await api.async(
      c,
      30_000,
      updates as updateFeaturesV1.UpdateFeaturesRequestFeature[],
      opts.validateOnly ?? false,
    )
    return { code: r.errorCode, message: r.errorMessage ?? null, results: r.results }
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err
    const response = err.response as { errorCode: number; errorMessage: string | null; results: [] }
    return { code: response.errorCode, message: response.errorMessage, results: response.results }
  }
}

describe('UpdateFeatures with @platformatic/kafka', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-features-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('applies Kafka controller rules and changes what ApiVersions reports', async () => {
    const broker = await testBroker()
    const c = await connect(broker)
    try {
      const start = await finalized(c)
      expect(start.levels).toEqual({ [TV]: 2 })
      expect(start.epoch).toBeGreaterThan(0n)

      // Lowering a level with the upgrade type, raising one with a downgrade type, a level this node
      // does not support and an unknown feature: refused, and nothing changes — not even the valid
      // update in the same request.
      const refusals: Update[][] = [
        [{ feature: TV, maxVersionLevel: 1, upgradeType: UPGRADE }],
        [
          { feature: 'some.valid.first', maxVersionLevel: 0, upgradeType: SAFE_DOWNGRADE },
          { feature: TV, maxVersionLevel: 3, upgradeType: UPGRADE },
        ],
        [{ feature: 'no.such.feature', maxVersionLevel: 1, upgradeType: UPGRADE }],
        [{ feature: TV, maxVersionLevel: 1, upgradeType: 9 }],
      ]
      for (const updates of refusals) {
        const r = await update(c, updates)
        expect(r.code).toBe(ErrorCode.INVALID_UPDATE_VERSION)
        expect(r.message).toMatch(
          /^The update failed for all features since the following feature had an error: /,
        )
        expect(r.results).toEqual([])
      }
      const downAndUp = await update(c, [
        { feature: TV, maxVersionLevel: 1, upgradeType: SAFE_DOWNGRADE },
        { feature: 'no.such.feature', maxVersionLevel: 2, upgradeType: UPGRADE },
      ])
      expect(downAndUp.code).toBe(ErrorCode.INVALID_UPDATE_VERSION)
      expect(await finalized(c)).toEqual(start)

      // Validate-only: accepted, not applied.
      const check = await update(c, [{ feature: TV, maxVersionLevel: 1, upgradeType: SAFE_DOWNGRADE }], {
        validateOnly: true,
      })
      expect(check.code).toBe(ErrorCode.NONE)
      expect(await finalized(c)).toEqual(start)

      // A safe downgrade: v1 lists the feature with NONE; the epoch moves on.
      const down = await update(c, [{ feature: TV, maxVersionLevel: 1, upgradeType: SAFE_DOWNGRADE }])
      expect(down).toMatchObject({
        code: ErrorCode.NONE,
        results: [{ feature: TV, errorCode: ErrorCode.NONE }],
      })
      const afterDown = await finalized(c)
      expect(afterDown.levels).toEqual({ [TV]: 1 })
      expect(afterDown.epoch).toBeGreaterThan(start.epoch)
      expect(broker.services.features.transactionVersion).toBe(1)

      // Level 0 (unsafe downgrade) leaves the finalized list; v0's AllowDowngrade=false upgrades.
      expect(
        (await update(c, [{ feature: TV, maxVersionLevel: 0, upgradeType: UNSAFE_DOWNGRADE }])).code,
      ).toBe(ErrorCode.NONE)
      const off = await finalized(c)
      expect(off.levels).toEqual({})
      expect(off.epoch).toBeGreaterThan(afterDown.epoch)
      const up = await update(c, [{ feature: TV, maxVersionLevel: 2, upgradeType: UPGRADE }], { v0: true })
      expect(up.code).toBe(ErrorCode.NONE)
      expect((await finalized(c)).levels).toEqual({ [TV]: 2 })
    } finally {
      await c.close()
      await broker.close()
    }
  })

  it('keeps the level across a restart on disk unless the property is set explicitly', async () => {
    const first = await testBroker({ memory: false, dataDir: dir })
    let epoch: bigint
    try {
      const c = await connect(first)
      expect((await update(c, [{ feature: TV, maxVersionLevel: 1, upgradeType: SAFE_DOWNGRADE }])).code).toBe(
        0,
      )
      epoch = (await finalized(c)).epoch
      await c.close()
    } finally {
      await first.close()
    }

    const second = await testBroker({ memory: false, dataDir: dir })
    try {
      const c = await connect(second)
      const after = await finalized(c)
      expect(after.levels).toEqual({ [TV]: 1 })
      expect(after.epoch).toBeGreaterThanOrEqual(epoch)
      await c.close()
    } finally {
      await second.close()
    }

    const third = await testBroker({ memory: false, dataDir: dir, config: { [TV]: 2 } })
    try {
      const c = await connect(third)
      expect((await finalized(c)).levels).toEqual({ [TV]: 2 })
      await c.close()
    } finally {
      await third.close()
    }
  })
})
