// Shared set-up for end-to-end tests: a broker on an ephemeral 127.0.0.1 port, in memory, silent.

import { Kafka, logLevel } from 'kafkajs'
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/index.ts'
import { silentLogger } from '../../src/broker/logger.ts'

export async function testBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, memory: true, logger: silentLogger(), ...options })
}

export function kafkaFor(broker: RunningBroker, clientId = 'samsa-e2e'): Kafka {
  return new Kafka({
    clientId,
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 50 },
  })
}
