// @ts-check
/**
 * What the demo's three flows share: the registered clients, the in-memory stores, request
 * parameters (RFC 6749 3.1: no repeats, empty counts as absent) and the scopes a client may get.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { AuthError } from 'fastify-auth-errors'

/**
 * @typedef {object} DemoClient
 * @property {string} client_id
 * @property {string} [client_secret] absent for a public client (which must use PKCE)
 * @property {readonly string[]} redirect_uris
 * @property {readonly string[]} grant_types
 * @property {string} scope the scopes the client may ask for, space-separated
 */
/**
 * @typedef {object} DemoStores
 * @property {Map<string, { clientId: string, redirectUri: string | undefined, challenge: string | undefined, scope: string, acr: string, authTime: number, exp: number, used: boolean, tokens: string[] }>} codes authorization codes
 * @property {Map<string, { clientId: string, scope: string, exp: number, sub: string | undefined, acr: string | undefined, authTime: number | undefined, jkt: string | undefined }>} accessTokens
 * @property {Map<string, { clientId: string, scope: string, sub: string | undefined, acr: string | undefined, authTime: number | undefined, jkt: string | undefined }>} refreshTokens
 */

/**
 * What every flow of the demo is given by examples/server.js.
 *
 * @typedef {object} DemoContext
 * @property {string} issuer the issuer identifier (RFC 9207)
 * @property {Map<string, DemoClient>} clients the registered clients by client_id
 * @property {DemoStores} stores codes and tokens, in memory
 * @property {ReturnType<typeof import('./dpop.js').createDpop>} dpop the DPoP proof checker (RFC 9449)
 * @property {() => number} now seconds since the epoch
 * @property {(request: import('fastify').FastifyRequest) => string} originOf the public origin
 * @property {(claims: object) => Promise<string>} sign signs JWT claims with the demo key (JARM)
 */

/** The issuer used when neither the option nor HTTPS_ISSUER names one. */
export const DEFAULT_ISSUER = 'https://as.example.test'
/** The authentication context classes the demo knows: a password, and password plus a second factor. */
export const ACR_PASSWORD = 'urn:demo:pwd'
export const ACR_MFA = 'urn:demo:mfa'

/**
 * A random opaque value (codes, tokens).
 *
 * @returns {string}
 */
export function opaque () {
  return randomBytes(24).toString('base64url')
}

/**
 * Whether two secrets are equal, in constant time.
 *
 * @param {string} given
 * @param {string} expected
 */
export function sameSecret (given, expected) {
  const digest = (/** @type {string} */ value) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/**
 * One request parameter: a repeated one is an invalid_request (RFC 6749 3.1), an empty one
 * counts as absent.
 *
 * @param {URLSearchParams} params
 * @param {string} name
 * @returns {string | undefined}
 */
export function single (params, name) {
  const values = params.getAll(name)
  if (values.length > 1) throw new AuthError('invalid_request', { description: `The ${name} parameter is repeated` })
  return values[0] === '' ? undefined : values[0]
}

/**
 * A required request parameter.
 *
 * @param {URLSearchParams} params
 * @param {string} name
 * @returns {string}
 */
export function required (params, name) {
  const value = single(params, name)
  if (value === undefined) throw new AuthError('invalid_request', { description: `The ${name} parameter is missing` })
  return value
}

/**
 * The parameters of a request: its form body (POST) or its query (GET).
 *
 * @param {import('fastify').FastifyRequest} request
 * @returns {URLSearchParams}
 */
export function paramsOf (request) {
  if (request.body instanceof URLSearchParams) return request.body
  if (request.method === 'POST') throw new AuthError('invalid_request', { description: 'Send the parameters as an application/x-www-form-urlencoded body' })
  const query = request.url.indexOf('?')
  return new URLSearchParams(query === -1 ? '' : request.url.slice(query + 1))
}

/**
 * @param {object} value
 * @returns {string}
 */
export function b64json (value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * The scope granted for a request: each requested value must be one the client may ask for.
 *
 * @param {DemoClient} client
 * @param {string | undefined} requested
 * @returns {string}
 */
export function grantedScope (client, requested) {
  const allowed = client.scope.split(' ')
  if (requested === undefined) return allowed.filter(item => !item.startsWith('demo:')).join(' ')
  const items = requested.split(' ')
  const unknown = items.find(item => !allowed.includes(item))
  if (unknown !== undefined) throw new AuthError('invalid_scope', { description: `The scope ${unknown} is not allowed for this client` })
  return items.join(' ')
}

/**
 * `decodeURIComponent` that answers invalid_client instead of throwing a URIError.
 *
 * @param {string} value
 * @returns {string}
 */
export function decodeURIComponentSafe (value) {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    throw new AuthError('invalid_client', { description: 'Malformed client credentials' })
  }
}
