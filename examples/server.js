// @ts-check
/**
 * A demo authorization server and resource server on Fastify that sends every error through
 * fastify-auth-errors. Everything is in memory: two clients, keys generated at start, no
 * database, no network.
 *
 * Endpoints: `GET|POST /authorize`, `POST /token`, `POST /revoke`, `POST /introspect`,
 * `GET /api/me`, `GET /api/orders` (scope orders:read), `GET /api/reports` (scope reports:read,
 * problem+json errors), `GET /api/payments` (step-up: acr urn:demo:mfa within 300 s),
 * `GET /jwks.json`, `GET /.well-known/oauth-authorization-server`,
 * `GET /.well-known/oauth-protected-resource` and the error reference page `GET /errors`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import Fastify from 'fastify'
import authErrors, { AuthError } from 'fastify-auth-errors'
import { DPOP_ALGS, createDpop } from './dpop.js'

/**
 * @typedef {object} DemoClient
 * @property {string} client_id
 * @property {string} [client_secret] absent for a public client (which must use PKCE)
 * @property {readonly string[]} redirect_uris
 * @property {readonly string[]} grant_types
 * @property {string} scope the scopes the client may ask for, space-separated
 */

/**
 * @typedef {object} DemoOptions
 * @property {string} [issuer] the issuer identifier, an https URL (RFC 9207); default HTTPS_ISSUER or https://as.example.test
 * @property {string} [baseUrl] the public origin of the demo (for metadata and resource_metadata); default: the request's own
 * @property {readonly DemoClient[]} [clients] the registered clients; default {@link defaultClients}
 * @property {() => number} [clock] milliseconds since the epoch; default Date.now (tests move it)
 * @property {import('fastify').FastifyServerOptions['logger']} [logger] Fastify's logger option; default off
 */

/**
 * The two clients the demo knows.
 *
 * @type {readonly DemoClient[]}
 */
export const defaultClients = Object.freeze([
  Object.freeze({
    client_id: 'demo-confidential',
    client_secret: 'demo-secret',
    redirect_uris: Object.freeze(['https://client.example.test/cb', 'http://127.0.0.1:8080/cb']),
    grant_types: Object.freeze(['authorization_code', 'refresh_token', 'client_credentials']),
    scope: 'openid profile orders:read reports:read payments:write demo:crash demo:busy'
  }),
  Object.freeze({
    client_id: 'demo-public',
    redirect_uris: Object.freeze(['http://127.0.0.1:8080/callback', 'com.example.demo:/callback']),
    grant_types: Object.freeze(['authorization_code', 'refresh_token']),
    scope: 'openid profile orders:read reports:read payments:write'
  })
])

/** The issuer used when neither the option nor HTTPS_ISSUER names one. */
export const DEFAULT_ISSUER = 'https://as.example.test'
/** The authentication context classes the demo knows: a password, and password plus a second factor. */
export const ACR_PASSWORD = 'urn:demo:pwd'
export const ACR_MFA = 'urn:demo:mfa'

const CODE_LIFETIME = 60
const ACCESS_TOKEN_LIFETIME = 600
const STEP_UP_MAX_AGE = 300
const FORM_BODY_LIMIT = 64 * 1024
const RESPONSE_MODES = new Set(['query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'])
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/
const CREDENTIALS = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i

/**
 * A random opaque value (codes, tokens).
 *
 * @returns {string}
 */
function opaque () {
  return randomBytes(24).toString('base64url')
}

/**
 * Whether two secrets are equal, in constant time.
 *
 * @param {string} given
 * @param {string} expected
 */
function sameSecret (given, expected) {
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
function single (params, name) {
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
function required (params, name) {
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
function paramsOf (request) {
  if (request.body instanceof URLSearchParams) return request.body
  if (request.method === 'POST') throw new AuthError('invalid_request', { description: 'Send the parameters as an application/x-www-form-urlencoded body' })
  const query = request.url.indexOf('?')
  return new URLSearchParams(query === -1 ? '' : request.url.slice(query + 1))
}

/**
 * @param {string} text
 * @returns {string}
 */
function escapeHtml (text) {
  return text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`)
}

/**
 * @param {object} value
 * @returns {string}
 */
function b64json (value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * The settings of `npm start`, from the environment: HOST (default 127.0.0.1), PORT (default
 * 3000), HTTPS_ISSUER (default https://as.example.test), PUBLIC_URL (default http://HOST:PORT,
 * none when PORT is 0) and LOG_LEVEL (default info).
 *
 * @param {Record<string, string | undefined>} env
 */
export function settingsFromEnv (env) {
  const host = env.HOST ?? '127.0.0.1'
  const port = Number(env.PORT ?? 3000)
  return {
    host,
    port,
    issuer: env.HTTPS_ISSUER ?? DEFAULT_ISSUER,
    baseUrl: env.PUBLIC_URL ?? (port === 0 ? undefined : `http://${host}:${port}`),
    logLevel: env.LOG_LEVEL ?? 'info'
  }
}

/**
 * Builds the demo: a Fastify app with the plugin registered and every route added.
 *
 * @param {DemoOptions} [options]
 * @returns {Promise<import('fastify').FastifyInstance>}
 */
export async function buildDemo (options = {}) {
  const issuer = options.issuer ?? process.env.HTTPS_ISSUER ?? DEFAULT_ISSUER
  const baseUrl = options.baseUrl?.replace(/\/+$/, '')
  const clock = options.clock ?? Date.now
  const clients = new Map((options.clients ?? defaultClients).map(client => [client.client_id, client]))
  const dpop = createDpop(clock)
  const now = () => Math.floor(clock() / 1000)

  // The JARM signing key, made at start (ES256, WebCrypto).
  const signingKey = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', signingKey.publicKey)
  const jwks = { keys: [{ kty, crv, x, y, kid: 'demo-1', alg: 'ES256', use: 'sig' }] }

  /**
   * Signs JWT claims with the demo key (JARM responses).
   *
   * @param {object} claims
   * @returns {Promise<string>}
   */
  async function sign (claims) {
    const input = b64json({ alg: 'ES256', kid: 'demo-1', typ: 'JWT' }) + '.' + b64json(claims)
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signingKey.privateKey, Buffer.from(input))
    return input + '.' + Buffer.from(signature).toString('base64url')
  }

  /** @type {Map<string, { clientId: string, redirectUri: string | undefined, challenge: string | undefined, scope: string, acr: string, authTime: number, exp: number, used: boolean, tokens: string[] }>} */
  const codes = new Map()
  /** @type {Map<string, { clientId: string, scope: string, exp: number, sub: string | undefined, acr: string | undefined, authTime: number | undefined, jkt: string | undefined }>} */
  const accessTokens = new Map()
  /** @type {Map<string, { clientId: string, scope: string, sub: string | undefined, acr: string | undefined, authTime: number | undefined, jkt: string | undefined }>} */
  const refreshTokens = new Map()
  /** @type {WeakMap<import('fastify').FastifyRequest, { clientId: string, scope: string, sub: string | undefined }>} the token of a resource request */
  const tokenOf = new WeakMap()

  const app = Fastify({ logger: options.logger ?? false })
  await app.register(authErrors, {
    realm: 'demo',
    issuer,
    schemes: ['Bearer', 'DPoP'],
    algs: DPOP_ALGS,
    reference: baseUrl === undefined ? true : { baseUrl },
    // RFC 9728 3: the metadata URL is https, so a plain-http demo sends no resource_metadata.
    resourceMetadata: baseUrl?.startsWith('https://') === true ? baseUrl + '/.well-known/oauth-protected-resource' : undefined
  })

  // Only form bodies, at most 64 KiB: anything else is a 415 or 413 invalid_request from the plugin.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => { done(null, new URLSearchParams(/** @type {string} */ (body))) })

  /**
   * The public origin: the configured base URL, else the request's own.
   *
   * @param {import('fastify').FastifyRequest} request
   */
  const originOf = (request) => baseUrl ?? `${request.protocol}://${request.host}`

  // ---------------------------------------------------------------- metadata

  app.get('/.well-known/oauth-authorization-server', async (request) => {
    const origin = originOf(request)
    return {
      issuer,
      authorization_endpoint: origin + '/authorize',
      token_endpoint: origin + '/token',
      revocation_endpoint: origin + '/revoke',
      introspection_endpoint: origin + '/introspect',
      jwks_uri: origin + '/jwks.json',
      response_types_supported: ['code'],
      response_modes_supported: [...RESPONSE_MODES],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      code_challenge_methods_supported: ['S256'],
      dpop_signing_alg_values_supported: DPOP_ALGS,
      authorization_signing_alg_values_supported: ['ES256'],
      authorization_response_iss_parameter_supported: true
    }
  })
  app.get('/.well-known/oauth-protected-resource', async (request) => ({
    resource: originOf(request) + '/api',
    authorization_servers: [issuer],
    bearer_methods_supported: ['header'],
    dpop_signing_alg_values_supported: DPOP_ALGS
  }))
  app.get('/jwks.json', async () => jwks)

  // ---------------------------------------------------------------- client authentication

  /**
   * Authenticates the client of a back-channel request: client_secret_basic,
   * client_secret_post, or a public client's bare client_id (RFC 6749 2.3).
   *
   * @param {import('fastify').FastifyRequest} request
   * @param {URLSearchParams} params
   * @returns {DemoClient}
   */
  function authenticateClient (request, params) {
    const authorization = request.headers.authorization
    const bodyId = single(params, 'client_id')
    const bodySecret = single(params, 'client_secret')
    if (authorization !== undefined) {
      if (bodySecret !== undefined) throw new AuthError('invalid_request', { description: 'Use one client authentication method only' })
      const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization)
      const decoded = match === null ? '' : Buffer.from(/** @type {string} */ (match[1]), 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon === -1) throw new AuthError('invalid_client', { description: 'Malformed client credentials' })
      const id = decodeURIComponentSafe(decoded.slice(0, colon))
      const secret = decodeURIComponentSafe(decoded.slice(colon + 1))
      const client = clients.get(id)
      if (client?.client_secret === undefined || !sameSecret(secret, client.client_secret) || (bodyId !== undefined && bodyId !== id)) {
        throw new AuthError('invalid_client', { description: 'Client authentication failed' })
      }
      return client
    }
    if (bodyId === undefined) throw new AuthError('invalid_client', { description: 'The request carries no client authentication' })
    const client = clients.get(bodyId)
    if (client === undefined) throw new AuthError('invalid_client', { description: 'Client authentication failed' })
    if (client.client_secret === undefined ? bodySecret !== undefined : bodySecret === undefined || !sameSecret(bodySecret, client.client_secret)) {
      throw new AuthError('invalid_client', { description: 'Client authentication failed' })
    }
    return client
  }

  /**
   * The thumbprint of a DPoP proof sent to the token endpoint, if any.
   *
   * @param {import('fastify').FastifyRequest} request
   * @returns {Promise<string | undefined>}
   */
  async function tokenEndpointProof (request) {
    if (request.headers.dpop === undefined) return undefined
    return dpop.verify({ proof: request.headers.dpop, method: 'POST', url: originOf(request) + '/token' })
  }

  // ---------------------------------------------------------------- token endpoint

  /**
   * Issues an access token (and a refresh token for a user grant) and sends the token response.
   *
   * @param {import('fastify').FastifyReply} reply
   * @param {{ clientId: string, scope: string, sub?: string | undefined, acr?: string | undefined, authTime?: number | undefined, jkt: string | undefined, refresh: boolean }} grant
   * @returns {{ token: string, reply: import('fastify').FastifyReply }}
   */
  function issueTokens (reply, grant) {
    const token = opaque()
    accessTokens.set(token, {
      clientId: grant.clientId, scope: grant.scope, exp: now() + ACCESS_TOKEN_LIFETIME, sub: grant.sub, acr: grant.acr, authTime: grant.authTime, jkt: grant.jkt
    })
    /** @type {Record<string, string | number>} */
    const body = { access_token: token, token_type: grant.jkt === undefined ? 'Bearer' : 'DPoP', expires_in: ACCESS_TOKEN_LIFETIME, scope: grant.scope }
    if (grant.refresh) {
      const refreshToken = opaque()
      refreshTokens.set(refreshToken, { clientId: grant.clientId, scope: grant.scope, sub: grant.sub, acr: grant.acr, authTime: grant.authTime, jkt: grant.jkt })
      body.refresh_token = refreshToken
    }
    return { token, reply: reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body) }
  }

  /** @type {Record<string, (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, params: URLSearchParams, client: DemoClient, jkt: string | undefined) => unknown>} */
  const grants = {
    authorization_code (_request, reply, params, client, jkt) {
      const value = required(params, 'code')
      const redirectUri = single(params, 'redirect_uri')
      const verifier = single(params, 'code_verifier')
      const code = codes.get(value)
      if (code === undefined || code.clientId !== client.client_id) throw new AuthError('invalid_grant', { description: 'The authorization code is unknown' })
      if (code.used) {
        // RFC 6749 4.1.2: a code used twice revokes the tokens issued from it.
        for (const token of code.tokens) accessTokens.delete(token)
        throw new AuthError('invalid_grant', { description: 'The authorization code was already used' })
      }
      code.used = true
      if (code.exp < now()) throw new AuthError('invalid_grant', { description: 'The authorization code has expired' })
      if (redirectUri !== code.redirectUri) throw new AuthError('invalid_grant', { description: 'The redirect_uri does not match the authorization request' })
      if (code.challenge !== undefined || verifier !== undefined) {
        const computed = verifier === undefined ? '' : createHash('sha256').update(verifier).digest('base64url')
        if (code.challenge === undefined || computed !== code.challenge) throw new AuthError('invalid_grant', { description: 'The code_verifier does not match the code_challenge' })
      }
      const issued = issueTokens(reply, { clientId: client.client_id, scope: code.scope, sub: 'alice', acr: code.acr, authTime: code.authTime, jkt, refresh: true })
      code.tokens.push(issued.token)
      return issued.reply
    },

    client_credentials (_request, reply, params, client, jkt) {
      const scope = grantedScope(client, single(params, 'scope'))
      if (scope.split(' ').includes('demo:crash')) throw new Error('demo:crash: a simulated bug in the token endpoint')
      if (scope.split(' ').includes('demo:busy')) throw new AuthError('temporarily_unavailable', { retryAfter: 30, description: 'The demo is pretending to be overloaded' })
      return issueTokens(reply, { clientId: client.client_id, scope, jkt, refresh: false }).reply
    },

    refresh_token (_request, reply, params, client, jkt) {
      const value = required(params, 'refresh_token')
      const grant = refreshTokens.get(value)
      if (grant === undefined || grant.clientId !== client.client_id) throw new AuthError('invalid_grant', { description: 'The refresh token is unknown or was revoked' })
      if (grant.jkt !== undefined && grant.jkt !== jkt) throw new AuthError('invalid_grant', { description: 'The refresh token is bound to another DPoP key' })
      const scope = single(params, 'scope') ?? grant.scope
      if (!scope.split(' ').every(item => grant.scope.split(' ').includes(item))) throw new AuthError('invalid_scope', { description: 'The scope exceeds the original grant' })
      refreshTokens.delete(value) // rotation
      return issueTokens(reply, { clientId: client.client_id, scope, sub: grant.sub, acr: grant.acr, authTime: grant.authTime, jkt: grant.jkt ?? jkt, refresh: true }).reply
    }
  }

  /**
   * The scope granted for a request: each requested value must be one the client may ask for.
   *
   * @param {DemoClient} client
   * @param {string | undefined} requested
   * @returns {string}
   */
  function grantedScope (client, requested) {
    const allowed = client.scope.split(' ')
    if (requested === undefined) return allowed.filter(item => !item.startsWith('demo:')).join(' ')
    const items = requested.split(' ')
    const unknown = items.find(item => !allowed.includes(item))
    if (unknown !== undefined) throw new AuthError('invalid_scope', { description: `The scope ${unknown} is not allowed for this client` })
    return items.join(' ')
  }

  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (request, reply) => {
    const params = paramsOf(request)
    const grantType = required(params, 'grant_type')
    const client = authenticateClient(request, params)
    const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined
    if (grant === undefined) throw new AuthError('unsupported_grant_type', { description: `The grant_type ${grantType} is not supported` })
    if (!client.grant_types.includes(grantType)) throw new AuthError('unauthorized_client', { description: `This client may not use ${grantType}` })
    const jkt = await tokenEndpointProof(request)
    return grant(request, reply, params, client, jkt)
  })

  // ---------------------------------------------------------------- revocation and introspection

  app.post('/revoke', { config: { authErrors: { endpoint: 'revocation' } } }, async (request, reply) => {
    const params = paramsOf(request)
    const client = authenticateClient(request, params)
    const token = required(params, 'token')
    const hint = single(params, 'token_type_hint')
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new AuthError('unsupported_token_type', { description: 'The demo revokes access and refresh tokens only' })
    }
    const owned = accessTokens.get(token)?.clientId ?? refreshTokens.get(token)?.clientId
    // RFC 7009 2.2: an unknown token is not an error; the plugin answers 200 for invalid_token here.
    if (owned !== client.client_id) return reply.authError('invalid_token')
    accessTokens.delete(token)
    refreshTokens.delete(token)
    return reply.header('cache-control', 'no-store').send()
  })

  app.post('/introspect', { config: { authErrors: { endpoint: 'introspection' } } }, async (request, reply) => {
    const params = paramsOf(request)
    const client = authenticateClient(request, params)
    if (client.client_secret === undefined) throw new AuthError('invalid_client', { description: 'Only confidential clients may introspect' })
    const token = accessTokens.get(required(params, 'token'))
    // RFC 7662 2.2: an unknown or expired token is {"active":false}, which the plugin sends for invalid_token.
    if (token === undefined || token.exp < now()) return reply.authError('invalid_token')
    return reply.header('cache-control', 'no-store').send({
      active: true,
      client_id: token.clientId,
      scope: token.scope,
      exp: token.exp,
      token_type: token.jkt === undefined ? 'Bearer' : 'DPoP',
      ...(token.sub === undefined ? {} : { sub: token.sub, acr: token.acr, auth_time: token.authTime }),
      ...(token.jkt === undefined ? {} : { cnf: { jkt: token.jkt } })
    })
  })

  // ---------------------------------------------------------------- authorization endpoint

  /**
   * The demo's user agrees to everything: the code goes back by the requested response mode.
   *
   * @param {import('fastify').FastifyReply} reply
   * @param {{ redirectUri: string, mode: string, clientId: string, fields: Record<string, string> }} response
   */
  async function deliverCode (reply, { redirectUri, mode, clientId, fields }) {
    /** @type {Record<string, string>} */
    let params = { ...fields, iss: issuer }
    let delivery = mode
    if (mode.endsWith('jwt')) {
      params = { response: await sign({ ...fields, iss: issuer, aud: clientId, exp: now() + 600 }) }
      delivery = mode === 'jwt' ? 'query' : mode.slice(0, -4)
    }
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
    const encoded = new URLSearchParams(params).toString()
    if (delivery === 'form_post') {
      const inputs = Object.entries(params).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('')
      return reply.type('text/html; charset=utf-8').send(
        `<!DOCTYPE html><html><head><title>Submit</title></head><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`)
    }
    const location = delivery === 'fragment' ? redirectUri + '#' + encoded : redirectUri + (redirectUri.includes('?') ? '&' : '?') + encoded
    return reply.code(reply.request.method === 'POST' ? 303 : 302).header('location', location).send()
  }

  /** @type {import('fastify').RouteHandlerMethod} */
  async function authorize (request, reply) {
    /** @type {URLSearchParams} */
    let params
    /** @type {DemoClient | undefined} */
    let client
    /** @type {string | undefined} */
    let redirectUri
    try {
      params = paramsOf(request)
      const clientId = required(params, 'client_id')
      client = clients.get(clientId)
      if (client === undefined) throw new AuthError('invalid_client', { description: 'The client_id is unknown' })
      const requested = single(params, 'redirect_uri')
      redirectUri = requested === undefined && client.redirect_uris.length === 1 ? client.redirect_uris[0] : client.redirect_uris.find(uri => uri === requested)
      if (redirectUri === undefined) throw new AuthError('invalid_request', { description: 'The redirect_uri is missing or not registered for this client' })
    } catch (error) {
      // RULES A1: without a trusted client and redirect URI, never redirect: the plugin answers directly.
      return reply.authRedirect(/** @type {AuthError} */ (error), { redirectUri: undefined })
    }
    const trusted = client
    const target = redirectUri
    const state = params.getAll('state').length === 1 ? single(params, 'state') : undefined
    const responseType = params.getAll('response_type').length === 1 ? single(params, 'response_type') : undefined
    const requestedMode = params.getAll('response_mode').length === 1 ? single(params, 'response_mode') : undefined
    const responseMode = requestedMode !== undefined && RESPONSE_MODES.has(requestedMode) ? requestedMode : undefined
    /** @type {Record<string, string>} */
    let fields
    try {
      if (requestedMode !== undefined && responseMode === undefined) throw new AuthError('invalid_request', { description: 'The response_mode is not supported' })
      for (const name of ['state', 'response_type', 'response_mode']) single(params, name)
      const type = required(params, 'response_type')
      if (type !== 'code') throw new AuthError('unsupported_response_type', { description: 'The demo supports response_type=code only' })
      if (!trusted.grant_types.includes('authorization_code')) throw new AuthError('unauthorized_client')
      const challenge = single(params, 'code_challenge')
      const method = single(params, 'code_challenge_method')
      if (challenge === undefined && trusted.client_secret === undefined) throw new AuthError('invalid_request', { description: 'A public client must send a PKCE code_challenge' })
      if (challenge !== undefined && !PKCE_CHALLENGE.test(challenge)) throw new AuthError('invalid_request', { description: 'The code_challenge is malformed' })
      if (method !== undefined ? method !== 'S256' || challenge === undefined : challenge !== undefined) {
        throw new AuthError('invalid_request', { description: 'The code_challenge_method must be S256' })
      }
      const scope = grantedScope(trusted, single(params, 'scope'))
      if (single(params, 'prompt') === 'none') throw new AuthError('login_required')
      const acr = (single(params, 'acr_values') ?? '').split(' ').includes(ACR_MFA) ? ACR_MFA : ACR_PASSWORD
      const code = opaque()
      codes.set(code, { clientId: trusted.client_id, redirectUri: single(params, 'redirect_uri'), challenge, scope, acr, authTime: now(), exp: now() + CODE_LIFETIME, used: false, tokens: [] })
      fields = state === undefined ? { code } : { code, state }
    } catch (error) {
      // Every other failure goes back to the client's redirect URI (RULES A3); only AuthErrors are thrown above.
      return reply.authRedirect(/** @type {AuthError} */ (error), {
        redirectUri: target, responseType, responseMode, state, clientId: trusted.client_id, jarm: { sign }
      })
    }
    return deliverCode(reply, { redirectUri: target, mode: responseMode ?? 'query', clientId: trusted.client_id, fields })
  }

  app.get('/authorize', { config: { authErrors: { endpoint: 'authorization' } } }, authorize)
  app.post('/authorize', { config: { authErrors: { endpoint: 'authorization' } } }, authorize)

  // ---------------------------------------------------------------- protected resources

  /**
   * Checks the access token of a resource request (Bearer or DPoP) and the route's needs.
   * Without credentials the answer is the bare challenge (RULES E4); every failure is thrown
   * as an AuthError, and the plugin writes the challenge.
   *
   * @param {import('fastify').FastifyRequest} request
   * @param {import('fastify').FastifyReply} reply
   * @param {{ scope?: string, stepUp?: { acr: string, maxAge: number } }} needs
   */
  async function authenticate (request, reply, needs) {
    const authorization = request.headers.authorization
    if (authorization === undefined) return reply.authChallenge({ scope: needs.scope })
    const match = CREDENTIALS.exec(authorization)
    if (match === null) throw new AuthError('invalid_request', { description: 'The Authorization header is malformed' })
    const scheme = /** @type {string} */ (match[1]).toLowerCase()
    const value = /** @type {string} */ (match[2])
    const token = accessTokens.get(value)
    if (scheme === 'dpop') {
      const jkt = await dpop.verify({ proof: request.headers.dpop, method: request.method, url: originOf(request) + request.url, accessToken: value })
      if (token !== undefined && token.jkt !== jkt) throw new AuthError('invalid_token', { description: 'The access token is not bound to this DPoP key' })
    } else if (token?.jkt !== undefined) {
      throw new AuthError('invalid_token', { description: 'The access token is DPoP-bound: use the DPoP scheme' })
    }
    if (token === undefined || token.exp < now()) throw new AuthError('invalid_token', { description: 'The access token is unknown, expired or revoked' })
    if (needs.scope !== undefined && !token.scope.split(' ').includes(needs.scope)) throw new AuthError('insufficient_scope', { scope: needs.scope })
    const stepUp = needs.stepUp
    if (stepUp !== undefined && (token.acr !== stepUp.acr || now() - Number(token.authTime) > stepUp.maxAge)) {
      throw new AuthError('insufficient_user_authentication', { acrValues: [stepUp.acr], maxAge: stepUp.maxAge, description: 'A second factor within the last 5 minutes is required' })
    }
    tokenOf.set(request, token)
    return undefined
  }

  /**
   * @param {string} path
   * @param {{ scope?: string, stepUp?: { acr: string, maxAge: number } }} needs
   * @param {'oauth' | 'problem'} format
   */
  function resource (path, needs, format = 'oauth') {
    app.get(path, {
      config: { authErrors: { endpoint: 'resource', format } },
      preHandler: (request, reply) => authenticate(request, reply, needs)
    }, async (request) => {
      const token = /** @type {{ clientId: string, scope: string, sub: string | undefined }} */ (tokenOf.get(request))
      return { path, client_id: token.clientId, sub: token.sub, scope: token.scope }
    })
  }

  resource('/api/me', {})
  resource('/api/orders', { scope: 'orders:read' })
  resource('/api/reports', { scope: 'reports:read' }, 'problem')
  resource('/api/payments', { stepUp: { acr: ACR_MFA, maxAge: STEP_UP_MAX_AGE } })

  return app
}

/**
 * `decodeURIComponent` that answers invalid_client instead of throwing a URIError.
 *
 * @param {string} value
 * @returns {string}
 */
function decodeURIComponentSafe (value) {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    throw new AuthError('invalid_client', { description: 'Malformed client credentials' })
  }
}
