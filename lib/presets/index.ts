/**
 * Presets: ready-made `codes` tables. A preset is a plain, JSON-serialisable object keyed by
 * error code (each entry a partial catalog entry), so it can be spread and extended:
 * `codes: { ...presets.loginErrorCodes, my_code: { status: 400, description: '...' } }`.
 *
 * @module
 */
import type { CodeDefinition } from '../options.js'
import { authenticationApiProblems } from './authentication-api-problems.js'
import { loginErrorCodes } from './login-error-codes.js'

export type { AuthenticationApiProblem } from './authentication-api-problems.js'
export type { LoginErrorCode } from './login-error-codes.js'

/** Freezes a preset, its entries and their `byStatus` variants, so a shared preset cannot be changed by one user. */
function freezePreset<T extends Readonly<Record<string, CodeDefinition>>> (preset: T): T {
  for (const entry of Object.values(preset)) {
    for (const variant of Object.values(entry.byStatus ?? {})) Object.freeze(variant)
    if (entry.byStatus !== undefined) Object.freeze(entry.byStatus)
    Object.freeze(entry)
  }
  return Object.freeze(preset)
}

/**
 * The built-in presets, each reproducing one of the reference documents the product started from.
 *
 * - `loginErrorCodes`: the Login Error Codes page (OAuth codes under HTTP 400, 401, 403, 404,
 *   500 and 503; `invalid_token` at 401 "expired" and, with `status: 400`, "bad format").
 * - `authenticationApiProblems`: the Authentication API Problems page (16 literals, numeric
 *   codes 53201-53216, HTTP 440, problem details bodies). For API resources only.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import authErrors, { presets } from 'fastify-auth-errors'
 *
 * const app = Fastify()
 * await app.register(authErrors, { codes: presets.loginErrorCodes })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-8.5
 */
export const presets = Object.freeze({
  loginErrorCodes: freezePreset(loginErrorCodes),
  authenticationApiProblems: freezePreset(authenticationApiProblems)
})
