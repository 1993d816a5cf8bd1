/**
 * Registration options: their types, their validation (bad options fail at `register`, never
 * at request time) and the errors that name them.
 *
 * @module
 */
import type { AuthErrorFormat, AuthScheme } from './auth-error.js'
import { catalog as builtInCatalog, endpointKinds, type CatalogEntry, type EndpointKind } from './catalog.js'
import { DESCRIPTION_LIMIT, isErrorCode, isQuotableText, isTokenList, sanitizeUri, toNameList } from './sanitize.js'

/**
 * A `codes` table entry: a full {@link CatalogEntry} for a new code, or any subset of one to
 * override a code the catalog already has.
 *
 * @example
 * ```ts
 * const codes: Record<string, CodeDefinition> = {
 *   account_locked: { status: 423, description: 'The account is locked.' },
 *   invalid_grant: { description: 'Our own words.' }
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-8.5
 */
export type CodeDefinition = Partial<CatalogEntry>

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
  /** `error_uri` per code: a function of the code, or a base URL to which `#<code>` is appended. */
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

/**
 * Route-level settings, under `config.authErrors` of a route.
 *
 * @example
 * ```ts
 * app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export interface AuthErrorsRouteConfig {
  /** The kind of endpoint the route is; decides challenges, statuses and (for protocol endpoints) the body format. */
  endpoint?: EndpointKind
  /** Body format for errors of this route (a per-call `format` still wins). */
  format?: AuthErrorFormat
}

/**
 * The code of every configuration or programming error the plugin raises.
 *
 * @example
 * ```ts
 * try { await app.register(authErrors, { format: 'xml' as 'oauth' }) } catch (error) {
 *   if ((error as AuthErrorsConfigError).code === ConfigErrorCodes.INVALID_FORMAT) console.error('fix the format option')
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const ConfigErrorCodes = {
  INVALID_OPTION: 'FST_AUTH_ERRORS_INVALID_OPTION',
  INVALID_REALM: 'FST_AUTH_ERRORS_INVALID_REALM',
  INVALID_ISSUER: 'FST_AUTH_ERRORS_INVALID_ISSUER',
  INVALID_FORMAT: 'FST_AUTH_ERRORS_INVALID_FORMAT',
  INVALID_ERROR_URI: 'FST_AUTH_ERRORS_INVALID_ERROR_URI',
  INVALID_RESOURCE_METADATA: 'FST_AUTH_ERRORS_INVALID_RESOURCE_METADATA',
  INVALID_SCHEMES: 'FST_AUTH_ERRORS_INVALID_SCHEMES',
  INVALID_ALGS: 'FST_AUTH_ERRORS_INVALID_ALGS',
  INVALID_CODES: 'FST_AUTH_ERRORS_INVALID_CODES',
  INVALID_REFERENCE: 'FST_AUTH_ERRORS_INVALID_REFERENCE',
  UNKNOWN_CODE: 'FST_AUTH_ERRORS_UNKNOWN_CODE',
  INVALID_ARGUMENT: 'FST_AUTH_ERRORS_INVALID_ARGUMENT'
} as const

/**
 * A misconfiguration (at `register`) or a misuse (at a call site) of the plugin. Its `code` is
 * one of {@link ConfigErrorCodes} and its message names the option or argument.
 *
 * @example
 * ```ts
 * await app.register(authErrors, { issuer: 'http://as.example.com' })
 * // AuthErrorsConfigError [FST_AUTH_ERRORS_INVALID_ISSUER]: issuer must be an https URL ...
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 */
export class AuthErrorsConfigError extends TypeError {
  /** One of {@link ConfigErrorCodes}. */
  readonly code: string

  constructor (code: string, message: string) {
    super('fastify-auth-errors: ' + message)
    this.code = code
  }

  /** `AuthErrorsConfigError` (kept for logs and stack traces). */
  override get name (): string {
    return 'AuthErrorsConfigError'
  }
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
}

/** The reference page options once validated: `url` is `baseUrl + prefix` when a base URL was given. */
export interface ResolvedReference {
  readonly prefix: string
  readonly url: string | undefined
}

const FORMATS: readonly string[] = ['oauth', 'problem', 'negotiate']
const ENTRY_FORMATS: readonly string[] = ['oauth', 'problem']
const SCHEMES: readonly string[] = ['Bearer', 'DPoP']
const TEXT_SAFE = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const ENTRY_KEYS: ReadonlySet<string> = new Set(['status', 'description', 'spec', 'section', 'endpoints', 'code', 'title', 'resourceStatus', 'statusAt', 'format', 'byStatus'])
const VARIANT_KEYS: ReadonlySet<string> = new Set(['description', 'title'])
const REFERENCE_PREFIX = /^(?:\/[A-Za-z0-9\-._~]+)+$/

function fail (code: string, message: string): never {
  throw new AuthErrorsConfigError(code, message)
}

function show (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '...' : value)
  return typeof value === 'function' ? 'a function' : String(value)
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

/**
 * Validates a list of schemes (registration `schemes` or a call's `schemes`).
 * Accepts `Bearer` and `DPoP` in any letter case; an empty list is refused.
 */
export function validateSchemes (value: unknown, name = 'schemes'): readonly AuthScheme[] {
  const list = Array.isArray(value) ? value : [value]
  const schemes: AuthScheme[] = []
  for (const item of list) {
    const scheme = typeof item === 'string' ? SCHEMES.find(s => s.toLowerCase() === item.toLowerCase()) : undefined
    if (scheme === undefined) fail(ConfigErrorCodes.INVALID_SCHEMES, `${name} must list 'Bearer' and/or 'DPoP', got ${show(item)}`)
    if (!schemes.includes(scheme as AuthScheme)) schemes.push(scheme as AuthScheme)
  }
  if (schemes.length === 0) fail(ConfigErrorCodes.INVALID_SCHEMES, `${name} must list 'Bearer' and/or 'DPoP', got an empty list`)
  return Object.freeze(schemes)
}

/**
 * Validates a list of names given as an array or a space-separated string (`algs`,
 * `acrValues`) and joins it with single spaces.
 */
export function validateNameList (value: unknown, name: string, code: string): string | undefined {
  if (value === undefined) return undefined
  const list = toNameList(value)
  if (list === undefined || list.length === 0 || !isTokenList(list)) {
    fail(code, `${name} must be a non-empty array of names without spaces, quotes, backslashes or controls, or a space-separated string, got ${show(value)}`)
  }
  return [...new Set(list as readonly string[])].join(' ')
}

function isStatus (value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599
}

function checkText (code: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || !TEXT_SAFE.test(value) || value.length > DESCRIPTION_LIMIT) {
    fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.${field} must be ASCII text of at most ${DESCRIPTION_LIMIT} characters without ", \\ or control characters (RFC 6749 A.8), got ${show(value)}`)
  }
}

function checkKeys (code: string, where: string, value: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}${where} has an unknown field ${show(key)} (known: ${[...known].join(', ')})`)
  }
}

function checkOptionalString (code: string, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || !isQuotableText(value))) {
    fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.${field} must be visible ASCII text, got ${show(value)}`)
  }
}

function validateEntry (code: string, definition: unknown, base: CatalogEntry | undefined): CatalogEntry {
  if (!isErrorCode(code)) fail(ConfigErrorCodes.INVALID_CODES, `codes: ${show(code)} is not a valid OAuth error code (RFC 6749 A.7: %x20-21 / %x23-5B / %x5D-7E)`)
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) fail(ConfigErrorCodes.INVALID_CODES, `codes.${code} must be an object with status and description`)
  checkKeys(code, '', definition, ENTRY_KEYS)
  const entry = { ...base, ...definition } as Partial<CatalogEntry>
  if (!isStatus(entry.status)) fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.status must be an integer from 400 to 599, got ${show(entry.status)}`)
  checkText(code, 'description', entry.description)
  if (entry.title !== undefined) checkText(code, 'title', entry.title)
  checkOptionalString(code, 'spec', entry.spec)
  checkOptionalString(code, 'section', entry.section)
  if (entry.resourceStatus !== undefined && !isStatus(entry.resourceStatus)) {
    fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.resourceStatus must be an integer from 400 to 599, got ${show(entry.resourceStatus)}`)
  }
  if (entry.statusAt !== undefined) {
    if (entry.statusAt === null || typeof entry.statusAt !== 'object') fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.statusAt must be an object keyed by endpoint kind`)
    for (const [kind, status] of Object.entries(entry.statusAt)) {
      if (!(endpointKinds as readonly string[]).includes(kind) || !isStatus(status)) {
        fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.statusAt.${kind} must be an endpoint kind with a status from 400 to 599, got ${show(status)}`)
      }
    }
  }
  if (entry.code !== undefined && !(Number.isSafeInteger(entry.code) && entry.code >= 0)) {
    fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.code must be a non-negative integer, got ${show(entry.code)}`)
  }
  if (entry.format !== undefined && !ENTRY_FORMATS.includes(entry.format)) {
    fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.format must be 'oauth' or 'problem', got ${show(entry.format)}`)
  }
  if (entry.endpoints !== undefined && (!Array.isArray(entry.endpoints) || !entry.endpoints.every(kind => (endpointKinds as readonly string[]).includes(kind)))) {
    fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.endpoints must list endpoint kinds (${endpointKinds.join(', ')})`)
  }
  if (entry.byStatus !== undefined) {
    if (entry.byStatus === null || typeof entry.byStatus !== 'object' || Array.isArray(entry.byStatus)) fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.byStatus must be an object keyed by status`)
    for (const [status, variant] of Object.entries(entry.byStatus)) {
      if (!isStatus(Number(status)) || String(Number(status)) !== status) fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.byStatus key ${show(status)} must be a status from 400 to 599`)
      if (variant === null || typeof variant !== 'object') fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.byStatus.${status} must be an object with a description`)
      checkKeys(code, `.byStatus.${status}`, variant, VARIANT_KEYS)
      checkText(code, `byStatus.${status}.description`, variant.description)
      if (variant.title !== undefined) checkText(code, `byStatus.${status}.title`, variant.title)
    }
  }
  return freezeEntry(entry as CatalogEntry)
}

function freezeEntry (entry: CatalogEntry): CatalogEntry {
  if (entry.endpoints !== undefined) Object.freeze(entry.endpoints)
  if (entry.statusAt !== undefined) Object.freeze(entry.statusAt)
  if (entry.byStatus !== undefined) {
    for (const variant of Object.values(entry.byStatus)) Object.freeze(variant)
    Object.freeze(entry.byStatus)
  }
  return Object.freeze(entry)
}

/**
 * Merges a `codes` table over the built-in catalog: an entry for a known code overrides only
 * the fields it names; a new code needs `status` and `description`. Two codes may not share a
 * numeric `code`.
 */
export function mergeCatalog (codes: unknown): Readonly<Record<string, CatalogEntry>> {
  if (codes === undefined) return builtInCatalog
  if (codes === null || typeof codes !== 'object' || Array.isArray(codes)) {
    fail(ConfigErrorCodes.INVALID_CODES, 'codes must be an object keyed by error code')
  }
  const merged: Record<string, CatalogEntry> = { ...builtInCatalog }
  for (const [code, definition] of Object.entries(codes)) {
    merged[code] = validateEntry(code, definition, (builtInCatalog as Record<string, CatalogEntry>)[code])
  }
  const owners = new Map<number, string>()
  for (const [code, entry] of Object.entries(merged)) {
    if (entry.code === undefined) continue
    const owner = owners.get(entry.code)
    if (owner !== undefined) fail(ConfigErrorCodes.INVALID_CODES, `codes.${code}.code ${entry.code} is already used by ${owner}`)
    owners.set(entry.code, code)
  }
  return Object.freeze(merged)
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

function parseUrl (value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/**
 * Validates the registration options and fills in the defaults. Throws an
 * {@link AuthErrorsConfigError} naming the first bad option.
 */
export function resolveOptions (options: AuthErrorsOptions | undefined): ResolvedOptions {
  const opts: AuthErrorsOptions = options ?? {}
  const reference = validateReference(opts.reference)
  return Object.freeze({
    realm: validateRealm(opts.realm),
    issuer: validateIssuer(opts.issuer),
    // Without an errorUri of its own, an app serving the reference page at a known URL links every code to its anchor.
    errorUri: validateErrorUri(opts.errorUri ?? reference?.url),
    format: validateFormat(opts.format),
    catalog: mergeCatalog(opts.codes),
    resourceMetadata: validateResourceMetadata(opts.resourceMetadata),
    exposeDetails: validateBoolean('exposeDetails', opts.exposeDetails, false),
    schemes: opts.schemes === undefined ? Object.freeze(['Bearer'] as AuthScheme[]) : validateSchemes(opts.schemes),
    algs: validateNameList(opts.algs, 'algs', ConfigErrorCodes.INVALID_ALGS),
    errorHandler: validateBoolean('errorHandler', opts.errorHandler, true),
    notFoundHandler: validateBoolean('notFoundHandler', opts.notFoundHandler, true),
    reference
  })
}
