// Example: the broker address is also in the environment, for code that reads it from there.
import { expect, inject, test } from 'vitest'

test('SAMSA_BOOTSTRAP_SERVERS matches the injected address', () => {
  expect(process.env.SAMSA_BOOTSTRAP_SERVERS).toBe(inject('samsaBootstrap'))
  expect(inject('samsaBootstrap')).toMatch(/^127\.0\.0\.1:\d+$/)
})
