import { describe, expect, it } from 'vitest'
import { LeaderEpochCache } from '../../src/storage/leader-epoch-cache.ts'

describe('leader-epoch cache', () => {
  it('answers OffsetForLeaderEpoch like Kafka', () => {
    const c = new LeaderEpochCache()
    c.assign(2, 10n)
    c.assign(2, 15n)
    c.assign(5, 30n)
    expect(c.entries()).toEqual([
      { epoch: 2, startOffset: 10n },
      { epoch: 5, startOffset: 30n },
    ])
    expect(c.endOffsetFor(5, 40n)).toEqual({ leaderEpoch: 5, endOffset: 40n })
    expect(c.endOffsetFor(3, 40n)).toEqual({ leaderEpoch: 2, endOffset: 30n })
    expect(c.endOffsetFor(1, 40n)).toEqual({ leaderEpoch: 1, endOffset: 10n })
    expect(c.endOffsetFor(9, 40n)).toEqual({ leaderEpoch: -1, endOffset: -1n })
    expect(c.epochForOffset(29n)).toBe(2)
    expect(c.epochForOffset(9n)).toBe(-1)
  })

  it('drops non-monotonic entries on assign and truncates both ends', () => {
    const changes: number[] = []
    const c = new LeaderEpochCache([], (e) => changes.push(e.length))
    c.assign(1, 0n)
    c.assign(3, 10n)
    c.assign(4, 20n)
    c.assign(2, 15n)
    expect(c.entries()).toEqual([
      { epoch: 1, startOffset: 0n },
      { epoch: 2, startOffset: 15n },
    ])
    c.assign(3, 20n)
    c.assign(4, 30n)
    c.truncateFromEnd(30n)
    expect(c.latest()).toEqual({ epoch: 3, startOffset: 20n })
    c.truncateFromStart(17n)
    expect(c.entries()).toEqual([
      { epoch: 2, startOffset: 17n },
      { epoch: 3, startOffset: 20n },
    ])
    c.truncateFromStart(5n)
    expect(c.entries()[0]).toEqual({ epoch: 2, startOffset: 17n })
    expect(changes.length).toBeGreaterThan(0)
  })
})
