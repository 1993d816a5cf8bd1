/**
 * The options every sender and `AuthError` take, and the small types they use: a module of
 * types alone, so the modules that read options import them without importing the error class.
 *
 * @module
 */

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
  /**
   * Why, for operators: a short machine-readable token (`code_expired`, `pkce_mismatch`), in the
   * event and the log, never in a response whatever `exposeDetails` says (RULES L4).
   */
  reason?: string
  /**
   * The request's `ui_locales` (space-separated BCP 47 tags, preferred first): the language of
   * problem+json `title` and `detail`, before Accept-Language (RULES P1, P2). Never changes
   * `error_description`.
   */
  uiLocales?: string
}
