// RE2 syntax as Kafka's RE2J reads it (github.com/google/re2/wiki/Syntax), whole-string matching.
// The expectations are RE2's documented behaviour, written out by hand: JavaScript's RegExp on the
// raw pattern gets many of them wrong (noted per case), which is the point of the translation.

import { describe, expect, it } from 'vitest'
import { compileRe2FullMatch, Re2SyntaxError } from '../../../src/broker/group/re2-pattern.ts'

function matches(pattern: string, yes: string[], no: string[]): void {
  const re = compileRe2FullMatch(pattern)
  for (const s of yes) expect(re.test(s), `${pattern} should match ${s}`).toBe(true)
  for (const s of no) expect(re.test(s), `${pattern} should not match ${s}`).toBe(false)
}

describe('RE2 patterns (KIP-848 SubscribedTopicRegex)', () => {
  it('matches whole topic names with the plain syntax both share', () => {
    matches('orders.*', ['orders', 'orders-eu', 'orders.v2'], ['my-orders', 'order'])
    matches('(orders|payments)-[0-9]+', ['orders-1', 'payments-42'], ['orders-', 'orders-1x'])
    matches('a|b', ['a', 'b'], ['ab'])
    matches('x{2,3}', ['xx', 'xxx'], ['x', 'xxxx'])
  })

  it('applies flag groups to the rest of their group, across alternatives (JS: syntax error)', () => {
    matches('(?i)orders', ['ORDERS', 'Orders'], ['orders2'])
    matches('a(?i)b|c', ['aB', 'ab', 'C', 'c'], ['AB', 'aC'])
    matches('(a(?i)b)c', ['aBc', 'abc'], ['aBC', 'ABc'])
    matches('(?i:ab)c', ['ABc'], ['ABC'])
    matches('(?i)a(?-i)b', ['Ab', 'ab'], ['AB'])
    matches('(?s).', ['\n'], [])
    matches('.', ['x'], ['\n'])
  })

  it('swaps greedy and lazy under U', () => {
    const greedy = compileRe2FullMatch('(a+)(a*)')
    const ungreedy = compileRe2FullMatch('(?U)(a+)(a*)')
    expect(greedy.exec('aaa')?.[1]).toBe('aaa')
    expect(ungreedy.exec('aaa')?.[1]).toBe('a')
    expect(compileRe2FullMatch('(?U)(a+?)(a*)').exec('aaa')?.[1]).toBe('aaa')
  })

  it('reads RE2-only escapes and classes', () => {
    matches('\\Qa.b\\E+', ['a.b', 'a.bbb'], ['axb', 'a.ba.b']) // JS: \Q is an identity escape
    matches('\\Aorders\\z', ['orders'], [])
    matches('[[:alpha:]]+-[[:digit:]]', ['abc-1'], ['ab1-1'])
    matches('[[:^digit:]]+', ['ab-'], ['a1'])
    matches('[]a]+', [']a]'], ['b']) // JS: an empty class, then "a]+"
    matches('[^]a]', ['b'], [']', 'a'])
    matches('\\pL+', ['héllo', 'Ωmega'], ['a1'])
    matches('\\p{Greek}+', ['Ωμ'], ['ab'])
    matches('\\P{Greek}', ['a'], ['Ω'])
    matches('\\p{^Greek}', ['a'], ['Ω'])
    matches('\\x41\\x{42}\\101', ['ABA'], [])
    matches('a\\s', ['a ', 'a\t'], ['a\u00a0', 'a\v']) // RE2's \s is [\t\n\f\r ]
    matches('a}b]c', ['a}b]c'], []) // lone } and ] are literals in RE2
    matches('a{,2}', ['a{,2}'], ['a', 'aa']) // not a repeat: literal
    matches('[a\\-z]', ['a', '-', 'z'], ['b'])
    matches('(?P<env>dev|prod)-.*', ['dev-x', 'prod-'], ['test-x'])
    matches('\\.', ['.'], ['a'])
  })

  it('refuses what RE2J refuses, with Re2SyntaxError', () => {
    for (const p of [
      'orders(?=-eu)',
      '(?!x)orders',
      '(?<=a)b',
      '(?<!a)b',
      '(?>a)',
      '(a)\\1',
      '(?<n>a)\\k<n>',
      'a\\',
      '\\e',
      '\\C',
      'a{1001}',
      'a{3,2}',
      '(a',
      'a)',
      '*a',
      'a**',
      'a*+',
      '[z-a]',
      '[a',
      '\\p{Nope}',
      '(?P=n)',
      '(?)',
      '[[:foo:]]',
      '\\x{110000}',
    ]) {
      expect(() => compileRe2FullMatch(p), p).toThrow(Re2SyntaxError)
    }
  })
})
