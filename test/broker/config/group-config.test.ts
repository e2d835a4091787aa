import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { consumerGroupTimeouts, validateGroupConfigs } from '../../../src/broker/config/group-config.ts'
import { KafkaError } from '../../../src/protocol/errors.ts'

const broker = new BrokerConfig(
  new Map([
    ['group.consumer.session.timeout.ms', '30000'],
    ['group.consumer.min.session.timeout.ms', '10000'],
  ]),
)

function refusal(overrides: Record<string, string>): string | undefined {
  try {
    validateGroupConfigs(overrides, broker)
    return undefined
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError)
    expect((err as KafkaError).code).toBe(40) // INVALID_CONFIG
    return (err as KafkaError).message
  }
}

describe('group configs', () => {
  it('falls back to the broker settings, taking overrides where set', () => {
    expect(consumerGroupTimeouts({}, broker)).toEqual({ sessionTimeoutMs: 30000, heartbeatIntervalMs: 5000 })
    expect(consumerGroupTimeouts({ 'consumer.heartbeat.interval.ms': '7000' }, broker)).toEqual({
      sessionTimeoutMs: 30000,
      heartbeatIntervalMs: 7000,
    })
  })

  it("refuses what Kafka's GroupConfig refuses, with its messages", () => {
    expect(refusal({})).toBeUndefined()
    expect(
      refusal({ 'consumer.session.timeout.ms': '10000', 'share.record.lock.duration.ms': '15000' }),
    ).toBeUndefined()
    expect(refusal({ 'group.consumer.session.timeout.ms': '1' })).toBe(
      'Unknown group config name: group.consumer.session.timeout.ms',
    )
    expect(refusal({ 'consumer.session.timeout.ms': 'x' })).toMatch(
      /^Invalid value x for configuration consumer.session.timeout.ms: /,
    )
    expect(refusal({ 'consumer.session.timeout.ms': '9999' })).toBe(
      'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms',
    )
    expect(refusal({ 'consumer.session.timeout.ms': '60001' })).toBe(
      'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms',
    )
    expect(refusal({ 'consumer.heartbeat.interval.ms': '4999' })).toMatch(/min.heartbeat.interval.ms$/)
    expect(refusal({ 'share.record.lock.duration.ms': '14999' })).toBe(
      'share.record.lock.duration.ms must be greater than or equal to 15000',
    )
    expect(
      refusal({ 'consumer.session.timeout.ms': '10000', 'consumer.heartbeat.interval.ms': '10000' }),
    ).toBe('consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms')
  })
})
