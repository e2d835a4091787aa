import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../src/broker/config/broker-config.ts'
import {
  FeatureLevels,
  invalidFeatureUpdate,
  UpgradeType,
  type FeatureLevelStore,
} from '../../src/broker/features.ts'

const TV = 'transaction.version'

class Store implements FeatureLevelStore {
  levels: ReadonlyMap<string, number> = new Map()
  writes = 0
  fail = false
  featureLevels(): ReadonlyMap<string, number> {
    return this.levels
  }
  async setFeatureLevels(levels: ReadonlyMap<string, number>): Promise<void> {
    await new Promise((r) => setTimeout(r, 1))
    if (this.fail) throw new Error('disk full')
    this.writes++
    this.levels = new Map(levels)
  }
}

function options(store: Store, nowMs = 5, validateOnly = false) {
  return { validateOnly, nodeId: 1, store, nowMs: () => nowMs }
}

describe('feature updates (Kafka controller rules)', () => {
  const at = (level: number) => () => level
  it('names the first problem the way Kafka does', () => {
    const check = (current: number, feature: string, level: number, upgradeType: number) =>
      invalidFeatureUpdate(at(current), 1, { feature, level, upgradeType })
    expect(check(2, TV, 1, UpgradeType.UPGRADE)).toBe(
      "Invalid update version 1 for feature transaction.version. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.",
    )
    expect(check(1, TV, 2, UpgradeType.SAFE_DOWNGRADE)).toMatch(/Can't downgrade to a newer version\.$/)
    expect(check(1, TV, 3, UpgradeType.UPGRADE)).toMatch(/Local controller 1 only supports versions 0-2$/)
    expect(check(1, TV, -1, UpgradeType.UPGRADE)).toMatch(/A feature version cannot be less than 0\.$/)
    expect(check(0, 'metadata.version', 25, UpgradeType.UPGRADE)).toMatch(/does not support this feature\.$/)
    expect(check(0, 'x', 0, UpgradeType.SAFE_DOWNGRADE)).toMatch(/Unknown feature x\.$/)
    for (const t of [0, 4, -1])
      expect(check(1, TV, 1, t)).toMatch(/does not support the given upgrade type\.$/)
    // Same level with any type, lower with either downgrade type, higher with upgrade: valid.
    for (const t of [1, 2, 3]) expect(check(1, TV, 1, t)).toBeUndefined()
    expect(check(2, TV, 0, UpgradeType.UNSAFE_DOWNGRADE)).toBeUndefined()
    expect(check(0, TV, 2, UpgradeType.UPGRADE)).toBeUndefined()
  })

  it('is all or nothing, durable before visible, and moves the epoch forward', async () => {
    const store = new Store()
    const f = new FeatureLevels(new Map([[TV, 2]]), 100n)
    expect(
      await f.update(
        [
          { feature: TV, level: 1, upgradeType: UpgradeType.SAFE_DOWNGRADE },
          { feature: 'nope', level: 1, upgradeType: UpgradeType.UPGRADE },
        ],
        options(store),
      ),
    ).toMatch(/nope/)
    expect(f.transactionVersion).toBe(2)
    expect(store.writes).toBe(0)

    // Validate-only: no write, no change.
    expect(
      await f.update([{ feature: TV, level: 1, upgradeType: 2 }], options(store, 5, true)),
    ).toBeUndefined()
    expect([f.transactionVersion, f.epoch, store.writes]).toEqual([2, 100n, 0])

    // The clock (5 ms) is behind the epoch: the epoch still grows.
    const pending = f.update([{ feature: TV, level: 1, upgradeType: 2 }], options(store))
    expect(f.transactionVersion).toBe(2) // not before the store has it
    expect(await pending).toBeUndefined()
    expect([f.transactionVersion, f.epoch, [...store.levels]]).toEqual([1, 101n, [[TV, 1]]])
    expect(await f.update([{ feature: TV, level: 0, upgradeType: 3 }], options(store, 5000))).toBeUndefined()
    expect([f.finalized(), f.epoch]).toEqual([[], 5000n])
  })

  it('runs updates one at a time, each validated against the one before', async () => {
    const store = new Store()
    const f = new FeatureLevels(new Map([[TV, 2]]), 1n)
    const first = f.update(
      [{ feature: TV, level: 0, upgradeType: UpgradeType.SAFE_DOWNGRADE }],
      options(store),
    )
    // Checked after the first lands: raising 0 → 1 with a downgrade type is refused.
    const second = f.update(
      [{ feature: TV, level: 1, upgradeType: UpgradeType.SAFE_DOWNGRADE }],
      options(store),
    )
    expect(await first).toBeUndefined()
    expect(await second).toMatch(/Can't downgrade to a newer version/)
    expect(f.transactionVersion).toBe(0)
  })

  it('changes nothing when the store fails, and serves the next update', async () => {
    const store = new Store()
    const f = new FeatureLevels(new Map([[TV, 2]]), 1n)
    store.fail = true
    await expect(f.update([{ feature: TV, level: 1, upgradeType: 2 }], options(store))).rejects.toThrow(
      'disk full',
    )
    expect([f.transactionVersion, f.epoch]).toEqual([2, 1n])
    store.fail = false
    expect(await f.update([{ feature: TV, level: 1, upgradeType: 2 }], options(store))).toBeUndefined()
    expect(f.transactionVersion).toBe(1)
  })

  it('starts from the stored level unless the property is set explicitly', () => {
    const stored = new Map([[TV, 1]])
    expect(FeatureLevels.load(new BrokerConfig(new Map()), stored, 7).transactionVersion).toBe(1)
    expect(FeatureLevels.load(new BrokerConfig(new Map()), new Map(), 7).transactionVersion).toBe(2)
    expect(FeatureLevels.load(new BrokerConfig(new Map([[TV, '0']])), stored, 7).transactionVersion).toBe(0)
    expect(FeatureLevels.load(new BrokerConfig(new Map()), stored, 7).epoch).toBe(7n)
  })
})
