/**
 * What other plugins and libraries throw, and the OAuth error each value means: one table read by
 * the error handler and by `AuthError.from` (RULES I1-I5).
 *
 * A thrown value is recognised by its shape, in this order:
 * 1. its string `code` ({@link FOREIGN_CODES}: Fastify, @fastify/jwt, fast-jwt, @fastify/bearer-auth,
 *    jose, oauth4webapi);
 * 2. an OAuth code it carries ({@link CARRIERS}: oidc-provider, @node-oauth/oauth2-server,
 *    @jmondi/oauth2-server, the MCP SDK), normalised by {@link CARRIED_CODES};
 * 3. Fastify's validation errors (a `validation` array);
 * 4. its HTTP status (`statusCode` or `status`, http-errors style: @fastify/sensible,
 *    @fastify/rate-limit, @fastify/under-pressure, @fastify/basic-auth, ...), with its `headers`;
 * 5. without a status, a 4xx the reply already carries (@fastify/auth sets `reply.code(401)`);
 * 6. anything else is `server_error`.
 *
 * A token that failed verification means a different code depending on what the token was
 * ({@link TokenContext}); a key set that could not be fetched is never the client's fault: 503
 * `temporarily_unavailable`. Messages of other libraries never reach the client, except the
 * descriptions OAuth libraries write for clients (4xx only).
 *
 * @module
 */
import { STATUS_CODES } from 'node:http'
import type { AuthErrorOptions } from './error-options.js'
import type { TokenContext } from './request-facts.js'
import { isErrorCode, sanitizeDescription } from './sanitize.js'

export type { TokenContext } from './request-facts.js'

/** The level a foreign error is logged at: client errors and load shedding never at `error` (RULES L1, I4). */
export type ForeignLogLevel = 'info' | 'warn' | 'error'

/** The answer to a foreign value. */
export interface ForeignAnswer {
  /** The OAuth code to send. */
  readonly code: string
  /** The status to send; `undefined`: the catalog's status at the endpoint (RULES D3 decides invalid_client). */
  readonly status: number | undefined
  /** The description to send; `undefined`: the catalog's. */
  readonly description: string | undefined
  /** RULES E4: no credentials were sent; the bare challenge, no error code. */
  readonly bare: boolean
  readonly level: ForeignLogLevel
  /** What recognised the value, for the log. */
  readonly source: string
  readonly scope?: string | readonly string[] | undefined
  readonly retryAfter?: number | undefined
  /** Headers the value brought that the response keeps (the sender's `headers` option filters them). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** What the request tells about a foreign value. */
export interface ForeignSituation {
  /** What was being verified; `undefined` at a marked OAuth endpoint that names none. */
  readonly token: TokenContext | undefined
  /**
   * The kind of request: `resource` (a protected resource), `client` (an OAuth endpoint where a
   * 401 is about the client's own authentication), or `undefined` (a route that is not marked).
   */
  readonly endpoint: 'resource' | 'client' | undefined
  /** The scheme of the request's Authorization header. */
  readonly scheme: 'Basic' | 'Bearer' | 'DPoP' | undefined
  /** The status the reply already carries. */
  readonly replyStatus: number | undefined
}

/** How a token failed. */
type Failure = 'expired' | 'not_yet_valid' | 'invalid' | 'malformed' | 'algorithm' | 'unknown_key'

/**
 * One row of the table:
 * - `token`: a token failed (`failure`, refined by the failed `claim`); `dpop` when the value's
 *   message says the failure is the DPoP proof's (oauth4webapi); `onlyIn` limits the contexts where
 *   it is the token's fault (elsewhere it is the server's setup);
 * - `bare`: no credentials were found;
 * - `by_scheme`: the Authorization header was refused: a token failure when Bearer or DPoP was
 *   used, no credentials otherwise;
 * - `unavailable`: a key set could not be fetched: 503;
 * - `fixed`: always this code and status;
 * - `server`: the server's own setup or an upstream failure: 500.
 */
export type ForeignRule =
  | { readonly kind: 'token', readonly failure: Failure, readonly byClaim?: Readonly<Record<string, Failure>>, readonly dpop?: string, readonly onlyIn?: readonly TokenContext[] }
  | { readonly kind: 'bare' }
  | { readonly kind: 'by_scheme', readonly failure: Failure }
  | { readonly kind: 'unavailable', readonly description: string }
  | { readonly kind: 'fixed', readonly answer: ForeignAnswer }
  | { readonly kind: 'server' }

const token = (failure: Failure, extra?: Omit<Extract<ForeignRule, { kind: 'token' }>, 'kind' | 'failure'>): ForeignRule => Object.freeze({ kind: 'token', failure, ...extra })
const fixed = (code: string, status: number, description: string): ForeignRule => Object.freeze({
  kind: 'fixed', answer: Object.freeze({ code, status, description, bare: false, level: 'info', source: 'code' })
})
const BARE: ForeignRule = Object.freeze({ kind: 'bare' })
const SERVER: ForeignRule = Object.freeze({ kind: 'server' })
const KEYS_UNAVAILABLE: ForeignRule = Object.freeze({ kind: 'unavailable', description: 'The keys to verify the token could not be fetched; retry later' })
const EXPIRED = token('expired')
const INVALID = token('invalid')
const BY_CLAIM = { exp: 'expired', iat: 'expired', nbf: 'not_yet_valid' } as const
const CLAIMS = token('invalid', { byClaim: BY_CLAIM })

/**
 * Error `code` -> rule. Codes read in the sources of the installed Fastify 5 (`lib/errors.js`),
 * @fastify/jwt 10 (`index.js`), fast-jwt 6 (`src/error.js`), @fastify/bearer-auth 10
 * (`lib/errors.js`), jose 6 (`util/errors`, `jwks/remote`) and oauth4webapi 3 (`validateJwtAccessToken`).
 * A null-prototype object, so `constructor` or `__proto__` finds nothing.
 */
export const FOREIGN_CODES: Readonly<Record<string, ForeignRule>> = Object.freeze(Object.assign(Object.create(null) as Record<string, ForeignRule>, {
  // Fastify: body parsing and URLs (RULES D2); FST_ERR_BAD_URL reaches the handler through frameworkErrors
  FST_ERR_CTP_INVALID_MEDIA_TYPE: fixed('invalid_request', 415, 'The request content type is not supported'),
  FST_ERR_CTP_INVALID_TYPE: fixed('invalid_request', 415, 'The request content type is not supported'),
  FST_ERR_CTP_EMPTY_TYPE: fixed('invalid_request', 415, 'The request content type is empty'),
  FST_ERR_CTP_BODY_TOO_LARGE: fixed('invalid_request', 413, 'The request body is too large'),
  FST_ERR_CTP_INVALID_JSON_BODY: fixed('invalid_request', 400, 'The request body could not be parsed'),
  FST_ERR_CTP_EMPTY_JSON_BODY: fixed('invalid_request', 400, 'The request body is empty'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: fixed('invalid_request', 400, 'The request content length does not match its body'),
  FST_ERR_BAD_URL: fixed('invalid_request', 400, 'The request URL is malformed'),
  FST_ERR_MAX_PARAM_LENGTH: fixed('invalid_request', 414, 'The request URL is too long'),
  FST_ERR_ASYNC_CONSTRAINT: SERVER,
  // @fastify/jwt: no token where it looked
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: BARE,
  FST_JWT_NO_AUTHORIZATION_IN_COOKIE: BARE,
  FST_JWT_BAD_COOKIE_REQUEST: BARE,
  // @fastify/jwt: `Authorization: Bearer` without exactly one token, or extractToken found none
  FST_JWT_BAD_REQUEST: Object.freeze({ kind: 'by_scheme', failure: 'malformed' }),
  // @fastify/jwt: the token was read and refused
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: EXPIRED,
  FST_JWT_AUTHORIZATION_TOKEN_INVALID: INVALID,
  FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED: INVALID,
  FAST_JWT_MISSING_SIGNATURE: INVALID,
  // fast-jwt, thrown by its verifier or passed on by @fastify/jwt unchanged
  FAST_JWT_EXPIRED: EXPIRED,
  FAST_JWT_INACTIVE: token('not_yet_valid'),
  FAST_JWT_MALFORMED: INVALID,
  FAST_JWT_INVALID_TYPE: INVALID,
  FAST_JWT_INVALID_ALGORITHM: INVALID,
  FAST_JWT_INVALID_CLAIM_TYPE: INVALID,
  FAST_JWT_INVALID_CLAIM_VALUE: INVALID,
  FAST_JWT_INVALID_SIGNATURE: INVALID,
  FAST_JWT_INVALID_PAYLOAD: INVALID,
  FAST_JWT_MISSING_REQUIRED_CLAIM: INVALID,
  FAST_JWT_INVALID_CRIT_HEADER: INVALID,
  FAST_JWT_INVALID_KEY: INVALID,
  FAST_JWT_VERIFY_ERROR: INVALID,
  // fast-jwt: the `key` callback failed (a JWKS outage), not the client's fault
  FAST_JWT_KEY_FETCHING_ERROR: KEYS_UNAVAILABLE,
  FAST_JWT_MISSING_KEY: SERVER,
  FAST_JWT_INVALID_OPTION: SERVER,
  FAST_JWT_SIGN_ERROR: SERVER,
  // @fastify/bearer-auth (with `addHook: false`, so its errors reach the error handler)
  FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER: BARE,
  FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER: Object.freeze({ kind: 'by_scheme', failure: 'invalid' }),
  // jose: jwtVerify, jwtDecrypt, compactVerify, the JWKS helpers
  ERR_JWT_EXPIRED: token('expired', { byClaim: BY_CLAIM }),
  ERR_JWT_CLAIM_VALIDATION_FAILED: CLAIMS,
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: INVALID,
  ERR_JWS_INVALID: token('malformed'),
  ERR_JWT_INVALID: token('malformed'),
  ERR_JWE_INVALID: token('malformed'),
  ERR_JWE_DECRYPTION_FAILED: INVALID,
  ERR_JOSE_ALG_NOT_ALLOWED: token('algorithm'),
  ERR_JOSE_NOT_SUPPORTED: token('algorithm'),
  ERR_JWKS_NO_MATCHING_KEY: token('unknown_key'),
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: token('unknown_key'),
  // a key the server configured is its own fault; a key embedded in a DPoP proof is the proof's
  ERR_JWK_INVALID: token('invalid', { onlyIn: ['dpop_proof'] }),
  // jose's remote JWKS: a non-200 or non-JSON answer (ERR_JOSE_GENERIC), a bad set, a timeout
  ERR_JOSE_GENERIC: KEYS_UNAVAILABLE,
  ERR_JWKS_INVALID: KEYS_UNAVAILABLE,
  ERR_JWKS_TIMEOUT: KEYS_UNAVAILABLE,
  // oauth4webapi validateJwtAccessToken: a missing or malformed Authorization header, a token
  // (or DPoP proof) that failed; a JWKS answer that is not one is the key set's outage
  OAUTH_INVALID_REQUEST: Object.freeze({ kind: 'by_scheme', failure: 'malformed' }),
  OAUTH_UNSUPPORTED_OPERATION: Object.freeze({ kind: 'by_scheme', failure: 'invalid' }),
  OAUTH_INVALID_RESPONSE: token('invalid', { dpop: 'DPoP Proof' }),
  OAUTH_JWT_TIMESTAMP_CHECK_FAILED: token('invalid', { byClaim: BY_CLAIM, dpop: 'DPoP Proof' }),
  OAUTH_JWT_CLAIM_COMPARISON_FAILED: token('invalid', { dpop: 'DPoP Proof' }),
  OAUTH_KEY_SELECTION_FAILED: token('unknown_key'),
  OAUTH_RESPONSE_IS_NOT_CONFORM: KEYS_UNAVAILABLE,
  OAUTH_RESPONSE_IS_NOT_JSON: KEYS_UNAVAILABLE,
  // oauth4webapi as a client of another server: that server's answer is not this request's fault
  OAUTH_RESPONSE_BODY_ERROR: SERVER,
  OAUTH_WWW_AUTHENTICATE_CHALLENGE: SERVER
}))

/** Per context: the code a token failure is answered with, and the words for the token. */
const CONTEXTS: Readonly<Record<TokenContext | 'none', { readonly code: string, readonly noun: string }>> = {
  access_token: { code: 'invalid_token', noun: 'access token' },
  dpop_proof: { code: 'invalid_dpop_proof', noun: 'DPoP proof' },
  client_assertion: { code: 'invalid_client', noun: 'client assertion' },
  request_object: { code: 'invalid_request_object', noun: 'request object' },
  grant: { code: 'invalid_grant', noun: 'assertion' },
  subject_token: { code: 'invalid_request', noun: 'subject token' },
  none: { code: 'invalid_request', noun: 'token' }
}

const FAILURE_TEXT: Readonly<Record<Failure, (noun: string) => string>> = {
  expired: noun => `The ${noun} expired`,
  not_yet_valid: noun => `The ${noun} is not valid yet`,
  invalid: noun => `The ${noun} is invalid`,
  malformed: noun => `The ${noun} is malformed`,
  algorithm: noun => `The ${noun} uses an algorithm that is not accepted`,
  unknown_key: noun => `The ${noun} is signed with an unknown key`
}

function freezeAnswer (answer: ForeignAnswer): ForeignAnswer {
  return Object.freeze(answer)
}

/** Every token failure's answer, per context, built once. */
const TOKEN_ANSWERS: ReadonlyMap<string, ForeignAnswer> = new Map(Object.entries(CONTEXTS).flatMap(([context, { code, noun }]) =>
  (Object.keys(FAILURE_TEXT) as Failure[]).map(failure => [context + ' ' + failure, freezeAnswer({
    code, status: undefined, description: FAILURE_TEXT[failure](noun), bare: false, level: 'info', source: 'token plugin'
  })])))

const BARE_ANSWER = freezeAnswer({ code: 'invalid_token', status: 401, description: undefined, bare: true, level: 'info', source: 'no credentials' })
const SERVER_ANSWER = freezeAnswer({ code: 'server_error', status: 500, description: undefined, bare: false, level: 'error', source: 'unrecognised' })
const KEYS_ANSWER = freezeAnswer({ code: 'temporarily_unavailable', status: 503, description: (KEYS_UNAVAILABLE as { description: string }).description, bare: false, level: 'warn', source: 'key set' })

/**
 * Network errors of a fetch that never reached its server (Node's fetch throws
 * `TypeError('fetch failed')` with one of these in `cause.code`): a key set, an introspection
 * endpoint or another upstream that is down. jose rethrows it from createRemoteJWKSet as it is.
 */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'
])
const UNREACHABLE_ANSWER = freezeAnswer({ code: 'temporarily_unavailable', status: 503, description: 'A service the server depends on could not be reached; retry later', bare: false, level: 'warn', source: 'upstream' })

/** Whether a value is a fetch that could not reach its server (RULES I5: 503, never invalid_token). */
function isUnreachable (record: Record<string, unknown>): boolean {
  if (!(record instanceof TypeError) || record.message !== 'fetch failed') return false
  const cause = record.cause as { code?: unknown, errors?: unknown } | undefined
  const code = cause?.code ?? (Array.isArray(cause?.errors) ? (cause.errors[0] as { code?: unknown } | undefined)?.code : undefined)
  return typeof code === 'string' && UNREACHABLE_CODES.has(code)
}

/**
 * The answer to a 4xx or 5xx status of a value that names no OAuth code, built once per status
 * (index: status - 400):
 * 401 depends on the request (RULES I2), 503 is load shedding (RULES I4), any other 5xx is the
 * server's error, any other 4xx keeps its status with its reason phrase (RULES I1, I3).
 */
const STATUS_ANSWERS: readonly ForeignAnswer[] = Array.from({ length: 200 }, (_, index) => {
  const status = 400 + index
  const server = status >= 500 && status !== 503
  const code = status === 503 ? 'temporarily_unavailable' : server ? 'server_error' : status === 403 ? 'access_denied' : 'invalid_request'
  return freezeAnswer({ code, status: server ? 500 : status, description: server ? undefined : STATUS_CODES[status], bare: false, level: server ? 'error' : 'info', source: 'status' })
})

const UNAUTHORIZED_CLIENT = freezeAnswer({ code: 'invalid_client', status: undefined, description: 'Client authentication failed', bare: false, level: 'info', source: 'status' })
const UNAUTHORIZED_TOKEN = freezeAnswer({ code: 'invalid_token', status: 401, description: 'The access token is invalid', bare: false, level: 'info', source: 'status' })

/** RULES I2: a foreign 401 is the client's failed authentication, the access token's, or no credentials at all. */
function unauthorized (situation: ForeignSituation): ForeignAnswer {
  const scheme = situation.scheme
  if (situation.endpoint === 'client' || (situation.endpoint === undefined && scheme === 'Basic')) return UNAUTHORIZED_CLIENT
  return scheme === 'Bearer' || scheme === 'DPoP' ? UNAUTHORIZED_TOKEN : BARE_ANSWER
}

/** RULES E4: a token plugin found no credentials (at an OAuth endpoint, the client did not authenticate). */
function noCredentials (situation: ForeignSituation): ForeignAnswer {
  return situation.endpoint === 'client' ? UNAUTHORIZED_CLIENT : BARE_ANSWER
}

/**
 * An OAuth code carried by another library's error, normalised: non-standard codes become the
 * standard code (and status) they mean; `null` is the bare challenge of RULES E4.
 */
export const CARRIED_CODES: Readonly<Record<string, { readonly code: string, readonly status?: number } | null>> = Object.freeze(Object.assign(Object.create(null) as Record<string, { readonly code: string, readonly status?: number } | null>, {
  // @node-oauth/oauth2-server: a programming error (issue #67), and "no authentication given"
  invalid_argument: { code: 'server_error', status: 500 },
  unauthorized_request: null,
  // @jmondi/oauth2-server
  unauthorized_scope: { code: 'invalid_scope' },
  // the MCP SDK
  method_not_allowed: { code: 'invalid_request', status: 405 },
  too_many_requests: { code: 'invalid_request', status: 429 }
}))

/** How an OAuth library's error carries its code, description and scope. */
interface Carrier {
  readonly source: string
  readonly matches: (value: Record<string, unknown>) => boolean
  readonly code: (value: Record<string, unknown>) => unknown
  readonly description: (value: Record<string, unknown>) => unknown
  readonly status: (value: Record<string, unknown>) => unknown
  /** The library marks the error as not for clients: server_error whatever its code. */
  readonly hidden?: (value: Record<string, unknown>) => boolean
}

/**
 * The OAuth libraries whose errors carry an OAuth code, by shape (read in their sources:
 * oidc-provider 9 `lib/helpers/errors.js`, @node-oauth/oauth2-server 5 `lib/errors/oauth-error.js`,
 * @jmondi/oauth2-server 4 `src/exceptions/oauth.exception.ts`, the MCP SDK 1 `server/auth/errors.js`).
 * Their own statuses are not copied (server_error is 500, never 503): the catalog's status is sent,
 * except for invalid_request, whose status says which request failed (405, 413, ...).
 */
export const CARRIERS: readonly Carrier[] = Object.freeze([
  {
    source: 'oidc-provider',
    matches: value => typeof value.error === 'string' && typeof value.expose === 'boolean' && typeof value.allow_redirect === 'boolean',
    code: value => value.error,
    description: value => value.error_description,
    status: value => value.status,
    hidden: value => value.expose === false
  },
  {
    source: '@node-oauth/oauth2-server',
    matches: value => typeof value.name === 'string' && Number.isInteger(value.code) && value.code === value.statusCode && value.code === value.status,
    code: value => value.name,
    description: value => value.message,
    status: value => value.code
  },
  {
    source: '@jmondi/oauth2-server',
    matches: value => value.isOAuth === true && typeof value.errorType === 'string',
    code: value => value.errorType,
    description: value => value.errorDescription,
    status: value => value.status
  },
  {
    source: '@modelcontextprotocol/sdk',
    matches: value => typeof value.errorCode === 'string' && typeof value.toResponseObject === 'function',
    code: value => value.errorCode,
    description: value => value.message,
    status: () => undefined
  }
])

function fromCarrier (value: Record<string, unknown>, carrier: Carrier, situation: ForeignSituation): ForeignAnswer {
  const carried = carrier.code(value)
  const normal = typeof carried === 'string' && Object.hasOwn(CARRIED_CODES, carried) ? CARRIED_CODES[carried] : undefined
  if (normal === null) return noCredentials(situation)
  const code = normal?.code ?? (isErrorCode(carried) ? carried : 'invalid_request')
  if (code === 'server_error' || carrier.hidden?.(value) === true) return freezeAnswer({ ...SERVER_ANSWER, source: carrier.source })
  const own = carrier.status(value)
  const status = normal?.status ?? (code === 'invalid_request' && clientStatus(own) !== undefined ? own as number : undefined)
  const scope = value.scope
  return freezeAnswer({
    code,
    status,
    description: code === 'temporarily_unavailable' ? undefined : sanitizeDescription(carrier.description(value)),
    bare: false,
    level: code === 'temporarily_unavailable' ? 'warn' : 'info',
    source: carrier.source,
    scope: typeof scope === 'string' ? scope : undefined
  })
}

function clientStatus (status: unknown): number | undefined {
  return Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 499 ? status as number : undefined
}

function httpStatus (status: unknown): number | undefined {
  return Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599 ? status as number : undefined
}

/** Header fields the plugin itself decides on an error response: never taken from a thrown value. */
const OWN_HEADERS: ReadonlySet<string> = new Set(['www-authenticate', 'dpop-nonce', 'cache-control', 'pragma', 'content-type', 'access-control-expose-headers', 'retry-after'])

/** RFC 9110 10.2.3 delay-seconds (RULES S8); an HTTP-date is dropped. */
const DELAY_SECONDS = /^\d{1,10}$/

/**
 * The headers an http-errors style value brings (`headers`: Allow of a 405, Retry-After of a 503
 * or 429, ...), without the ones the plugin decides; Retry-After only as delay-seconds.
 */
function keptHeaders (value: Record<string, unknown>): { headers?: Record<string, string>, retryAfter?: number } {
  const given = value.headers
  if (typeof given !== 'object' || given === null) return {}
  let headers: Record<string, string> | undefined
  let retryAfter: number | undefined
  for (const [name, header] of Object.entries(given)) {
    const lower = name.toLowerCase()
    if (lower === 'retry-after') {
      if (DELAY_SECONDS.test(String(header))) retryAfter = Number(header)
    } else if (typeof header === 'string' && !OWN_HEADERS.has(lower)) {
      (headers ??= {})[name] = header
    }
  }
  return { headers, retryAfter }
}

function fromRule (value: Record<string, unknown>, rule: ForeignRule, situation: ForeignSituation): ForeignAnswer {
  switch (rule.kind) {
    case 'bare': return noCredentials(situation)
    case 'server': return SERVER_ANSWER
    case 'unavailable': return KEYS_ANSWER
    case 'fixed': return rule.answer
    case 'by_scheme': return situation.scheme === 'Bearer' || situation.scheme === 'DPoP' ? tokenAnswer(situation.token, rule.failure) : noCredentials(situation)
    default: return fromTokenRule(value, rule, situation.token)
  }
}

function fromTokenRule (value: Record<string, unknown>, rule: Extract<ForeignRule, { kind: 'token' }>, context: TokenContext | undefined): ForeignAnswer {
  const message = rule.dpop === undefined ? undefined : value.message
  const ctx = typeof message === 'string' && message.startsWith(rule.dpop as string) ? 'dpop_proof' : context
  if (rule.onlyIn !== undefined && (ctx === undefined || !rule.onlyIn.includes(ctx))) return SERVER_ANSWER
  const cause = value.cause
  const claim = value.claim ?? (typeof cause === 'object' && cause !== null ? (cause as Record<string, unknown>).claim : undefined)
  const byClaim = rule.byClaim !== undefined && typeof claim === 'string' && Object.hasOwn(rule.byClaim, claim) ? rule.byClaim[claim] : undefined
  return tokenAnswer(ctx, byClaim ?? rule.failure)
}

function tokenAnswer (context: TokenContext | undefined, failure: Failure): ForeignAnswer {
  return TOKEN_ANSWERS.get((context ?? 'none') + ' ' + failure) as ForeignAnswer
}

/**
 * The OAuth error a thrown value means. The value is read, never changed; a value that throws
 * while read throws here (the error handler answers that with server_error).
 *
 * @example
 * ```ts
 * mapForeignError(new errors.JWTExpired('"exp" claim timestamp check failed', {}, 'exp'),
 *   { token: 'access_token', endpoint: 'resource', scheme: 'Bearer', replyStatus: undefined })
 * // { code: 'invalid_token', status: undefined, description: 'The access token expired', bare: false, level: 'info', ... }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function mapForeignError (value: unknown, situation: ForeignSituation): ForeignAnswer {
  if (typeof value !== 'object' || value === null) return SERVER_ANSWER
  const record = value as Record<string, unknown>
  const code = record.code
  const rule = typeof code === 'string' ? FOREIGN_CODES[code] : undefined
  if (rule !== undefined) return fromRule(record, rule, situation)
  for (const carrier of CARRIERS) {
    if (carrier.matches(record)) return fromCarrier(record, carrier, situation)
  }
  if (isUnreachable(record)) return UNREACHABLE_ANSWER
  if (Array.isArray(record.validation)) {
    return freezeAnswer({ code: 'invalid_request', status: 400, description: sanitizeDescription(record.message), bare: false, level: 'info', source: 'validation' })
  }
  const status = httpStatus(record.statusCode ?? record.status) ?? (record.statusCode === undefined && record.status === undefined ? clientStatus(situation.replyStatus) : undefined)
  if (status === undefined) return SERVER_ANSWER
  const answer = status === 401 ? unauthorized(situation) : STATUS_ANSWERS[status - 400] as ForeignAnswer
  if (answer.level === 'error') return answer
  const kept = keptHeaders(record)
  return kept.headers === undefined && kept.retryAfter === undefined ? answer : freezeAnswer({ ...answer, ...kept })
}

/** The options of an `AuthError` for an answer (a bare challenge has none to give: `invalid_token`). */
export function answerOptions (answer: ForeignAnswer): AuthErrorOptions {
  const options: AuthErrorOptions = {}
  if (answer.status !== undefined) options.status = answer.status
  if (answer.description !== undefined) options.description = answer.description
  if (answer.scope !== undefined) options.scope = answer.scope
  if (answer.retryAfter !== undefined) options.retryAfter = answer.retryAfter
  if (answer.headers !== undefined) options.headers = { ...answer.headers }
  return options
}
