// @ts-check
/**
 * A demo authorization server and resource server on Fastify that sends every error through
 * fastify-auth-errors, composed of one file per flow: examples/authorization-endpoint.js,
 * examples/token-endpoint.js and examples/resource-server.js. Everything is in memory: two
 * clients, keys generated at start, no database, no network.
 *
 * Routes of its own: `GET /` (what to try), `GET /jwks.json`,
 * `GET /.well-known/oauth-authorization-server`, `GET /.well-known/oauth-protected-resource`
 * and the error reference page `GET /errors`.
 */
import Fastify from 'fastify'
import authErrors from 'fastify-auth-errors'
import { DPOP_ALGS, createDpop } from './dpop.js'
import { RESPONSE_MODES, escapeHtml, registerAuthorizationEndpoint } from './authorization-endpoint.js'
import { registerResourceServer } from './resource-server.js'
import { DEFAULT_ISSUER, b64json } from './shared.js'
import { registerTokenEndpoint } from './token-endpoint.js'

export { ACR_MFA, ACR_PASSWORD, DEFAULT_ISSUER } from './shared.js'

/** @typedef {import('./shared.js').DemoClient} DemoClient */

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

const FORM_BODY_LIMIT = 64 * 1024
/** The home page's CSP: nothing loads or runs; it has no script and no style. */
const HOME_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/**
 * @typedef {object} TryRequest
 * @property {string} curl a ready-made request
 * @property {string} expect what the demo answers
 */

/**
 * Ready-made failing requests, one per endpoint: the `npm start` banner and `GET /` list them.
 *
 * @param {string} origin the demo's public origin
 * @returns {TryRequest[]}
 */
export function tryRequests (origin) {
  const basic = '-u demo-confidential:demo-secret'
  const form = '-H "Content-Type: application/x-www-form-urlencoded"'
  const callback = encodeURIComponent('http://127.0.0.1:8080/callback')
  return [
    { curl: `curl -i ${origin}/api/me`, expect: '401, bare challenge: no credentials sent' },
    { curl: `curl -i -H "Authorization: Bearer nope" ${origin}/api/me`, expect: '401 invalid_token' },
    { curl: `curl -i ${basic} ${form} -d grant_type=password ${origin}/token`, expect: '400 unsupported_grant_type' },
    { curl: `curl -i -u demo-confidential:wrong ${form} -d grant_type=client_credentials ${origin}/token`, expect: '401 invalid_client, Basic challenge' },
    { curl: `curl -i "${origin}/authorize?client_id=demo-public&redirect_uri=${callback}&response_type=code&state=xyz"`, expect: '302 to the client: invalid_request (no PKCE), state, iss' },
    { curl: `curl -i "${origin}/authorize?client_id=nobody&response_type=code"`, expect: '400 answered directly, never redirected' },
    { curl: `curl -i ${basic} ${form} -d token=x -d token_type_hint=id_token ${origin}/revoke`, expect: '400 unsupported_token_type' },
    { curl: `curl -i ${basic} ${form} -d token=unknown ${origin}/introspect`, expect: '200 {"active":false}' }
  ]
}

/**
 * The home page for a browser: the ready-made requests, every value HTML-escaped.
 *
 * @param {string} issuer
 * @param {TryRequest[]} tries
 * @returns {string}
 */
function renderHome (issuer, tries) {
  const items = tries.map(({ curl, expect }) => `<li><code>${escapeHtml(curl)}</code><br>${escapeHtml(expect)}</li>`).join('')
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>fastify-auth-errors demo</title></head><body><h1>fastify-auth-errors demo</h1><p>Issuer <code>${escapeHtml(issuer)}</code>. Try these failing requests:</p><ul>${items}</ul><p><a href="errors">Error reference</a> | <a href=".well-known/oauth-authorization-server">metadata</a></p></body></html>`
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

  /** @type {import('./shared.js').DemoStores} */
  const stores = { codes: new Map(), accessTokens: new Map(), refreshTokens: new Map() }

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

  // ---------------------------------------------------------------- what to try, and metadata

  app.get('/', async (request, reply) => {
    const tries = tryRequests(originOf(request))
    if (!/\btext\/html\b/i.test(request.headers.accept ?? '')) return { demo: 'fastify-auth-errors', issuer, try: tries }
    return reply.type('text/html; charset=utf-8').header('content-security-policy', HOME_CSP).send(renderHome(issuer, tries))
  })

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

  /** @type {import('./shared.js').DemoContext} */
  const context = { issuer, clients, stores, dpop, now, originOf, sign }
  registerAuthorizationEndpoint(app, context)
  registerTokenEndpoint(app, context)
  registerResourceServer(app, context)
  return app
}
