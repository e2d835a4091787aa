// Every client runner, in matrix column order. Each lives in compat/<name>/runner.ts.

import type { ClientRunner } from './harness/runner.ts'
import { runner as kafkaPython } from './kafka-python/runner.ts'
import { runner as kafkaGo } from './kafka-go/runner.ts'
import { runner as kafkajs } from './kafkajs/runner.ts'
import { runner as kcat } from './kcat/runner.ts'
import { runner as confluentGo } from './confluent-go/runner.ts'
import { runner as confluentJs } from './confluent-js/runner.ts'
import { runner as confluentPython } from './confluent-python/runner.ts'
import { runner as platformatic } from './platformatic/runner.ts'
import { runner as sarama } from './sarama/runner.ts'

export const CLIENTS: readonly ClientRunner[] = [
  kafkajs,
  platformatic,
  confluentJs,
  kcat,
  confluentPython,
  kafkaPython,
  sarama,
  kafkaGo,
  confluentGo,
]
