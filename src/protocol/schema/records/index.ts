// Every "data" message we declare (no API key), grouped by the generated file that holds its codec.
// The generator reads this list; each group becomes src/protocol/generated/<file>.

import type { MessageSpec } from '../dsl.ts'
import { CONSUMER_OFFSETS_MESSAGES } from './consumer-offsets.ts'
import { CONSUMER_PROTOCOL_MESSAGES } from './consumer-protocol.ts'
import { TRANSACTION_LOG_MESSAGES } from './transaction-log.ts'

export interface RecordSchemaFile {
  /** Generated file name inside src/protocol/generated/. */
  readonly file: string
  /** The declaring module, relative to the repository root. */
  readonly schema: string
  readonly title: string
  readonly messages: readonly MessageSpec[]
}

export const RECORD_SCHEMA_FILES: readonly RecordSchemaFile[] = [
  {
    file: 'records-consumer-offsets.ts',
    schema: 'src/protocol/schema/records/consumer-offsets.ts',
    title: '__consumer_offsets record keys and values',
    messages: CONSUMER_OFFSETS_MESSAGES,
  },
  {
    file: 'records-transaction-log.ts',
    schema: 'src/protocol/schema/records/transaction-log.ts',
    title: '__transaction_state record keys and values',
    messages: TRANSACTION_LOG_MESSAGES,
  },
  {
    file: 'records-consumer-protocol.ts',
    schema: 'src/protocol/schema/records/consumer-protocol.ts',
    title: 'classic consumer group protocol metadata (subscription and assignment)',
    messages: CONSUMER_PROTOCOL_MESSAGES,
  },
]
