/**
 * Registration options: their types, their validation (bad options fail at `register`, never
 * at request time) and their defaults.
 *
 * @module
 */
import type { AuthErrorFormat, AuthScheme } from './error-options.js'
import type { CatalogEntry } from './catalog.js'
import { mergeCatalog, type CodeDefinition } from './catalog-entry.js'
import { ConfigErrorCodes, fail, show } from './config-error.js'
import type { AuthErrorEvent } from './events.js'
import { resolvePages, type ErrorPageView, type LocaleMessages, type PageSettings } from './locales.js'
import { validateNameList, validateSchemes } from './option-lists.js'
import { isQuotableText, sanitizeUri } from './sanitize.js'

export type { CodeDefinition } from './catalog-entry.js'

/**
 * Options of the plugin.
 *
 * @example
 * ```ts
 * await app.register(authErrors, {
 *   realm: 'api',
 *   issuer: 'https://as.example.com',
 *   errorUri: (code) => `https://docs.example.com/errors#${code}`,
 *   resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource'
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface AuthErrorsOptions {
  /** The realm of every challenge (RFC 6750 3, RULES E2). Default `api`. */
  realm?: string
  /** The authorization server's issuer identifier, added as `iss` to authorization error responses (RFC 9207). An https URL without query or fragment. */
  issuer?: string
  /**
   * `error_uri` per code: a function of the code, or a base URL to which `#<code>` is appended.
   * Every `error_uri` sent is absolute http(s) (RULES B3): a relative one is resolved against the
   * reference page's `baseUrl`, and refused at register without one.
   */
  errorUri?: string | ((code: string) => string | undefined)
  /** Body format: `oauth` (RFC 6749 JSON, default), `problem` (RFC 9457) or `negotiate` (by `Accept`). */
  format?: AuthErrorFormat
  /** Codes to add, or catalog entries to override (a preset, or your own table). */
  codes?: Readonly<Record<string, CodeDefinition>>
  /** RFC 9728 protected resource metadata URL, sent as `resource_metadata` in every challenge (RULES E7). */
  resourceMetadata?: string
  /** Send `hint`, `debug` and a cause's message in bodies. Default `false`: never in production. */
  exposeDetails?: boolean
  /** The schemes protected resources serve: `['Bearer']` (default), `['DPoP']` or both. */
  schemes?: readonly AuthScheme[]
  /** DPoP signing algorithms accepted, sent as `algs` in DPoP challenges (RFC 9449 7.1). */
  algs?: string | readonly string[]
  /** Install the plugin's error handler (default `true`). With `false`, delegate with `fastify.authErrors.handle`. */
  errorHandler?: boolean
  /** Install a not-found handler answering 404 `invalid_request` (default `true`). */
  notFoundHandler?: boolean
  /**
   * Serve the error reference as an HTML page, one anchor per code (default off). `true`
   * serves it at `/errors`; with `baseUrl`, and no `errorUri` of your own, every `error_uri`
   * and problem `type` becomes `<baseUrl><prefix>#<code>`.
   */
  reference?: boolean | ReferencePageOptions
  /**
   * Called with one event per error response the plugin sends (RULES L3), beside the
   * diagnostics_channel `fastify-auth-errors:error`. A listener that throws is logged at warn and
   * changes nothing in the response.
   */
  onAuthError?: (event: AuthErrorEvent) => void
  /**
   * The pages a person reads (the direct error page, the form_post page, the reference page)
   * in other languages: BCP 47 tag -> code -> `{ title?, description? }`, plus the pages' own
   * words under `$page`. English is built in. See docs/pages.md.
   */
  locales?: Readonly<Record<string, LocaleMessages>>
  /** The language when neither `uiLocales` nor Accept-Language names one: `'en'` (default) or a key of `locales`. */
  defaultLocale?: string
  /** The application's own HTML for the direct error page; the plugin still sends status, no-store, Referrer-Policy, nosniff and a CSP around `view.nonce`. */
  errorPage?: (view: ErrorPageView) => string
}

/**
 * Options of the error reference page.
 *
 * @example
 * ```ts
 * await app.register(authErrors, { reference: { prefix: '/errors', baseUrl: 'https://api.example.com' } })
 * // GET /errors serves the page; error_uri is https://api.example.com/errors#invalid_grant
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface ReferencePageOptions {
  /** The path of the page: segments of letters, digits, `-`, `.`, `_` and `~`. Default `/errors`. */
  prefix?: string
  /** The public origin (and base path) the page is served under, e.g. `https://api.example.com`. */
  baseUrl?: string
}

/** The options once validated and defaulted. */
export interface ResolvedOptions {
  readonly realm: string
  readonly issuer: string | undefined
  readonly errorUri: ((code: string) => string | undefined) | undefined
  readonly format: AuthErrorFormat
  readonly catalog: Readonly<Record<string, CatalogEntry>>
  readonly resourceMetadata: string | undefined
  readonly exposeDetails: boolean
  readonly schemes: readonly AuthScheme[]
  readonly algs: string | undefined
  readonly errorHandler: boolean
  readonly notFoundHandler: boolean
  readonly reference: ResolvedReference | undefined
  readonly onAuthError: ((event: AuthErrorEvent) => void) | undefined
  readonly pages: PageSettings
}

/** The reference page options once validated: `url` is `baseUrl + prefix` when a base URL was given. */
export interface ResolvedReference {
  readonly prefix: string
  readonly url: string | undefined
}

const FORMATS: readonly string[] = ['oauth', 'problem', 'negotiate']
const REFERENCE_PREFIX = /^(?:\/[A-Za-z0-9\-._~]+)+$/

/** Every option the plugin takes, and the ones Fastify's `register` passes along with them. */
const OPTION_NAMES: readonly string[] = Object.freeze([
  'realm', 'issuer', 'errorUri', 'format', 'codes', 'resourceMetadata', 'exposeDetails', 'schemes',
  'algs', 'errorHandler', 'notFoundHandler', 'reference', 'onAuthError', 'locales', 'defaultLocale', 'errorPage'
])
const REGISTER_OPTION_NAMES: ReadonlySet<string> = new Set(['prefix', 'logLevel', 'logSerializers'])

/** Edit distance between two short names (Levenshtein), for "did you mean". */
function distance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] as number
}

/** Refuses an option name the plugin does not know, naming the closest known one (a typo in JavaScript). */
function checkOptionNames (options: object): void {
  for (const name of Object.keys(options)) {
    if (OPTION_NAMES.includes(name) || REGISTER_OPTION_NAMES.has(name)) continue
    const closest = OPTION_NAMES.map(known => ({ known, d: distance(name, known) })).sort((x, y) => x.d - y.d)[0]
    const hint = closest !== undefined && closest.d <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean ${closest.known}?` : ''
    fail(ConfigErrorCodes.UNKNOWN_OPTION, `unknown option ${show(name)}${hint} (known: ${OPTION_NAMES.join(', ')})`)
  }
}

function isHttpsUrl (value: string): URL | undefined {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

function validateBoolean (name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(ConfigErrorCodes.INVALID_OPTION, `${name} must be a boolean, got ${show(value)}`)
  return value
}

function validateRealm (value: unknown): string {
  if (value === undefined) return 'api'
  if (!isQuotableText(value) || value === '') {
    fail(ConfigErrorCodes.INVALID_REALM, `realm must be non-empty visible ASCII text (no control or non-ASCII characters; " and \\ are escaped), got ${show(value)}`)
  }
  return value
}

function validateIssuer (value: unknown): string | undefined {
  if (value === undefined) return undefined
  const url = typeof value === 'string' ? isHttpsUrl(value) : undefined
  if (url === undefined || url.search !== '' || url.hash !== '' || value !== (value as string).trim() || (value as string).includes('#') || (value as string).includes('?')) {
    fail(ConfigErrorCodes.INVALID_ISSUER, `issuer must be an https URL without query or fragment (RFC 9207 2), got ${show(value)}`)
  }
  return value as string
}

function validateFormat (value: unknown): AuthErrorFormat {
  if (value === undefined) return 'oauth'
  if (typeof value !== 'string' || !FORMATS.includes(value)) {
    fail(ConfigErrorCodes.INVALID_FORMAT, `format must be one of 'oauth', 'problem' or 'negotiate', got ${show(value)}`)
  }
  return value as AuthErrorFormat
}

function validateErrorUri (value: unknown): ((code: string) => string | undefined) | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'function') return value as (code: string) => string | undefined
  if (typeof value === 'string' && sanitizeUri(value) === value) {
    return (code: string) => value + '#' + code
  }
  return fail(ConfigErrorCodes.INVALID_ERROR_URI, `errorUri must be a function of the code or a URI without spaces, quotes or backslashes (RFC 6749 A.9), got ${show(value)}`)
}

function validateResourceMetadata (value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || isHttpsUrl(value) === undefined || sanitizeUri(value) !== value) {
    fail(ConfigErrorCodes.INVALID_RESOURCE_METADATA, `resourceMetadata must be an https URL (RFC 9728 3), got ${show(value)}`)
  }
  return value
}

function validateListener (value: unknown): ((event: AuthErrorEvent) => void) | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') fail(ConfigErrorCodes.INVALID_OPTION, `onAuthError must be a function of the event, got ${show(value)}`)
  return value as (event: AuthErrorEvent) => void
}

function parseUrl (value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

function validateReference (value: unknown): ResolvedReference | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return Object.freeze({ prefix: '/errors', url: undefined })
  if (value === null || typeof value !== 'object') fail(ConfigErrorCodes.INVALID_REFERENCE, `reference must be a boolean or an object with prefix and baseUrl, got ${show(value)}`)
  const { prefix = '/errors', baseUrl } = value as ReferencePageOptions
  if (typeof prefix !== 'string' || !REFERENCE_PREFIX.test(prefix)) {
    fail(ConfigErrorCodes.INVALID_REFERENCE, `reference.prefix must be a path such as '/errors' (segments of letters, digits, -, ., _ and ~), got ${show(prefix)}`)
  }
  if (baseUrl === undefined) return Object.freeze({ prefix, url: undefined })
  const url = typeof baseUrl === 'string' && sanitizeUri(baseUrl) === baseUrl ? parseUrl(baseUrl) : undefined
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || baseUrl.includes('?') || baseUrl.includes('#')) {
    fail(ConfigErrorCodes.INVALID_REFERENCE, `reference.baseUrl must be an http(s) URL without query or fragment, got ${show(baseUrl)}`)
  }
  return Object.freeze({ prefix, url: baseUrl.replace(/\/+$/, '') + prefix })
}

/**
 * Validates the registration options and fills in the defaults. Throws an
 * `AuthErrorsConfigError` naming the first bad option.
 */
export function resolveOptions (options: AuthErrorsOptions | undefined): ResolvedOptions {
  const opts: AuthErrorsOptions = options ?? {}
  checkOptionNames(opts)
  const reference = validateReference(opts.reference)
  const catalog = mergeCatalog(opts.codes)
  return Object.freeze({
    realm: validateRealm(opts.realm),
    issuer: validateIssuer(opts.issuer),
    // Without an errorUri of its own, an app serving the reference page at a known URL links every code to its anchor.
    errorUri: validateErrorUri(opts.errorUri ?? reference?.url),
    format: validateFormat(opts.format),
    catalog,
    resourceMetadata: validateResourceMetadata(opts.resourceMetadata),
    exposeDetails: validateBoolean('exposeDetails', opts.exposeDetails, false),
    schemes: opts.schemes === undefined ? Object.freeze(['Bearer'] as AuthScheme[]) : validateSchemes(opts.schemes),
    algs: validateNameList(opts.algs, 'algs', ConfigErrorCodes.INVALID_ALGS),
    errorHandler: validateBoolean('errorHandler', opts.errorHandler, true),
    notFoundHandler: validateBoolean('notFoundHandler', opts.notFoundHandler, true),
    reference,
    onAuthError: validateListener(opts.onAuthError),
    pages: resolvePages(opts, catalog)
  })
}
