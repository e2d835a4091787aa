// Shared set-up for end-to-end tests: a broker on an ephemeral 127.0.0.1 port, in memory, silent;
// KafkaJS clients for it; and polling for a condition the clients bring about.

import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs'
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

/** A test broker with a connected KafkaJS admin; close() disconnects it and stops the broker. */
export interface AdminHarness {
  broker: RunningBroker
  kafka: Kafka
  admin: Admin
  close: () => Promise<void>
}

/** AdminHarness plus a connected KafkaJS producer (close() disconnects it first). */
export interface ClientsHarness extends AdminHarness {
  producer: Producer
}

export async function startWithAdmin(options: BrokerOptions = {}): Promise<AdminHarness> {
  const h = await startHarness(options, false)
  return { broker: h.broker, kafka: h.kafka, admin: h.admin, close: h.close }
}

export async function startWithClients(options: BrokerOptions = {}): Promise<ClientsHarness> {
  const h = await startHarness(options, true)
  return { ...h, producer: h.producer! }
}

async function startHarness(
  options: BrokerOptions,
  withProducer: boolean,
): Promise<AdminHarness & { producer: Producer | undefined }> {
  const broker = await testBroker(options)
  const kafka = kafkaFor(broker)
  const admin = kafka.admin()
  let producer: Producer | undefined
  let adminConnected = false
  const close = async (): Promise<void> => {
    await producer?.disconnect()
    if (adminConnected) await admin.disconnect()
    await broker.close()
  }
  try {
    await admin.connect()
    adminConnected = true
    if (withProducer) {
      const p = kafka.producer()
      await p.connect()
      producer = p
    }
  } catch (err) {
    // A half-started harness still stops what it started before the test fails.
    await close().catch(() => {})
    throw err
  }
  return { broker, kafka, admin, producer, close }
}

/** Resolves once `cond()` holds, checking every `intervalMs`; rejects after `timeoutMs`. */
export function until(cond: () => boolean, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (cond()) return resolve()
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(check, intervalMs)
    }
    check()
  })
}
