/**
 * The one `Accept` parser (RFC 9110 12.5.1): which of two families of media ranges a request
 * prefers, q-values honoured, the more specific range winning. Used to choose problem details
 * over RFC 6749 JSON (`format: 'negotiate'`) and an HTML page over JSON (the direct answer of
 * authRedirect).
 *
 * ```
 * Accept = #( media-range [ weight ] )          ; RFC 9110 12.5.1
 * weight = OWS ";" OWS "q=" qvalue              ; RFC 9110 12.4.2
 * ```
 *
 * @module
 */

/** Longer headers are not parsed (the answer is the fallback): no request pays for a huge header. */
const ACCEPT_LIMIT = 4096

/** Media ranges of one family, by specificity (2: the type itself, 1: `type/*`, 0: `*\/*`). */
export type MediaRanges = Readonly<Record<string, number>>

/** Ranges that match application/json. */
export const JSON_RANGES: MediaRanges = Object.freeze({ 'application/json': 2, 'application/*': 1, '*/*': 0 })
/** Ranges that match application/problem+json by name (a wildcard counts for JSON, the default). */
export const PROBLEM_RANGES: MediaRanges = Object.freeze({ 'application/problem+json': 2 })
/** Ranges that match an HTML page. */
export const HTML_RANGES: MediaRanges = Object.freeze({ 'text/html': 2, 'application/xhtml+xml': 2, 'text/*': 1, '*/*': 0 })

/**
 * The q-value of a media range's parameters; 0 (the range is ignored) when one is malformed: a
 * parameter without `=`, or a q that is not a number from 0 to 1.
 */
function qualityOf (params: readonly string[]): number {
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq === -1) {
      if (param.trim() === '') continue
      return 0
    }
    if (param.slice(0, eq).trim().toLowerCase() === 'q') {
      const q = Number(param.slice(eq + 1).trim())
      return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0
    }
  }
  return 1
}

/** The quality of the most specific range seen so far for one family (-1: none yet). */
interface Match { q: number, specificity: number }

/** Keeps the more specific of two matching ranges; on equal specificity, the higher q. */
function keepBetter (match: Match, ranges: MediaRanges, media: string, q: number): void {
  const specificity = ranges[media]
  if (specificity === undefined) return
  if (specificity > match.specificity || (specificity === match.specificity && q > match.q)) {
    match.q = q
    match.specificity = specificity
  }
}

/**
 * Whether an `Accept` header prefers the `wanted` family to the `fallback` one: the wanted
 * family must be acceptable (q > 0) and either of higher quality, or of equal quality with a
 * more specific range. `hint` is a word the header must hold for the wanted family to match at
 * all (a quick test before parsing). A missing, malformed or oversized header never throws and
 * gives `false` (the fallback).
 *
 * @example
 * ```ts
 * prefers('text/html,application/xhtml+xml;q=0.9', HTML_RANGES, JSON_RANGES, /htm/i) // true
 * prefers('application/json', PROBLEM_RANGES, JSON_RANGES, /problem/i) // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1
 */
export function prefers (accept: unknown, wanted: MediaRanges, fallback: MediaRanges, hint: RegExp): boolean {
  if (typeof accept !== 'string' || accept.length > ACCEPT_LIMIT || !hint.test(accept)) return false
  const want: Match = { q: -1, specificity: -1 }
  const other: Match = { q: -1, specificity: -1 }
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';')
    const media = type.trim().toLowerCase()
    const q = qualityOf(params)
    keepBetter(want, wanted, media, q)
    keepBetter(other, fallback, media, q)
  }
  return want.q > 0 && (want.q > other.q || (want.q === other.q && want.specificity > other.specificity))
}

const PROBLEM_HINT = /problem/i
const HTML_HINT = /htm/i

/**
 * Whether an `Accept` header prefers `application/problem+json` to `application/json`.
 *
 * @example
 * ```ts
 * prefersProblem('application/problem+json, application/json;q=0.5') // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
export function prefersProblem (accept: unknown): boolean {
  return prefers(accept, PROBLEM_RANGES, JSON_RANGES, PROBLEM_HINT)
}

/**
 * Whether an `Accept` header prefers an HTML page to a JSON body: browsers (`text/html` first)
 * get the page; API clients and a bare wildcard get JSON.
 *
 * @example
 * ```ts
 * prefersHtml('text/html,application/xhtml+xml;q=0.9') // true
 * prefersHtml('application/json') // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1
 */
export function prefersHtml (accept: unknown): boolean {
  return prefers(accept, HTML_RANGES, JSON_RANGES, HTML_HINT)
}
