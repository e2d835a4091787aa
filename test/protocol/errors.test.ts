import { describe, expect, it } from 'vitest'
import {
  ERRORS,
  ErrorCode,
  KafkaError,
  errorInfo,
  errorName,
  isRetriable,
  toErrorCode,
  type ErrorName,
} from '../../src/protocol/errors.ts'
import { ProtocolError } from '../../src/protocol/errors-protocol.ts'

describe('error-code table', () => {
  it('covers every code from -1 to 128 exactly once', () => {
    const codes = Object.values(ERRORS).map((e) => e.code)
    expect(codes).toHaveLength(130)
    expect(new Set(codes).size).toBe(130)
    expect([...codes].sort((a, b) => a - b)).toEqual(Array.from({ length: 130 }, (_, i) => i - 1))
  })

  it('uses Kafka names, including the historical ones', () => {
    expect(ErrorCode.NONE).toBe(0)
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1)
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6)
    expect(ErrorCode.INVALID_TOPIC_EXCEPTION).toBe(17)
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35)
    expect(ErrorCode.INVALID_PRODUCER_ID_MAPPING).toBe(49)
    expect(ErrorCode.TRANSACTION_ABORTABLE).toBe(120)
    expect(ErrorCode.INVALID_REGULAR_EXPRESSION).toBe(128)
    for (const name of Object.keys(ERRORS)) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/)
  })

  it('marks exactly the retriable codes of the reference client', () => {
    const retriable = Object.values(ERRORS)
      .filter((e) => e.retriable)
      .map((e) => e.code)
      .sort((a, b) => a - b)
    expect(retriable).toEqual([
      2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100,
      103, 106, 122, 123,
    ])
    // Metadata refresh implies retriable (InvalidMetadataException extends RetriableException).
    for (const e of Object.values(ERRORS)) if (e.refreshMetadata) expect(e.retriable).toBe(true)
    expect(ERRORS.UNKNOWN_TOPIC_OR_PARTITION.refreshMetadata).toBe(true)
    expect(ERRORS.NOT_COORDINATOR.refreshMetadata).toBe(false)
  })

  it('carries default messages for every error but NONE', () => {
    for (const [name, e] of Object.entries(ERRORS)) {
      if (name === 'NONE') expect(e.message).toBe('')
      else expect(e.message.length).toBeGreaterThan(5)
    }
    expect(ERRORS.UNSUPPORTED_VERSION.message).toBe('The version of API is not supported.')
  })
})

describe('lookups', () => {
  it('errorName and errorInfo map codes back to names', () => {
    expect(errorName(3)).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(errorName(-1)).toBe('UNKNOWN_SERVER_ERROR')
    expect(errorName(999)).toBe('UNKNOWN_ERROR_CODE(999)')
    expect(errorInfo(16)).toMatchObject({ name: 'NOT_COORDINATOR', code: 16, retriable: true })
    expect(errorInfo(129)).toBeUndefined()
    for (const name of Object.keys(ERRORS) as ErrorName[]) expect(errorName(ERRORS[name].code)).toBe(name)
  })

  it('isRetriable follows the table and rejects unknown codes', () => {
    expect(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true)
    expect(isRetriable(ErrorCode.REBALANCE_IN_PROGRESS)).toBe(false)
    expect(isRetriable(ErrorCode.NONE)).toBe(false)
    expect(isRetriable(500)).toBe(false)
  })
})

describe('KafkaError', () => {
  it('is built from a name or a code and keeps the default message', () => {
    const a = new KafkaError('NOT_COORDINATOR')
    expect(a).toBeInstanceOf(Error)
    expect(a.code).toBe(16)
    expect(a.errorName).toBe('NOT_COORDINATOR')
    expect(a.message).toBe('This is not the correct coordinator.')
    expect(a.errorMessage).toBeNull()
    expect(a.retriable).toBe(true)
    const b = new KafkaError(3)
    expect(b.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('carries an explicit message for ErrorMessage fields, and a cause', () => {
    const cause = new Error('disk')
    const e = new KafkaError('INVALID_REPLICATION_FACTOR', 'Replication factor 3 > 1 broker', { cause })
    expect(e.message).toBe('Replication factor 3 > 1 broker')
    expect(e.errorMessage).toBe('Replication factor 3 > 1 broker')
    expect(e.cause).toBe(cause)
  })

  it('accepts a code outside the table but never a non-int16', () => {
    expect(new KafkaError(200).errorName).toBe('UNKNOWN_ERROR_CODE(200)')
    expect(() => new KafkaError(40000)).toThrow(RangeError)
    expect(() => new KafkaError(1.5)).toThrow(RangeError)
  })
})

describe('toErrorCode', () => {
  it('maps KafkaError to its code and anything else to UNKNOWN_SERVER_ERROR', () => {
    expect(toErrorCode(new KafkaError('OFFSET_OUT_OF_RANGE'))).toBe(1)
    expect(toErrorCode(new KafkaError('NONE'))).toBe(0)
    expect(toErrorCode(new Error('boom'))).toBe(-1)
    expect(toErrorCode(new ProtocolError('bad'))).toBe(-1)
    expect(toErrorCode('a string')).toBe(-1)
    expect(toErrorCode(undefined)).toBe(-1)
  })
})
