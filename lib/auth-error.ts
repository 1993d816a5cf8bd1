/**
 * `AuthError`: a throwable OAuth error, and the option types shared by every sender.
 *
 * @module
 */
import { catalog, type CatalogCode } from './catalog.js'
import { isErrorCode } from './sanitize.js'

/**
 * Every error code the types know: the catalog's codes, plus the ones an application adds
 * by declaration merging.
 *
 * @example
 * ```ts
 * declare module 'fastify-auth-errors' {
 *   interface AuthErrorCodes {
 *     account_locked: true
 *   }
 * }
 * // reply.authError('account_locked') now compiles; register its status with the `codes` option.
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-8.5 (defining new error codes)
 */
export interface AuthErrorCodes extends Record<CatalogCode, true> {}

/**
 * The union of every known error code: the catalog's and the merged {@link AuthErrorCodes}.
 *
 * @example
 * ```ts
 * const code: AuthErrorCode = 'invalid_grant' // 'invalid_grnt' would not compile
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export type AuthErrorCode = keyof AuthErrorCodes & string

/**
 * The body formats: RFC 6749 JSON, RFC 9457 problem details, or chosen by `Accept`.
 *
 * @example
 * ```ts
 * await app.register(authErrors, { format: 'negotiate' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
export type AuthErrorFormat = 'oauth' | 'problem' | 'negotiate'

/**
 * HTTP authentication schemes a protected resource serves (RFC 6750, RFC 9449).
 *
 * @example
 * ```ts
 * await app.register(authErrors, { schemes: ['Bearer', 'DPoP'], algs: ['ES256'] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.2
 */
export type AuthScheme = 'Bearer' | 'DPoP'

/**
 * Per-error options. Every string ends up sanitised per RULES B1-B3 and E6 before it is sent.
 *
 * @example
 * ```ts
 * reply.authError('insufficient_scope', { scope: ['read', 'write'], description: 'Needs write access' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface AuthErrorOptions {
  /** `error_description` (problem `detail`); defaults to the catalog's description. */
  description?: string
  /** `error_uri` (problem `type`); defaults to the `errorUri` option. */
  uri?: string
  /** HTTP status (400-599); defaults to the catalog's status for the code. */
  status?: number
  /** The `state` the client sent, echoed by authorization redirects. */
  state?: string
  /** Scope for `insufficient_scope` challenges: a space-separated string or an array. */
  scope?: string | readonly string[]
  /** A hint for developers; sent only when `exposeDetails` is on. */
  hint?: string
  /** Debug detail; sent only when `exposeDetails` is on, always logged. */
  debug?: string
  /** The underlying error; logged, and sent (its message) only when `exposeDetails` is on. */
  cause?: unknown
  /** Extra response headers; values that are not valid header values are dropped. */
  headers?: Record<string, string>
  /** A fresh `DPoP-Nonce` (RFC 9449 8 and 9) to send with the error. */
  dpopNonce?: string
  /** `acr_values` for a step-up challenge (RFC 9470): an array or a space-separated string. */
  acrValues?: string | readonly string[]
  /** `max_age` in seconds for a step-up challenge (RFC 9470); `0` is sent. */
  maxAge?: number
  /** The schemes to challenge with on this response (default: the registration's `schemes`). */
  schemes?: readonly AuthScheme[]
  /** DPoP `algs` for this response (default: the registration's `algs`). */
  algs?: string | readonly string[]
  /** `Retry-After` in seconds, for 503 and 429 answers. */
  retryAfter?: number
  /** Body format for this response; beats route config and registration. */
  format?: AuthErrorFormat
  /** Problem details `instance` (a URI-reference identifying this occurrence). */
  instance?: string
}

const kAuthError = Symbol.for('fastify-auth-errors.AuthError')

/**
 * A throwable OAuth 2.0 / OpenID Connect error. Throw it anywhere in a route or hook (or pass
 * it to `reply.authError`) and the plugin answers with exactly what the RFCs require.
 * `instanceof AuthError` holds across duplicate installs of the package.
 *
 * @example
 * ```ts
 * app.post('/token', async (request) => {
 *   const code = await codes.take(request.body.code)
 *   if (code === undefined) throw new AuthError('invalid_grant', { description: 'The code was already used' })
 *   // ...
 * })
 * // HTTP/1.1 400 Bad Request
 * // Cache-Control: no-store
 * // {"error":"invalid_grant","error_description":"The code was already used"}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class AuthError<Code extends AuthErrorCode = AuthErrorCode> extends Error {
  /** The OAuth error code (the wire value of `error`). */
  readonly error: Code
  /** The options this error was created with (frozen). */
  readonly options: Readonly<AuthErrorOptions>

  /**
   * @param error - the OAuth error code
   * @param options - description, status, challenge parameters, ...
   * @throws TypeError when the code is not a valid OAuth error code (RULES B1)
   */
  constructor (error: Code, options: AuthErrorOptions = {}) {
    if (!isErrorCode(error)) {
      throw new TypeError(`fastify-auth-errors: ${JSON.stringify(String(error)).slice(0, 80)} is not a valid OAuth error code (RFC 6749 A.7)`)
    }
    const opts = options === null || typeof options !== 'object' ? {} : options
    super(typeof opts.description === 'string' ? opts.description : (catalog as Record<string, { description: string } | undefined>)[error]?.description ?? error,
      opts.cause === undefined ? undefined : { cause: opts.cause })
    this.error = error
    this.options = Object.freeze({ ...opts })
  }

  /** `AuthError` (kept for logs and stack traces). */
  override get name (): string {
    return 'AuthError'
  }

  /**
   * The HTTP status this error is sent with when no catalog of the application overrides it:
   * the explicit `status` option, else the built-in catalog's, else 400. Fastify's own error
   * handler reads it when the plugin's handler is off.
   */
  get statusCode (): number {
    return this.options.status ?? (catalog as Record<string, { status: number } | undefined>)[this.error]?.status ?? 400
  }

  /** Whether a value is an `AuthError`, also one created by another copy of this package. */
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return isAuthError(value)
  }
}

Object.defineProperty(AuthError.prototype, kAuthError, { value: true })

/**
 * Whether a value is an {@link AuthError}, including one made by a duplicate install of the
 * package (the brand is a `Symbol.for` key).
 *
 * @example
 * ```ts
 * if (isAuthError(error)) request.log.info({ code: error.error }, 'auth error')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function isAuthError (value: unknown): value is AuthError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kAuthError] === true
}
