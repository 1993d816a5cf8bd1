/**
 * `AuthError`: a throwable OAuth error, and the option types shared by every sender.
 *
 * @module
 */
import { catalog, type CatalogCode } from './catalog.js'
import { answerOptions, mapForeignError, type ForeignAnswer, type TokenContext } from './foreign-errors.js'
import type { AuthErrorOptions } from './error-options.js'
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

export type { AuthErrorFormat, AuthErrorOptions, AuthScheme } from './error-options.js'

const kAuthError = Symbol.for('fastify-auth-errors.AuthError')

/**
 * The built-in catalog by code (a code an application added is not in it). A `Map`, so that a
 * code such as `constructor` finds nothing rather than a property of `Object.prototype`, and a
 * code found in it needs no syntax check.
 */
const builtIn: ReadonlyMap<string, { readonly status: number, readonly description: string }> = new Map(Object.entries(catalog))

/**
 * Whether `Error.stackTraceLimit` can be set (it cannot under --frozen-intrinsics). Capturing a
 * stack trace is most of what constructing an error costs, and a 4xx `AuthError` is an expected
 * outcome that is never logged with its stack, so those are built without one.
 */
const canSkipStack = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable === true

/**
 * What `Error.stackTraceLimit` holds while a 4xx `AuthError` is built. V8 collects no frames for
 * a limit that is not a number and, unlike a limit of 0, does not even start a stack walk; with
 * the `stack` it leaves unset then written as V8 would have formatted it with no frames
 * (`name: message`), a 4xx `AuthError` is built in about two thirds of the time (docs/benchmarks.md).
 */
const NO_STACK_TRACE = undefined as unknown as number

const NO_OPTIONS: Readonly<AuthErrorOptions> = Object.freeze({})

/**
 * A frozen copy of the options. `Object.assign` onto a fresh object is several times cheaper
 * than freezing a spread copy; an own `__proto__` key (JSON.parse makes one) would set the
 * copy's prototype through the setter, so that rare case keeps the spread.
 */
function copyOptions (opts: AuthErrorOptions): Readonly<AuthErrorOptions> {
  if (opts === NO_OPTIONS) return NO_OPTIONS
  return Object.freeze(Object.hasOwn(opts, '__proto__') ? { ...opts } : Object.assign({}, opts))
}

/**
 * A throwable OAuth 2.0 / OpenID Connect error. Throw it anywhere in a route or hook (or pass
 * it to `reply.authError`) and the plugin answers with exactly what the RFCs require.
 * `instanceof AuthError` holds across duplicate installs of the package.
 *
 * An error whose status (the `status` option, else the built-in catalog's) is below 500 carries
 * no stack trace: it is an expected answer to a client, often an attacker's, and capturing the
 * stack would be most of its cost. Its `stack` is only the `AuthError: <message>` line. A 5xx
 * error (server_error, temporarily_unavailable, or any `status` of 500 and above) keeps its stack,
 * and the plugin logs it.
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
  constructor (error: Code, options: AuthErrorOptions = NO_OPTIONS) {
    const entry = builtIn.get(error)
    if (entry === undefined && !isErrorCode(error)) {
      throw new TypeError(`fastify-auth-errors: ${JSON.stringify(String(error)).slice(0, 80)} is not a valid OAuth error code (RFC 6749 A.7)`)
    }
    const opts = options === null || typeof options !== 'object' ? NO_OPTIONS : options
    // Read before the stack limit changes: a getter that throws leaves the process as it was.
    const status = opts.status
    const description = opts.description
    const cause = opts.cause
    const skipStack = canSkipStack && (typeof status === 'number' ? status : entry?.status ?? 400) < 500
    const limit = Error.stackTraceLimit
    if (skipStack) Error.stackTraceLimit = NO_STACK_TRACE
    try {
      super(typeof description === 'string' ? description : entry?.description ?? error,
        cause === undefined ? undefined : { cause })
    } finally {
      // Restored in all cases: a limit left undefined would strip every later stack in the process.
      if (skipStack) Error.stackTraceLimit = limit
    }
    if (skipStack) this.stack = this.message === '' ? this.name : this.name + ': ' + this.message
    this.error = error
    this.options = copyOptions(opts)
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
    return this.options.status ?? builtIn.get(this.error)?.status ?? 400
  }

  /** Whether a value is an `AuthError`, also one created by another copy of this package. */
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return isAuthError(value)
  }

  /**
   * The `AuthError` a thrown value means, by the table the error handler reads (RULES I1-I5):
   * an `AuthError` as it is; another library's error as the OAuth error it means (jose, fast-jwt,
   * oauth4webapi, oidc-provider, the OAuth2 server libraries, the MCP SDK, http-errors style
   * statuses); anything unrecognised as `server_error`. The value is the `cause` (logged, never
   * sent unless `exposeDetails` is on). `context.token` names what was being verified (default
   * `access_token`); the other context fields are options merged over the mapped ones. A value
   * meaning "no credentials at all" comes back as `invalid_token` 401: answer those with
   * `reply.authChallenge()` (the error handler does so itself).
   *
   * @example
   * ```ts
   * try {
   *   await jwtVerify(assertion, jwks, { audience: tokenEndpoint })
   * } catch (error) {
   *   throw AuthError.from(error, { token: 'client_assertion' })
   *   // an expired assertion: invalid_client, "The client assertion expired"
   * }
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
   */
  static from (value: unknown, context?: AuthErrorOptions & { token?: TokenContext }): AuthError {
    const { token, ...merge } = context ?? {}
    let answer: ForeignAnswer | undefined
    try {
      if (isAuthError(value)) return value
      answer = mapForeignError(value, { token: token ?? 'access_token', endpoint: token === 'client_assertion' ? 'client' : 'resource', scheme: 'Bearer', replyStatus: undefined })
    } catch {
      answer = undefined // RULES S2: a value that throws while read is unrecognised
    }
    const options: Record<string, unknown> = answer === undefined ? {} : { ...answerOptions(answer) }
    options.cause = value
    // as withCallOptions: a context option left undefined keeps the mapped value
    for (const [key, option] of Object.entries(merge)) if (option !== undefined && key !== '__proto__') options[key] = option
    return new AuthError((answer?.code ?? 'server_error') as AuthErrorCode, options)
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

/**
 * The options of an error sent with call options: the call's values win, and a call option left
 * `undefined` (an absent request parameter, say) keeps the error's own value. Every sender that
 * takes an `AuthError` and options merges them with this one function.
 *
 * @example
 * ```ts
 * const error = new AuthError('invalid_request', { description: 'The code is missing' })
 * withCallOptions(error, { description: undefined, state: 'xyz' })
 * // { description: 'The code is missing', state: 'xyz' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function withCallOptions<Options extends object> (error: AuthError, call: Options | undefined): Readonly<AuthErrorOptions> & Partial<Options> {
  if (call === undefined || call === null) return error.options as Readonly<AuthErrorOptions> & Partial<Options>
  const merged: Record<string, unknown> = Object.assign({}, error.options)
  for (const key of Object.keys(call)) {
    const value = (call as Record<string, unknown>)[key]
    if (value !== undefined && key !== '__proto__') merged[key] = value
  }
  return merged as Readonly<AuthErrorOptions> & Partial<Options>
}
