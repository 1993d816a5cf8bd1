/**
 * Character-set hygiene for every value that reaches a body, a header or a URL.
 *
 * RFC 6749 Appendix A restricts the error parameters to a small ASCII alphabet:
 *
 * ```
 * error             = 1*( %x20-21 / %x23-5B / %x5D-7E )          ; A.7
 * error-description = 1*( %x20-21 / %x23-5B / %x5D-7E )          ; A.8
 * error-uri         = URI-reference, 1*( %x21 / %x23-5B / %x5D-7E ) ; A.9
 * scope-token       = 1*( %x21 / %x23-5B / %x5D-7E )             ; A.4
 * ```
 *
 * None of those alphabets holds `"`, `\`, a control or a non-ASCII character, so a value
 * that passes them is also safe inside a JSON string and inside an RFC 9110 quoted-string
 * without escaping. That is what lets the body serializer and the challenge builder
 * concatenate sanitised values directly.
 *
 * @module
 */

/**
 * Longest `error_description` the plugin sends (RULES S4); longer text is cut and ends with `...`.
 *
 * @example
 * ```ts
 * reply.authError('invalid_request', { description: text.slice(0, DESCRIPTION_LIMIT) })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#appendix-A.8
 */
export const DESCRIPTION_LIMIT = 512

/** Longest `error_uri` (or problem `type`/`instance`) the plugin sends; longer values are dropped. */
export const URI_LIMIT = 2048

/** Longest scope string the plugin sends in a challenge. */
export const SCOPE_LIMIT = 1024

const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const TEXT_SAFE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/
const TEXT_UNSAFE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g
const URI_SAFE = /^[\x21\x23-\x5B\x5D-\x7E]*$/
const URI_UNSAFE = /[^\x21\x23-\x5B\x5D-\x7E]/gu
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const QUOTED_STRING_SAFE = /^[\t\x20-\x7E]*$/
const QUOTED_STRING_ESCAPE = /["\\]/g

/**
 * Whether a value is a valid OAuth `error` code (RFC 6749 A.7): one or more characters from
 * %x20-21 / %x23-5B / %x5D-7E.
 */
export function isErrorCode (value: unknown): value is string {
  return typeof value === 'string' && ERROR_CODE.test(value)
}

function replaceUnsafeTextChar (char: string): string {
  if (char === '"') return '\''
  if (char === '\\') return '/'
  return ' '
}

/**
 * Makes free text safe for `error_description` (RULES B2, S4): `"` becomes `'`, `\` becomes
 * `/`, every control, line break and non-ASCII character becomes a space, runs of spaces
 * collapse, and text over {@link DESCRIPTION_LIMIT} characters is cut and ends with `...`.
 * Non-strings and text that is empty after trimming give `undefined`.
 *
 * The text is cut before it is cleaned (RULES S7): only its first `limit` characters are ever
 * read, so a megabyte costs what a value at the limit costs.
 */
export function sanitizeDescription (value: unknown, limit: number = DESCRIPTION_LIMIT): string | undefined {
  if (typeof value !== 'string') return undefined
  const over = value.length > limit
  let text = over ? value.slice(0, limit) : value
  if (!TEXT_SAFE.test(text)) {
    text = text.replace(TEXT_UNSAFE, replaceUnsafeTextChar).replace(/ {2,}/g, ' ')
  }
  if (over) text = text.slice(0, limit - 3).trimEnd() + '...'
  text = text.trim()
  return text === '' || text === '...' ? undefined : text
}

function percentEncodeChar (char: string): string {
  return encodeURIComponent(char)
}

/**
 * Makes a URI-reference safe for `error_uri`, a problem `type` or `instance` (RULES B3):
 * every character outside %x21 / %x23-5B / %x5D-7E is percent-encoded as UTF-8 (so a space
 * becomes `%20` and a quote `%22`). Non-strings, empty strings and values longer than
 * {@link URI_LIMIT} once encoded give `undefined`.
 *
 * Encoding never shortens a value, so one already over the limit is dropped before it is read
 * (RULES S7).
 */
export function sanitizeUri (value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > URI_LIMIT) return undefined
  let uri = value
  if (!URI_SAFE.test(uri)) {
    uri = uri.toWellFormed().replace(URI_UNSAFE, percentEncodeChar)
  }
  return uri.length > URI_LIMIT ? undefined : uri
}

/** The tokens of a scope option, a string cut before it is split (RULES S7); `undefined` for other types. */
function scopeTokens (value: unknown, limit: number): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value.length > limit ? value.slice(0, limit) : value
  if (typeof value !== 'string') return undefined
  if (value.length <= limit) return value.split(' ')
  const tokens = value.slice(0, limit + 1).split(' ')
  tokens.pop() // the last piece may be a token cut in two
  return tokens
}

/**
 * Normalises a scope (a space-separated string or an array of scope tokens) to the
 * RFC 6749 3.3 form: tokens of %x21 / %x23-5B / %x5D-7E, deduplicated, single spaces.
 * Characters outside that set are removed from each token; empty tokens are dropped.
 * Tokens are kept in order while the scope fits in `limit` characters, never cut in two.
 * Gives `undefined` when nothing is left.
 *
 * Only the first `limit` characters (or array entries) are read (RULES S7).
 */
export function sanitizeScope (value: unknown, limit: number = SCOPE_LIMIT): string | undefined {
  const tokens = scopeTokens(value, limit)
  if (tokens === undefined) return undefined
  const seen = new Set<string>()
  let length = -1
  for (const token of tokens) {
    if (typeof token !== 'string') continue
    if (token.length > limit) break
    const clean = SCOPE_TOKEN.test(token) ? token : token.replace(URI_UNSAFE, '')
    if (clean === '' || seen.has(clean)) continue
    length += clean.length + 1
    if (length > limit) break
    seen.add(clean)
  }
  return seen.size === 0 ? undefined : [...seen].join(' ')
}

/**
 * Whether free text may go inside an RFC 9110 quoted-string once `"` and `\` are escaped:
 * tab and visible ASCII only (no CR, LF, other controls or non-ASCII).
 */
export function isQuotableText (value: unknown): value is string {
  return typeof value === 'string' && QUOTED_STRING_SAFE.test(value)
}

/**
 * Escapes `"` and `\` for an RFC 9110 quoted-string (RULES E6). The caller has already
 * checked the text with {@link isQuotableText}.
 */
export function escapeQuotedString (value: string): string {
  return value.replace(QUOTED_STRING_ESCAPE, '\\$&')
}

/**
 * Whether a value is a list of scope-token-like names (DPoP `algs`, `acr_values`):
 * each one non-empty, without spaces, quotes, backslashes or controls.
 */
export function isTokenList (value: readonly unknown[]): value is readonly string[] {
  return value.every(item => typeof item === 'string' && SCOPE_TOKEN.test(item))
}

/**
 * Splits an option that accepts either an array of names or one space-separated string
 * (`algs`, `acrValues`) into its names. Gives `undefined` for other types.
 */
export function toNameList (value: unknown): readonly unknown[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter(name => name !== '')
  if (Array.isArray(value)) return value
  return undefined
}

const HEADER_VALUE_SAFE = /^[\t\x20-\x7E\x80-\xFF]*$/

/**
 * Whether a value can be sent as an HTTP header value without Node throwing
 * ERR_INVALID_CHAR (no CR, LF, NUL or other controls; Latin-1 only).
 */
export function isHeaderValue (value: unknown): value is string {
  return typeof value === 'string' && HEADER_VALUE_SAFE.test(value)
}

const HTML_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\'': '&#39;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;'
})
const HTML_UNSAFE = /[&<>"'\t\n\r]/g

function escapeHtmlChar (char: string): string {
  return HTML_ESCAPES[char] as string
}

/**
 * Escapes text for an HTML text node or a double-quoted attribute value: the one HTML escaper of
 * the package. Tab, CR and LF become character references, so the HTML parser's newline
 * normalisation does not touch them in an attribute value.
 */
export function escapeHtml (value: string): string {
  return value.replace(HTML_UNSAFE, escapeHtmlChar)
}
