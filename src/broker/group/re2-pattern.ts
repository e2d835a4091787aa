// RE2 regular expressions (KIP-848's SubscribedTopicRegex) as JavaScript RegExps.
//
// Kafka compiles a member's topic regex with Google's RE2J and matches whole topic names with it;
// a pattern RE2J refuses is INVALID_REGULAR_EXPRESSION. JavaScript's RegExp accepts a different
// language: lookaround and backreferences (RE2 has neither), no `(?i)` flag groups, no `\Q…\E`,
// `\z`, `\A`, POSIX classes or `\pN`, and a `]` first in a class means something else. So the
// pattern is parsed here as RE2 syntax and re-written as an equivalent `u`-mode RegExp, or refused
// with Re2SyntaxError:
// - refused as RE2 refuses them: lookahead/lookbehind `(?=` `(?!` `(?<=` `(?<!`, atomic `(?>`,
//   backreferences `\1`–`\9` and `\k`, unknown escapes, a trailing `\`, repeat counts over 1000,
//   unbalanced parentheses, bad class ranges; possessive and doubled quantifiers fail in the
//   RegExp compiler, as in RE2;
// - translated: flag groups `(?flags)` / `(?flags:re)` (i, m, s; U swaps greedy and lazy
//   quantifiers) become RegExp modifier groups closed at each `|` and at the end of the group, as
//   an RE2 flag setting lasts to the end of its group; `(?P<name>re)` → `(?<name>re)`; `\Q…\E`
//   → escaped literals; `\A` / `\z` → start / end of text; `\C` refused (RE2J has no single-byte
//   matcher either); `\s` → RE2's `[\t\n\f\r ]`; `\a`, octal and `\x{…}` → code points; `\pN`,
//   `\p{Greek}`, `\p{^Greek}` → Unicode property escapes; `[[:alpha:]]` and the other POSIX classes
//   → their ASCII sets; a literal `]`, `}` or `{` that is not a repeat → escaped.
// One RE2 form is refused although RE2 accepts it: a negated POSIX class inside a larger class
// (`[x[:^alpha:]]`), which a `u`-mode class cannot express; `[[:^alpha:]]` alone is fine.

export class Re2SyntaxError extends Error {
  override name = 'Re2SyntaxError'
}

const MAX_REPEAT = 1000

/** RE2's POSIX classes as ASCII class contents. */
const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

/** Unicode general categories, which JS names directly; other \p names are scripts. */
const CATEGORIES = new Set(
  'L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co'.split(
    ' ',
  ),
)

const RE2_SPACE = '\\t\\n\\f\\r '
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/-')

interface Flags {
  i: boolean
  m: boolean
  s: boolean
  U: boolean
}

interface Frame {
  flags: Flags
  /** The modifier group opened by an inline `(?flags)` in this group, to close at `|` and `)`. */
  wrapper: string | undefined
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`
}

/** A literal code point as JS source, escaped where JS syntax needs it. */
function literal(cp: number, inClass: boolean): string {
  const c = String.fromCodePoint(cp)
  if (cp < 0x20 || cp === 0x7f) return hex(cp)
  if (JS_SYNTAX.has(c) && (inClass || c !== '-')) return `\\${c}`
  return c
}

function modifiers(f: Flags): string {
  const on = (['i', 'm', 's'] as const).filter((k) => f[k]).join('')
  const off = (['i', 'm', 's'] as const).filter((k) => !f[k]).join('')
  return `(?${on}${off === '' ? '' : `-${off}`}:`
}

class Translator {
  readonly #src: string
  #at = 0
  #out = ''
  readonly #frames: Frame[] = [{ flags: { i: false, m: false, s: false, U: false }, wrapper: undefined }]

  constructor(src: string) {
    this.#src = src
  }

  translate(): string {
    while (this.#at < this.#src.length) this.#term()
    if (this.#frames.length > 1) this.#fail('missing closing )')
    this.#closeWrapper()
    return this.#out
  }

  #fail(why: string): never {
    throw new Re2SyntaxError(`${why} in ${JSON.stringify(this.#src)}`)
  }

  get #frame(): Frame {
    return this.#frames[this.#frames.length - 1]!
  }

  #peek(offset = 0): string | undefined {
    return this.#src[this.#at + offset]
  }

  #codePointAt(): number {
    const cp = this.#src.codePointAt(this.#at)!
    this.#at += cp > 0xffff ? 2 : 1
    return cp
  }

  #closeWrapper(): void {
    if (this.#frame.wrapper !== undefined) this.#out += ')'
  }

  #term(): void {
    const c = this.#peek()!
    switch (c) {
      case '(':
        return this.#group()
      case ')':
        this.#at++
        if (this.#frames.length === 1) this.#fail('unexpected )')
        this.#closeWrapper()
        this.#frames.pop()
        this.#out += ')'
        return this.#quantifier()
      case '|':
        this.#at++
        this.#closeWrapper()
        this.#out += '|'
        if (this.#frame.wrapper !== undefined) this.#out += this.#frame.wrapper
        return
      case '[':
        this.#out += this.#charClass()
        return this.#quantifier()
      case '\\':
        this.#out += this.#escape(false)
        return this.#quantifier()
      case '*':
      case '+':
      case '?':
        // Nothing to repeat: RE2 refuses it (the RegExp compiler would too).
        return this.#fail(`missing argument to repetition operator ${c}`)
      case '{':
        if (this.#repeatAt() !== undefined) this.#fail('missing argument to repetition operator {')
        this.#at++
        this.#out += '\\{'
        return
      case '.':
      case '^':
      case '$':
        this.#at++
        this.#out += c
        return c === '.' ? this.#quantifier() : undefined
      default:
        this.#out += literal(this.#codePointAt(), false)
        return this.#quantifier()
    }
  }

  /** `{n}`, `{n,}` or `{n,m}` at the cursor: its source length and bounds, else undefined. */
  #repeatAt(): { length: number; min: number; max: number | undefined } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#at))
    if (m === null) return undefined
    const min = Number(m[1])
    const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3])
    return { length: m[0].length, min, max }
  }

  /** An optional quantifier after an atom; U swaps greedy and lazy. */
  #quantifier(): void {
    const c = this.#peek()
    let q: string
    if (c === '*' || c === '+' || c === '?') {
      this.#at++
      q = c
    } else if (c === '{') {
      const r = this.#repeatAt()
      if (r === undefined) return
      if (r.min > MAX_REPEAT || (r.max ?? 0) > MAX_REPEAT) this.#fail('bad repetition operator (over 1000)')
      if (r.max !== undefined && r.max < r.min) this.#fail('bad repetition operator (max < min)')
      q = this.#src.slice(this.#at, this.#at + r.length)
      this.#at += r.length
    } else return
    let lazy = false
    if (this.#peek() === '?') {
      this.#at++
      lazy = true
    }
    if (this.#frame.flags.U) lazy = !lazy
    this.#out += lazy ? `${q}?` : q
    const next = this.#peek()
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.#repeatAt() !== undefined))
      this.#fail(`invalid nested repetition operator ${q}${next}`)
  }

  #group(): void {
    this.#at++ // (
    const flags = { ...this.#frame.flags }
    if (this.#peek() !== '?') {
      this.#frames.push({ flags, wrapper: undefined })
      this.#out += '('
      return
    }
    const rest = this.#src.slice(this.#at)
    const named = /^\?P?<([^>]*)>/.exec(rest)
    if (named !== null && !rest.startsWith('?<=') && !rest.startsWith('?<!')) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(named[1]!)) this.#fail(`invalid named capture ${named[1]}`)
      this.#at += named[0].length
      this.#frames.push({ flags, wrapper: undefined })
      this.#out += `(?<${named[1]}>`
      return
    }
    if (/^\?(?:[=!>]|<[=!])/.test(rest))
      this.#fail('invalid or unsupported Perl syntax (lookaround or atomic group)')
    // Flags: (?flags) or (?flags:re), flags like i, -i, is-m, U.
    const m = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest)
    if (m === null || (m[1] === '' && m[2] === undefined && m[3] === ')'))
      this.#fail('invalid or unsupported Perl syntax')
    if (m[2] === '') this.#fail('invalid or unsupported Perl syntax (empty negation)')
    for (const f of m[1]!) flags[f as keyof Flags] = true
    for (const f of m[2] ?? '') flags[f as keyof Flags] = false
    this.#at += m[0].length
    if (m[3] === ':') {
      this.#frames.push({ flags, wrapper: undefined })
      this.#out += modifiers(flags)
      return
    }
    // (?flags): the rest of the enclosing group runs with them.
    const frame = this.#frame
    this.#closeWrapper()
    frame.flags = flags
    frame.wrapper = modifiers(flags)
    this.#out += frame.wrapper
  }

  /** After a backslash (at the cursor): the JS source for the escape. */
  #escape(inClass: boolean): string {
    this.#at++ // \
    const c = this.#peek()
    if (c === undefined) this.#fail('trailing backslash at end of expression')
    this.#at++
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return `\\${c}`
      case 'b':
      case 'B':
        if (inClass) this.#fail(`invalid escape sequence \\${c} in a class`)
        return `\\${c}`
      case 's':
        return inClass ? RE2_SPACE : `[${RE2_SPACE}]`
      case 'S':
        if (inClass) return '\\S'
        return `[^${RE2_SPACE}]`
      case 'A':
        if (inClass) this.#fail('invalid escape sequence \\A in a class')
        return '(?<![\\s\\S])'
      case 'z':
        if (inClass) this.#fail('invalid escape sequence \\z in a class')
        return '(?![\\s\\S])'
      case 'a':
        return hex(7)
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
        return `\\${c}`
      case 'x':
        return hex(this.#hexEscape())
      case 'p':
      case 'P':
        return this.#unicodeClass(c === 'P')
      case 'Q': {
        if (inClass) this.#fail('invalid escape sequence \\Q in a class')
        const end = this.#src.indexOf('\\E', this.#at)
        const text = end < 0 ? this.#src.slice(this.#at) : this.#src.slice(this.#at, end)
        this.#at = end < 0 ? this.#src.length : end + 2
        // Plain literals: a quantifier after \E repeats the last one, as in RE2.
        let out = ''
        for (const ch of text) out += literal(ch.codePointAt(0)!, false)
        return out
      }
      default:
        if (c >= '0' && c <= '7') {
          // Octal; a lone non-zero digit would be a backreference, which RE2 does not have.
          const m = /^[0-7]{0,2}/.exec(this.#src.slice(this.#at))![0]
          if (c !== '0' && m === '')
            this.#fail(`invalid escape sequence \\${c} (backreferences are not supported)`)
          this.#at += m.length
          return hex(parseInt(c + m, 8))
        }
        if (/^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/.test(c)) return literal(c.codePointAt(0)!, inClass)
        return this.#fail(`invalid escape sequence \\${c}`)
    }
  }

  #hexEscape(): number {
    let digits: string
    if (this.#peek() === '{') {
      const end = this.#src.indexOf('}', this.#at)
      if (end < 0) this.#fail('invalid escape sequence \\x{')
      digits = this.#src.slice(this.#at + 1, end)
      this.#at = end + 1
    } else {
      digits = this.#src.slice(this.#at, this.#at + 2)
      this.#at += 2
      if (digits.length < 2) this.#fail('invalid escape sequence \\x')
    }
    if (!/^[0-9A-Fa-f]{1,8}$/.test(digits)) this.#fail(`invalid escape sequence \\x${digits}`)
    const cp = parseInt(digits, 16)
    if (cp > 0x10ffff) this.#fail(`invalid escape sequence \\x${digits}`)
    return cp
  }

  #unicodeClass(negated: boolean): string {
    let name: string
    if (this.#peek() === '{') {
      const end = this.#src.indexOf('}', this.#at)
      if (end < 0) this.#fail('invalid character class range \\p{')
      name = this.#src.slice(this.#at + 1, end)
      this.#at = end + 1
    } else {
      const ch = this.#peek()
      if (ch === undefined) this.#fail('invalid character class range \\p')
      name = ch
      this.#at++
    }
    if (name.startsWith('^')) {
      negated = !negated
      name = name.slice(1)
    }
    if (!/^[A-Za-z_]+$/.test(name)) this.#fail(`invalid character class range \\p{${name}}`)
    if (name === 'Any') return negated ? '[^\\s\\S]' : '[\\s\\S]'
    const body = CATEGORIES.has(name) ? name : `Script=${name}`
    return `\\${negated ? 'P' : 'p'}{${body}}`
  }

  #charClass(): string {
    this.#at++ // [
    let out = '['
    if (this.#peek() === '^') {
      this.#at++
      out += '^'
    }
    let first = true
    for (;;) {
      const c = this.#peek()
      if (c === undefined) this.#fail('missing closing ]')
      if (c === ']' && !first) {
        this.#at++
        return `${out}]`
      }
      first = false
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.#src.slice(this.#at))
      if (posix !== null) {
        const set = POSIX[posix[2]!]
        if (set === undefined) this.#fail(`invalid character class range ${posix[0]}`)
        this.#at += posix[0].length
        if (posix[1] === '') {
          out += set
          continue
        }
        // Negated: expressible only as the whole class.
        if (out !== '[' || this.#peek() !== ']')
          this.#fail(`negated POSIX class ${posix[0]} inside a larger class is not supported by Samsa`)
        this.#at++
        return `[^${set}]`
      }
      const lo = this.#classAtom()
      if (this.#peek() === '-' && this.#peek(1) !== ']' && this.#peek(1) !== undefined) {
        this.#at++
        const hi = this.#classAtom()
        if (lo.cp === undefined || hi.cp === undefined)
          this.#fail('invalid character class range (a class escape as an end)')
        if (hi.cp < lo.cp) this.#fail('invalid character class range (out of order)')
        out += `${lo.js}-${hi.js}`
      } else out += lo.js
    }
  }

  /** One class member: a code point (may end a range) or a class escape (cp undefined). */
  #classAtom(): { js: string; cp: number | undefined } {
    if (this.#peek() === '\\') {
      const start = this.#at
      const js = this.#escape(true)
      const c = this.#src[start + 1]!
      const single = c === 'x' || c === 'a' || /[fnrtv0-7]/.test(c) || !/[A-Za-z0-9]/.test(c)
      if (!single) return { js, cp: undefined }
      return { js, cp: codePointOf(this.#src.slice(start, this.#at)) }
    }
    const cp = this.#codePointAt()
    return { js: literal(cp, true), cp }
  }
}

/** The code point an RE2 single-character escape denotes (for range checks). */
function codePointOf(escape: string): number {
  const c = escape[1]!
  const simple: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 }
  if (c in simple) return simple[c]!
  if (c === 'x') {
    const digits = escape.startsWith('\\x{') ? escape.slice(3, -1) : escape.slice(2)
    return parseInt(digits, 16)
  }
  if (c >= '0' && c <= '7') return parseInt(escape.slice(1), 8)
  return escape.codePointAt(1)!
}

/**
 * A RegExp matching exactly the whole strings RE2J's `Pattern.compile(pattern).matcher(s).matches()`
 * accepts. Throws Re2SyntaxError for a pattern RE2J refuses (or the one form noted at the top).
 */
export function compileRe2FullMatch(pattern: string): RegExp {
  const source = new Translator(pattern).translate()
  try {
    return new RegExp(`^(?:${source})$`, 'u')
  } catch (err) {
    throw new Re2SyntaxError(`${(err as Error).message} (from ${JSON.stringify(pattern)})`)
  }
}
