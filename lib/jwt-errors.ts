/**
 * The errors of this ecosystem's token plugins, @fastify/jwt (with the fast-jwt errors it
 * passes through) and @fastify/bearer-auth, as RFC 6750 answers: one data table keyed by the
 * error's `code`, read by the error handler.
 *
 * RFC 6750 3.1: a request that "lacks any authentication information (e.g., the client was
 * unaware that authentication is necessary or attempted using an unsupported authentication
 * method)" gets the bare challenge (RULES E4); a token that is expired, revoked, malformed or
 * invalid gets `invalid_token` (401, RULES E5). The plugins' own messages never reach the client.
 *
 * @module
 */
import type { FastifyRequest } from 'fastify'
import { schemeOf } from './request-facts.js'

/**
 * How one plugin error is answered:
 * - `challenge`: no credentials were found, send the bare challenge;
 * - `invalid_token`: the credentials were rejected, send `invalid_token` with `description`;
 * - `by_scheme`: the Authorization header was refused; when it used Bearer or DPoP the token
 *   was sent, so `invalid_token`, otherwise (another scheme) the bare challenge.
 */
export interface TokenPluginRule {
  readonly outcome: 'challenge' | 'invalid_token' | 'by_scheme'
  readonly description?: string
}

/** The answer the error handler sends for a token plugin's error. */
export type TokenPluginAnswer =
  | { readonly bare: true }
  | { readonly bare: false, readonly code: 'invalid_token', readonly status: 401, readonly description: string }

const NO_CREDENTIALS: TokenPluginRule = { outcome: 'challenge' }
const EXPIRED: TokenPluginRule = { outcome: 'invalid_token', description: 'The access token expired' }
const INVALID: TokenPluginRule = { outcome: 'invalid_token', description: 'The access token is invalid' }
const NOT_YET_VALID: TokenPluginRule = { outcome: 'invalid_token', description: 'The access token is not valid yet' }
const MALFORMED_HEADER: TokenPluginRule = { outcome: 'by_scheme', description: 'The access token is malformed' }
const REJECTED_HEADER: TokenPluginRule = { outcome: 'by_scheme', description: 'The access token is invalid' }

/**
 * Error `code` -> answer. Codes found in the sources of @fastify/jwt 10 (`index.js`,
 * `createError(...)` calls and the fast-jwt errors its `wrapError` passes on), fast-jwt
 * (`src/error.js`) and @fastify/bearer-auth 10 (`lib/errors.js`). fast-jwt codes about the
 * server's own setup (missing or unfetchable key, bad options, signing) are not here: they
 * stay 500 `server_error`.
 */
export const TOKEN_PLUGIN_ERRORS: Readonly<Record<string, TokenPluginRule>> = Object.freeze(Object.assign(Object.create(null) as Record<string, TokenPluginRule>, {
  // @fastify/jwt: no token where it looked
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: NO_CREDENTIALS,
  FST_JWT_NO_AUTHORIZATION_IN_COOKIE: NO_CREDENTIALS,
  FST_JWT_BAD_COOKIE_REQUEST: NO_CREDENTIALS,
  // @fastify/jwt: `Authorization: Bearer` without exactly one token, or extractToken found none
  FST_JWT_BAD_REQUEST: MALFORMED_HEADER,
  // @fastify/jwt: the token was read and refused
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: EXPIRED,
  FST_JWT_AUTHORIZATION_TOKEN_INVALID: INVALID,
  FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED: INVALID,
  FAST_JWT_MISSING_SIGNATURE: INVALID,
  // fast-jwt errors @fastify/jwt passes through unchanged (no statusCode of their own)
  FAST_JWT_EXPIRED: EXPIRED,
  FAST_JWT_INACTIVE: NOT_YET_VALID,
  FAST_JWT_MALFORMED: INVALID,
  FAST_JWT_INVALID_TYPE: INVALID,
  FAST_JWT_INVALID_ALGORITHM: INVALID,
  FAST_JWT_INVALID_CLAIM_TYPE: INVALID,
  FAST_JWT_INVALID_CLAIM_VALUE: INVALID,
  FAST_JWT_INVALID_SIGNATURE: INVALID,
  FAST_JWT_INVALID_PAYLOAD: INVALID,
  FAST_JWT_MISSING_REQUIRED_CLAIM: INVALID,
  FAST_JWT_INVALID_CRIT_HEADER: INVALID,
  // @fastify/bearer-auth (with `addHook: false`, so its errors reach the error handler)
  FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER: NO_CREDENTIALS,
  FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER: REJECTED_HEADER
}))

const BARE: TokenPluginAnswer = Object.freeze({ bare: true })

/**
 * The answer to a token plugin's error, or `undefined` when the value is not one (the error
 * handler then maps it as any other foreign error).
 *
 * @example
 * ```ts
 * answerTokenPluginError({ code: 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED' }, request)
 * // { bare: false, code: 'invalid_token', status: 401, description: 'The access token expired' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function answerTokenPluginError (error: unknown, request: FastifyRequest): TokenPluginAnswer | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  const rule = typeof code === 'string' ? TOKEN_PLUGIN_ERRORS[code] : undefined
  if (rule === undefined) return undefined
  if (rule.outcome === 'challenge') return BARE
  if (rule.outcome === 'by_scheme') {
    const scheme = schemeOf(request.headers.authorization)
    if (scheme !== 'Bearer' && scheme !== 'DPoP') return BARE
  }
  return { bare: false, code: 'invalid_token', status: 401, description: rule.description as string }
}
