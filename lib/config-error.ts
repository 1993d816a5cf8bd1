/**
 * The errors the plugin raises about itself: a misconfiguration at `register`, or a misuse at
 * a call site. Each carries a stable `FST_AUTH_ERRORS_*` code and a message naming the option
 * or argument at fault. Protocol codes (`invalid_token`) never appear here.
 *
 * @module
 */

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
  UNKNOWN_OPTION: 'FST_AUTH_ERRORS_UNKNOWN_OPTION',
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
  INVALID_ARGUMENT: 'FST_AUTH_ERRORS_INVALID_ARGUMENT',
  REGISTRATION_CONFLICT: 'FST_AUTH_ERRORS_REGISTRATION_CONFLICT'
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

/** Throws the configuration error `code` with `message`. */
export function fail (code: string, message: string): never {
  throw new AuthErrorsConfigError(code, message)
}

/** A misuse at a call site (a bad argument to a sender), as an error to throw. */
export function misuse (message: string): AuthErrorsConfigError {
  return new AuthErrorsConfigError(ConfigErrorCodes.INVALID_ARGUMENT, message)
}

/** A value as an error message shows it: strings quoted and cut at 60 characters. */
export function show (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '...' : value)
  return typeof value === 'function' ? 'a function' : String(value)
}
