/**
 * The redirect URI safety checks of `reply.authRedirect` (DESIGN "Resolved details", RULES A1,
 * A2, B6). A redirect URI that fails one of them is never used: the error is answered directly.
 *
 * The caller has already matched the URI exactly against the client's registration (RFC 9700
 * 2.1); these checks are the last line of defence against a registration or a code path that
 * lets a dangerous target through. They work on the string as given, because that string is
 * what the `Location` header, the form action and the browser will see.
 *
 * ```
 * absolute-URI = scheme ":" hier-part [ "?" query ]     ; RFC 3986 4.3 (no fragment)
 * scheme       = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
 * ```
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.1
 * @module
 */

/** Longest redirect URI accepted; a longer one is refused (it would make a fragile `Location`). */
export const REDIRECT_URI_LIMIT = 2048

/** Why a redirect URI was refused. */
export type RedirectUriProblem =
  | 'missing'
  | 'not_a_string'
  | 'too_long'
  | 'dangerous_scheme'
  | 'invalid_characters'
  | 'fragment'
  | 'not_absolute'
  | 'no_host'
  | 'malformed'
  | 'insecure_http'
  | 'unsupported_scheme'

/** What the warning says about each problem (the raw URI is not repeated when it is hostile). */
export const redirectUriProblems: Readonly<Record<RedirectUriProblem, string>> = Object.freeze({
  missing: 'no redirect URI was given',
  not_a_string: 'the redirect URI is not a string',
  too_long: `the redirect URI is longer than ${REDIRECT_URI_LIMIT} characters`,
  dangerous_scheme: 'the redirect URI uses a javascript:, data:, vbscript: or file: scheme',
  invalid_characters: 'the redirect URI holds characters a URI cannot hold (whitespace, controls, non-ASCII, quotes, angle brackets, backslashes or a bad %-escape)',
  fragment: 'the redirect URI has a fragment (#), which RFC 6749 3.1.2 forbids',
  not_absolute: 'the redirect URI is not an absolute URI (no scheme)',
  no_host: 'the redirect URI has an http(s) scheme but no //host',
  malformed: 'the redirect URI cannot be parsed as a URL',
  insecure_http: 'the redirect URI uses http on a host that is not loopback (127.0.0.0/8, [::1], localhost)',
  unsupported_scheme: 'the redirect URI scheme is neither https, loopback http, nor a private-use reverse-domain scheme (RFC 8252 7.1)'
})

/** A redirect URI that passed every check. */
export interface SafeRedirectUri {
  readonly ok: true
  /** The URI exactly as given (what the `Location` header and the form action carry). */
  readonly uri: string
  /** The CSP source a form_post page may submit to: the URI's origin, or its scheme. */
  readonly formAction: string
}

/** A refused redirect URI. */
export interface UnsafeRedirectUri {
  readonly ok: false
  readonly problem: RedirectUriProblem
}

/** Schemes that run code or read local files, compared after whitespace and controls are removed. */
const DANGEROUS_SCHEME = /^(?:javascript|data|vbscript|file):/
/** Whitespace, controls (Cc) and invisible format characters (Cf) a browser may skip inside a scheme. */
const IGNORED_IN_SCHEME = /[\s\p{Cc}\p{Cf}]+/gu
/** RFC 3986 2: unreserved / reserved / "%" are the only characters a URI holds. */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/
/** RFC 3986 2.1: "%" must start a pct-encoded triplet. */
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/
/** RFC 3986 3.2: an authority starts with "//" and is not empty. */
const HAS_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]/
/** 127.0.0.0/8 as the WHATWG URL parser normalises it (`127.1` and `0x7f.1` become `127.0.0.1`). */
const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/
const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '[::1]'])
/** CSP host-source characters (CSP3 2.3.1): an origin with anything else falls back to its scheme. */
const CSP_HOST = /^[A-Za-z0-9.-]+(?::\d+)?$/

function refuse (problem: RedirectUriProblem): UnsafeRedirectUri {
  return { ok: false, problem }
}

function check (value: unknown): SafeRedirectUri | UnsafeRedirectUri {
  if (value === undefined || value === null || value === '') return refuse('missing')
  if (typeof value !== 'string') return refuse('not_a_string')
  if (value.length > REDIRECT_URI_LIMIT) return refuse('too_long')
  if (DANGEROUS_SCHEME.test(value.replace(IGNORED_IN_SCHEME, '').toLowerCase())) return refuse('dangerous_scheme')
  if (!URI_CHARACTERS.test(value) || BAD_PERCENT.test(value)) return refuse('invalid_characters')
  if (value.includes('#')) return refuse('fragment')
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase()
  if (scheme === undefined) return refuse('not_absolute')
  const web = scheme === 'https' || scheme === 'http'
  if (web && !HAS_AUTHORITY.test(value)) return refuse('no_host')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return refuse('malformed')
  }
  if (scheme === 'http' && !LOOPBACK_IPV4.test(url.hostname) && !LOOPBACK_NAMES.has(url.hostname)) return refuse('insecure_http')
  if (!web && !scheme.includes('.')) return refuse('unsupported_scheme')
  const formAction = web && CSP_HOST.test(url.host) ? url.protocol + '//' + url.host : url.protocol
  return Object.freeze({ ok: true, uri: value, formAction })
}

/** Results of recent checks: applications redirect to the same few registered URIs again and again. */
const recent = new Map<string, SafeRedirectUri | UnsafeRedirectUri>()
const RECENT_LIMIT = 256

/**
 * Checks a redirect URI: an absolute URI of URI characters only; https, or http on a loopback
 * host, or a private-use scheme with a dot (RFC 8252 7.1); never javascript:, data:, vbscript:
 * or file: (in any case, with any embedded whitespace or control); no `#` at all; at most
 * {@link REDIRECT_URI_LIMIT} characters.
 *
 * @example
 * ```ts
 * checkRedirectUri('https://client.example.com/cb?x=1') // { ok: true, uri: ..., formAction: 'https://client.example.com' }
 * checkRedirectUri('JaVa\tScRiPt:alert(1)') // { ok: false, problem: 'dangerous_scheme' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1
 */
export function checkRedirectUri (value: unknown): SafeRedirectUri | UnsafeRedirectUri {
  if (typeof value !== 'string' || value.length > REDIRECT_URI_LIMIT) return check(value)
  let result = recent.get(value)
  if (result === undefined) {
    result = check(value)
    if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value as string)
    recent.set(value, result)
  }
  return result
}
