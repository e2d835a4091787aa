// DescribeConfigs' ConfigSource codes (also CreateTopics v5+), and the mapping from where Samsa
// found a value to the code Kafka reports for it.

import type { ConfigOrigin } from './broker-config.ts'
import type { TopicConfigOrigin } from './topic-config.ts'

export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  DYNAMIC_CLIENT_METRICS_CONFIG: 7,
  /** A group config override (KIP-848 group configs). */
  GROUP_CONFIG: 8,
} as const

export function brokerConfigSource(origin: ConfigOrigin): number {
  switch (origin) {
    case 'dynamic':
      return ConfigSource.DYNAMIC_BROKER_CONFIG
    case 'static':
      return ConfigSource.STATIC_BROKER_CONFIG
    case 'default':
      return ConfigSource.DEFAULT_CONFIG
  }
}

export function topicConfigSource(origin: TopicConfigOrigin): number {
  switch (origin) {
    case 'topic':
      return ConfigSource.TOPIC_CONFIG
    case 'broker-dynamic':
      return ConfigSource.DYNAMIC_BROKER_CONFIG
    case 'broker-static':
      return ConfigSource.STATIC_BROKER_CONFIG
    case 'broker-default':
      return ConfigSource.DEFAULT_CONFIG
  }
}
