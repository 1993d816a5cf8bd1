/**
 * A strict parser of `WWW-Authenticate` field values for the tests (RFC 9110 11.6.1):
 *
 * ```
 * WWW-Authenticate = #challenge
 * challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * auth-scheme      = token
 * auth-param       = token BWS "=" BWS ( token / quoted-string )
 * token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 * quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE        ; RFC 9110 5.6.4
 * qdtext           = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
 * quoted-pair      = "\" ( HTAB / SP / VCHAR / obs-text )
 * ```
 *
 * Strict where the grammar lets a sender choose, because the plugin must choose well: every
 * auth-param value must be a quoted-string (unless `quotedOnly` is off), a parameter may appear
 * only once per challenge (RULES E3, names compared without case), every challenge must carry
 * `realm` (RULES E2, unless `requireRealm` is off), obs-text (non-ASCII) is refused, and so are
 * empty list elements and leading or trailing whitespace. Anything else throws
 * {@link AuthParamSyntaxError} naming the offset.
 */

/** One parsed challenge: the scheme as sent, its parameters (lower-case names) or its token68. */
export interface ParsedChallenge {
  scheme: string
  params: Record<string, string>
  token68?: string
}

/** Parser switches; both default to `true`. */
export interface ParseOptions {
  /** Refuse token-form parameter values (`error=invalid_token`). */
  quotedOnly?: boolean
  /** Refuse a challenge without `realm`. */
  requireRealm?: boolean
}

/** The field value does not follow the grammar (or the strict rules). */
export class AuthParamSyntaxError extends Error {
  override name = 'AuthParamSyntaxError'
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/
const QDTEXT = /[\t \x21\x23-\x5B\x5D-\x7E]/
const ESCAPABLE = /[\t \x21-\x7E]/

class Cursor {
  pos = 0
  constructor (readonly text: string) {}

  get done (): boolean {
    return this.pos >= this.text.length
  }

  peek (): string | undefined {
    return this.text[this.pos]
  }

  fail (message: string): never {
    throw new AuthParamSyntaxError(`${message} at offset ${this.pos} of ${JSON.stringify(this.text)}`)
  }

  /** Skips OWS / BWS (SP and HTAB). */
  skipWhitespace (): number {
    const start = this.pos
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++
    return this.pos - start
  }

  token (what: string): string {
    const start = this.pos
    while (!this.done && TCHAR.test(this.text[this.pos] as string)) this.pos++
    if (this.pos === start) this.fail(`expected ${what} (a token)`)
    return this.text.slice(start, this.pos)
  }

  quotedString (): string {
    this.pos++ // the opening DQUOTE
    let value = ''
    for (;;) {
      const char = this.peek()
      if (char === undefined) this.fail('unterminated quoted-string')
      this.pos++
      if (char === '"') return value
      if (char === '\\') {
        const escaped = this.peek()
        if (escaped === undefined || !ESCAPABLE.test(escaped)) this.fail('bad quoted-pair')
        value += escaped
        this.pos++
      } else if (QDTEXT.test(char)) {
        value += char
      } else {
        this.pos--
        this.fail(`character U+${char.codePointAt(0)?.toString(16).padStart(4, '0')} is not qdtext`)
      }
    }
  }

  /** After a token at the cursor, BWS then `=`: the start of an auth-param (no cursor move). */
  atAuthParam (): boolean {
    let pos = this.pos
    while (pos < this.text.length && TCHAR.test(this.text[pos] as string)) pos++
    if (pos === this.pos) return false
    while (this.text[pos] === ' ' || this.text[pos] === '\t') pos++
    return this.text[pos] === '='
  }

  /** Consumes `OWS "," OWS` between list elements; refuses empty elements. */
  listSeparator (): void {
    this.skipWhitespace()
    if (this.peek() !== ',') this.fail('expected "," between list elements')
    this.pos++
    this.skipWhitespace()
    if (this.done || this.peek() === ',') this.fail('empty list element')
  }
}

function token68At (cursor: Cursor): string | undefined {
  const match = TOKEN68.exec(cursor.text.slice(cursor.pos))
  if (match === null) return undefined
  // token68 only when what follows is the end of the challenge; `name=` then a value is a param.
  let after = cursor.pos + match[0].length
  while (cursor.text[after] === ' ' || cursor.text[after] === '\t') after++
  if (after < cursor.text.length && cursor.text[after] !== ',') return undefined
  cursor.pos += match[0].length
  return match[0]
}

/**
 * Parses a `WWW-Authenticate` field value into its challenges, strictly.
 *
 * @example
 * ```ts
 * parseChallenges('Bearer realm="api", error="invalid_token"')
 * // [{ scheme: 'Bearer', params: { realm: 'api', error: 'invalid_token' } }]
 * ```
 */
export function parseChallenges (header: string, options: ParseOptions = {}): ParsedChallenge[] {
  const quotedOnly = options.quotedOnly ?? true
  const requireRealm = options.requireRealm ?? true
  const cursor = new Cursor(header)
  if (header.trim() !== header) cursor.fail('leading or trailing whitespace')
  const challenges: ParsedChallenge[] = []
  while (!cursor.done) {
    const challenge: ParsedChallenge = { scheme: cursor.token('auth-scheme'), params: {} }
    challenges.push(challenge)
    let separated = false
    if (cursor.peek() === ' ') {
      while (cursor.peek() === ' ') cursor.pos++ // 1*SP
      const token68 = token68At(cursor)
      if (token68 !== undefined) {
        challenge.token68 = token68
      } else {
        for (;;) {
          const name = cursor.token('auth-param name').toLowerCase()
          cursor.skipWhitespace()
          if (cursor.peek() !== '=') cursor.fail('expected "="')
          cursor.pos++
          cursor.skipWhitespace()
          let value: string
          if (cursor.peek() === '"') {
            value = cursor.quotedString()
          } else {
            if (quotedOnly) cursor.fail(`the value of ${name} is not a quoted-string`)
            value = cursor.token(`the value of ${name}`)
          }
          if (Object.hasOwn(challenge.params, name)) cursor.fail(`parameter ${name} appears twice in one challenge`)
          challenge.params[name] = value
          if (cursor.done) break
          cursor.listSeparator()
          separated = !cursor.atAuthParam()
          if (separated) break
        }
      }
    }
    if (requireRealm && challenge.params.realm === undefined) cursor.fail(`challenge ${challenge.scheme} has no realm`)
    if (!cursor.done && !separated) cursor.listSeparator()
  }
  if (challenges.length === 0) cursor.fail('no challenge')
  return challenges
}

/**
 * The challenge of a scheme (compared without case), or a failure when the header does not
 * have exactly one.
 */
export function challengeFor (header: string, scheme: string, options?: ParseOptions): ParsedChallenge {
  const found = parseChallenges(header, options).filter(challenge => challenge.scheme.toLowerCase() === scheme.toLowerCase())
  if (found.length !== 1) throw new AuthParamSyntaxError(`expected one ${scheme} challenge, found ${found.length} in ${JSON.stringify(header)}`)
  return found[0] as ParsedChallenge
}
