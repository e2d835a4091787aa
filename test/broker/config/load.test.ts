// Configuration loading: properties files, both environment conventions, overrides, precedence,
// and the problems reported for unknown and invalid settings.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  apacheEnvName,
  bitnamiEnvName,
  ConfigError,
  loadConfig,
  parseProperties,
} from '../../../src/broker/config/load.ts'
import { resolveListeners } from '../../../src/broker/config/listeners.ts'
import { toLogConfig, validateTopicConfigs } from '../../../src/broker/config/topic-config.ts'

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-config-'))
  const path = join(dir, 'server.properties')
  writeFileSync(path, text)
  return path
}

describe('properties files', () => {
  it('parses comments, separators, continuations and escapes', () => {
    const p = parseProperties(
      [
        '# comment',
        '! also a comment',
        'a=1',
        'b : 2',
        'c 3',
        'd=x\\',
        '   y',
        'e=tab\\there',
        'f\\=g=h',
        '',
      ].join('\n'),
    )
    expect(Object.fromEntries(p)).toEqual({ a: '1', b: '2', c: '3', d: 'xy', e: 'tab\there', 'f=g': 'h' })
  })
})

describe('environment variable names', () => {
  it("maps the apache/kafka image's convention with its escapes", () => {
    expect(apacheEnvName('KAFKA_LOG_RETENTION_MS')).toBe('log.retention.ms')
    expect(apacheEnvName('KAFKA_ABC__DEF')).toBe('abc_def')
    expect(apacheEnvName('KAFKA_ABC___DEF')).toBe('abc-def')
  })

  it("maps bitnami's KAFKA_CFG_ convention", () => {
    expect(bitnamiEnvName('KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE')).toBe('auto.create.topics.enable')
  })
})

describe('loadConfig', () => {
  it('applies defaults < file < KAFKA_CFG_* < KAFKA_* < overrides', () => {
    const path = file(
      'num.partitions=2\nlog.retention.ms=1000\nmessage.max.bytes=500\ncompression.type=gzip\n',
    )
    const { config } = loadConfig({
      file: path,
      env: {
        KAFKA_CFG_LOG_RETENTION_MS: '2000',
        KAFKA_CFG_MESSAGE_MAX_BYTES: '600',
        KAFKA_MESSAGE_MAX_BYTES: '700',
        KAFKA_HEAP_OPTS: '-Xmx1G',
        PATH: '/bin',
      },
      overrides: ['compression.type=lz4'],
    })
    expect(config.number('num.partitions')).toBe(2)
    expect(config.number('log.retention.ms')).toBe(2000)
    expect(config.number('message.max.bytes')).toBe(700)
    expect(config.string('compression.type')).toBe('lz4')
    expect(config.number('socket.request.max.bytes')).toBe(104857600)
    expect(config.entry('num.partitions').origin).toBe('static')
    expect(config.entry('delete.topic.enable').origin).toBe('default')
  })

  it('keeps the dev-friendly defaults', () => {
    const { config } = loadConfig({})
    expect(config.number('group.initial.rebalance.delay.ms')).toBe(25)
    expect(config.number('offsets.topic.replication.factor')).toBe(1)
    expect(config.list('listeners')).toEqual(['PLAINTEXT://127.0.0.1:9092'])
    expect(config.nodeId).toBe(1)
  })

  it('reports every unknown and invalid setting at once, with hints', () => {
    const path = file('num.partitons=3\nnum.partitions=zero\nauto.create.topics.enable=maybe\n')
    let error: unknown
    try {
      loadConfig({ file: path, overrides: ['socket.request.max.bytes=-5', 'novalue'] })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    expect(problems).toContain("unknown property 'num.partitons'")
    expect(problems).toContain("did you mean 'num.partitions'?")
    expect(problems).toContain('num.partitions=zero: expected an integer')
    expect(problems).toContain('auto.create.topics.enable=maybe: expected true or false')
    expect(problems).toContain('socket.request.max.bytes=-5: must be at least 1')
    expect(problems).toContain("--override 'novalue' is not of the form key=value")
  })

  it('warns instead of failing for unknown KAFKA_* variables and accepted-but-inert properties', () => {
    const { warnings } = loadConfig({ env: { KAFKA_BROKERS: 'x:9092', KAFKA_NUM_NETWORK_THREADS: '8' } })
    expect(warnings.join('\n')).toContain("unknown property 'brokers'")
    expect(warnings.join('\n')).toContain(
      'num.network.threads is accepted for compatibility but has no effect',
    )
  })

  it('validates listeners as Kafka writes them', () => {
    expect(() => loadConfig({ overrides: ['listeners=localhost:9092'] })).toThrow(/NAME:\/\/host:port/)
    expect(() => loadConfig({ overrides: ['listeners=FOO://127.0.0.1:9092'] })).toThrow(
      /no security protocol/,
    )
    expect(() =>
      loadConfig({
        overrides: ['listeners=PLAINTEXT://:9092', 'advertised.listeners=PLAINTEXT://0.0.0.0:9092'],
      }),
    ).toThrow(/non-routable/)
  })

  it('honours broker.id as the older name of node.id', () => {
    expect(loadConfig({ overrides: ['broker.id=7'] }).config.nodeId).toBe(7)
    expect(() => loadConfig({ overrides: ['broker.id=7', 'node.id=3'] })).toThrow(/differs from node.id/)
  })
})

describe('listeners', () => {
  it('resolves named listeners, advertised endpoints and controller listeners', () => {
    const specs = resolveListeners({
      listeners: 'INTERNAL://127.0.0.1:19092,EXTERNAL://[::1]:0,CONTROLLER://127.0.0.1:9093',
      advertisedListeners: 'EXTERNAL://localhost:9092',
      protocolMap: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      controllerListenerNames: ['CONTROLLER'],
    })
    expect(specs).toEqual([
      {
        name: 'INTERNAL',
        securityProtocol: 'PLAINTEXT',
        bindHost: '127.0.0.1',
        port: 19092,
        advertisedHost: '127.0.0.1',
        advertisedPort: 19092,
      },
      {
        name: 'EXTERNAL',
        securityProtocol: 'PLAINTEXT',
        bindHost: '::1',
        port: 0,
        advertisedHost: 'localhost',
        advertisedPort: 9092,
      },
    ])
  })
})

describe('topic settings from broker settings', () => {
  it("follows Kafka's synonym precedence and units", () => {
    const { config } = loadConfig({ overrides: ['log.retention.hours=2', 'log.segment.bytes=1048576'] })
    let lc = toLogConfig({}, config)
    expect(lc.retentionMs).toBe(2 * 3_600_000)
    expect(lc.segmentBytes).toBe(1048576)
    expect(lc.cleanupPolicy).toEqual({ delete: true, compact: false })
    lc = toLogConfig(
      { 'retention.ms': '-1', 'cleanup.policy': 'compact,delete', 'flush.messages': '1' },
      config,
    )
    expect(lc.retentionMs).toBe(-1)
    expect(lc.cleanupPolicy).toEqual({ delete: true, compact: true })
    expect(lc.durable).toBe(true)
    const minutes = loadConfig({ overrides: ['log.retention.hours=2', 'log.retention.minutes=3'] }).config
    expect(toLogConfig({}, minutes).retentionMs).toBe(180_000)
  })

  it('passes max.compaction.lag.ms through (topic over log.cleaner.max.compaction.lag.ms; default never)', () => {
    const { config } = loadConfig({ overrides: ['log.cleaner.max.compaction.lag.ms=600000'] })
    expect(toLogConfig({}, loadConfig({}).config).maxCompactionLagMs).toBe(Number.MAX_SAFE_INTEGER)
    expect(toLogConfig({}, config).maxCompactionLagMs).toBe(600_000)
    expect(toLogConfig({ 'max.compaction.lag.ms': '5000' }, config).maxCompactionLagMs).toBe(5_000)
  })

  it("refuses min.compaction.lag.ms above max.compaction.lag.ms (Kafka's LogConfig.validateValues)", () => {
    expect(
      validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '10' }),
    ).toBeUndefined()
    expect(validateTopicConfigs({ 'min.compaction.lag.ms': '9223372036854775807' })).toBeUndefined()
    expect(validateTopicConfigs({ 'min.compaction.lag.ms': '11', 'max.compaction.lag.ms': '10' })).toBe(
      'conflict topic config setting min.compaction.lag.ms (11) > max.compaction.lag.ms (10)',
    )
  })
})
